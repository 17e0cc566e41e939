//! The key ring: the first key, signing and the JWK set, instances that share a store,
//! rotation and retention, the periodic refresh, and stored keys that cannot be used.

use std::time::{Duration, Instant};

use rsa::pkcs8::DecodePrivateKey as _;
use serde_json::{Value, json};

use super::jwt::JwtError;
use super::*;

/// How long a retired key stays published in these tests (as an hour-long token would).
const RETENTION: Duration = Duration::from_secs(3600 + 300);

/// A fixed "now" for the tests that inject the time.
const T0: i64 = 1_700_000_000;

async fn memory_store() -> Store {
    Store::open("sqlite::memory:").await.unwrap()
}

/// A store on a new SQLite file (kept as long as the directory lives), and its URL.
async fn file_store() -> (Store, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    (Store::open(&url).await.unwrap(), dir, url)
}

/// The kids of a JWK set, in order.
fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The JSON header of a compact JWT.
fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&jwt::base64url_decode(header).unwrap()).unwrap()
}

#[tokio::test]
async fn the_first_load_makes_a_key_that_signs() {
    let store = memory_store().await;
    let ring = KeyRing::load(&store, RETENTION).await.unwrap();
    let kid = ring.current_kid();
    assert_eq!(kid.len(), 16, "12 bytes in base64url: {kid}");
    assert!(
        kid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{kid}"
    );

    let stored = store.signing_keys().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kid, kid);
    assert_eq!(stored[0].retired_at, None);
    assert!(
        stored[0]
            .private_key_pem
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );

    let claims = json!({ "iss": "https://wx.example.com/oidc/demo", "sub": "o6_x", "exp": 2_000_000_000u64 });
    let token = ring.sign(&claims).unwrap();
    assert_eq!(
        header_of(&token),
        json!({ "alg": "RS256", "typ": "JWT", "kid": kid })
    );
    let verified = jwt::verify_with_jwks(&token, &ring.jwks()).unwrap();
    assert_eq!(Value::Object(verified), claims);

    // The signature is the stored private key's: checked with the public key alone.
    let public = jwt::PublicKey {
        kid: kid.clone(),
        key: rsa::RsaPrivateKey::from_pkcs8_pem(&stored[0].private_key_pem)
            .unwrap()
            .to_public_key(),
    };
    assert!(jwt::verify(&token, &[public]).is_ok());

    let mut tampered: Vec<&str> = token.split('.').collect();
    let forged = jwt::base64url(br#"{"sub":"someone-else"}"#);
    tampered[1] = &forged;
    assert_eq!(
        jwt::verify_with_jwks(&tampered.join("."), &ring.jwks()),
        Err(JwtError::BadSignature)
    );
    assert!(matches!(ring.sign(&json!([1])), Err(KeyError::Signing(_))));
}

#[tokio::test]
async fn the_jwk_set_publishes_the_public_key() {
    let store = memory_store().await;
    let ring = KeyRing::load(&store, RETENTION).await.unwrap();
    let jwks = ring.jwks();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut fields: Vec<&str> = key.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"], ring.current_kid().as_str());
    assert_eq!(key["e"], "AQAB");
    let n = key["n"].as_str().unwrap();
    assert!(
        !n.contains('=') && !n.contains('+') && !n.contains('/'),
        "{n}"
    );
    let modulus = jwt::base64url_decode(n).unwrap();
    assert_eq!(modulus.len(), 256, "2048 bits");
    assert!(modulus[0] >= 0x80, "no leading zero byte");

    let text = jwks.to_string();
    assert!(!text.contains("\"d\""), "no private exponent: {text}");
    assert!(!text.contains("PRIVATE"), "{text}");
}

#[tokio::test]
async fn instances_on_one_store_sign_with_the_same_key() {
    let (store, _dir, url) = file_store().await;
    let one = KeyRing::load(&store, RETENTION).await.unwrap();
    let other_store = Store::open(&url).await.unwrap();
    let two = KeyRing::load(&other_store, RETENTION).await.unwrap();
    assert_eq!(one.current_kid(), two.current_kid());
    assert_eq!(one.jwks(), two.jwks());
    let token = two.sign(&json!({ "sub": "x" })).unwrap();
    assert!(jwt::verify_with_jwks(&token, &one.jwks()).is_ok());
    assert_eq!(store.signing_keys().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_at_once_agree_on_one_key() {
    let (_store, _dir, url) = file_store().await;
    let loads: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let store = Store::open(&url).await.unwrap();
                KeyRing::load(&store, RETENTION).await.unwrap()
            })
        })
        .collect();
    let mut kids = Vec::new();
    for load in loads {
        kids.push(load.await.unwrap().current_kid());
    }
    kids.dedup();
    assert_eq!(kids.len(), 1, "{kids:?}");
    let store = Store::open(&url).await.unwrap();
    let stored = store.signing_keys().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].kid, kids[0]);
}

#[tokio::test]
async fn after_a_rotation_the_old_key_stays_published_for_the_retention() {
    let store = memory_store().await;
    let ring = KeyRing::load_at(&store, RETENTION, T0).await.unwrap();
    let old = ring.current_kid();
    let old_token = ring.sign(&json!({ "sub": "before" })).unwrap();

    let new = rotate_at(&store, T0 + 100).await.unwrap();
    assert_ne!(new, old);
    assert_eq!(ring.current_kid(), old, "nothing changes before a refresh");

    ring.refresh_at(&store, T0 + 101).await.unwrap();
    assert_eq!(ring.current_kid(), new);
    assert_eq!(kids(&ring.jwks()), [new.clone(), old.clone()]);
    let new_token = ring.sign(&json!({ "sub": "after" })).unwrap();
    assert_eq!(header_of(&new_token)["kid"], new.as_str());
    assert!(jwt::verify_with_jwks(&new_token, &ring.jwks()).is_ok());
    assert!(jwt::verify_with_jwks(&old_token, &ring.jwks()).is_ok());

    // Retired at T0 + 100: published while less than RETENTION has passed.
    let retention = RETENTION.as_secs() as i64;
    ring.refresh_at(&store, T0 + 100 + retention - 1)
        .await
        .unwrap();
    assert_eq!(kids(&ring.jwks()), [new.clone(), old.clone()]);
    ring.refresh_at(&store, T0 + 100 + retention).await.unwrap();
    assert_eq!(kids(&ring.jwks()), [new]);
    assert_eq!(
        jwt::verify_with_jwks(&old_token, &ring.jwks()),
        Err(JwtError::UnknownKey(old))
    );
    assert_eq!(
        store.signing_keys().await.unwrap().len(),
        2,
        "unpublished, not yet dropped"
    );
}

#[tokio::test]
async fn rotating_drops_keys_retired_more_than_a_day_ago() {
    let store = memory_store().await;
    let first = rotate_at(&store, T0).await.unwrap();
    let second = rotate_at(&store, T0 + 10).await.unwrap();
    let keep = KEEP_RETIRED.as_secs() as i64;
    // `first` was retired at T0 + 10: still kept at T0 + 10 + KEEP_RETIRED.
    let third = rotate_at(&store, T0 + 10 + keep).await.unwrap();
    let kids: Vec<String> = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|key| key.kid)
        .collect();
    assert_eq!(kids, [third.clone(), second.clone(), first]);
    let fourth = rotate_at(&store, T0 + 11 + keep).await.unwrap();
    let kids: Vec<String> = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|key| key.kid)
        .collect();
    assert_eq!(kids, [fourth, third, second]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_instances_switch_to_a_rotated_key_within_ten_seconds() {
    let (store, _dir, url) = file_store().await;
    let ring = KeyRing::load(&store, RETENTION).await.unwrap();
    let refresher = ring.spawn_refresh(store.clone());
    let old = ring.current_kid();

    let operator = Store::open(&url).await.unwrap();
    let rotated_at = Instant::now();
    let new = rotate(&operator).await.unwrap();
    while ring.current_kid() != new {
        assert!(
            rotated_at.elapsed() < Duration::from_secs(10),
            "still signing with {old} after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kids(&ring.jwks()), [new, old]);
    refresher.abort();
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_keys_loaded_before() {
    let store = memory_store().await;
    let ring = KeyRing::load(&store, RETENTION).await.unwrap();
    let kid = ring.current_kid();
    store.close().await;
    assert!(matches!(
        ring.refresh(&store).await,
        Err(KeyError::Store(_))
    ));
    assert_eq!(ring.current_kid(), kid);
    assert!(ring.sign(&json!({ "sub": "x" })).is_ok());
}

#[tokio::test]
async fn a_stored_key_that_cannot_be_used_is_reported() {
    let store = memory_store().await;
    let garbage = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    assert!(
        store
            .create_first_signing_key("broken", garbage, T0)
            .await
            .unwrap()
    );
    match KeyRing::load(&store, RETENTION).await {
        Err(KeyError::BadKey { kid, reason }) => {
            assert_eq!(kid, "broken");
            assert!(reason.contains("PKCS#8"), "{reason}");
        }
        other => panic!("expected a bad key, got {other:?}"),
    }

    // A real key stored under another kid.
    let (_, pem) = generate().await.unwrap();
    let store = memory_store().await;
    store
        .create_first_signing_key("not-its-kid", &pem, T0)
        .await
        .unwrap();
    let error = KeyRing::load(&store, RETENTION).await.unwrap_err();
    assert!(
        matches!(&error, KeyError::BadKey { kid, .. } if kid == "not-its-kid"),
        "{error:?}"
    );
    let text = format!("{error} {error:?}");
    assert!(!text.contains(pem.lines().nth(1).unwrap()), "{text}");
}

#[tokio::test]
async fn a_retired_key_that_cannot_be_used_is_left_out() {
    let store = memory_store().await;
    store
        .create_first_signing_key("broken", "not a key", T0)
        .await
        .unwrap();
    let good = rotate_at(&store, T0 + 1).await.unwrap();
    let ring = KeyRing::load_at(&store, RETENTION, T0 + 2).await.unwrap();
    assert_eq!(ring.current_kid(), good);
    assert_eq!(kids(&ring.jwks()), [good]);
}

#[tokio::test]
async fn debug_shows_no_private_key() {
    let store = memory_store().await;
    let ring = KeyRing::load(&store, RETENTION).await.unwrap();
    let text = format!("{ring:?}");
    assert!(text.contains(&ring.current_kid()), "{text}");
    assert!(!text.contains("BigUint"), "{text}");
    assert!(!text.contains("primes"), "{text}");
    assert!(text.len() < 200, "{text}");
}
