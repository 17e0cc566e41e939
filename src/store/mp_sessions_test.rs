//! Mini-program sessions in the store: lookups bound to the account and the expiry, the user's
//! current key fingerprint written with the session, deletes and purges.

use crate::store::backend::with_pool;
use crate::store::test_util::{on_every_backend, on_file_and_postgres};
use crate::store::{NewMpSession, Store, StoreError, StoredMpSession};

const ALICE: [u8; 32] = [1; 32];
const ALICE_AGAIN: [u8; 32] = [2; 32];
const BOB: [u8; 32] = [3; 32];

fn session<'a>(
    bearer: &'a [u8; 32],
    account: &'a str,
    openid: &'a str,
    fingerprint: &'a str,
    created_at: i64,
    expires_at: i64,
) -> NewMpSession<'a> {
    NewMpSession {
        bearer_sha256: bearer,
        account,
        openid,
        unionid: None,
        sealed_key: b"\x00sealed\xff",
        key_fingerprint: fingerprint,
        created_at,
        expires_at,
    }
}

/// `(account, openid, key_fingerprint, expires_at)` of every current-key row.
async fn current_keys(store: &Store) -> Vec<(String, String, String, i64)> {
    with_pool!(store, |pool| {
        sqlx::query_as(
            "SELECT account, openid, key_fingerprint, expires_at FROM mp_current_keys \
             ORDER BY account, openid",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    })
}

async fn count_sessions(store: &Store) -> i64 {
    with_pool!(store, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM mp_sessions")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn a_session_is_found_by_its_account_and_hash_until_it_expires(store: Store) {
    let mut new = session(&ALICE, "shop", "o-alice", "f1", 100, 200);
    new.unionid = Some("u-alice");
    store.create_mp_session(&new).await.unwrap();

    let found = store.mp_session("shop", &ALICE, 150).await.unwrap();
    assert_eq!(
        found,
        Some(StoredMpSession {
            account: "shop".to_owned(),
            openid: "o-alice".to_owned(),
            unionid: Some("u-alice".to_owned()),
            sealed_key: b"\x00sealed\xff".to_vec(),
            key_fingerprint: "f1".to_owned(),
            current_fingerprint: Some("f1".to_owned()),
            created_at: 100,
            expires_at: 200,
        })
    );
    assert_eq!(store.mp_session("other", &ALICE, 150).await.unwrap(), None);
    assert_eq!(store.mp_session("shop", &BOB, 150).await.unwrap(), None);
    assert!(
        store
            .mp_session("shop", &ALICE, 199)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.mp_session("shop", &ALICE, 200).await.unwrap(),
        None,
        "expired at its expiry"
    );
}
on_every_backend!(a_session_is_found_by_its_account_and_hash_until_it_expires);

async fn only_the_bearer_hash_is_stored(store: Store) {
    store
        .create_mp_session(&session(&[0xab; 32], "shop", "o", "f", 1, 10))
        .await
        .unwrap();
    let hash: String = with_pool!(store, |pool| {
        sqlx::query_scalar("SELECT bearer_hash FROM mp_sessions")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(hash, "ab".repeat(32));
}
on_every_backend!(only_the_bearer_hash_is_stored);

async fn a_later_login_changes_the_current_fingerprint(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o-alice", "f1", 100, 1000))
        .await
        .unwrap();
    store
        .create_mp_session(&session(&ALICE_AGAIN, "shop", "o-alice", "f2", 110, 1010))
        .await
        .unwrap();
    // The same openid on another account is another user.
    store
        .create_mp_session(&session(&BOB, "other", "o-alice", "f3", 120, 1020))
        .await
        .unwrap();

    let first = store
        .mp_session("shop", &ALICE, 150)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.key_fingerprint, "f1");
    assert_eq!(first.current_fingerprint.as_deref(), Some("f2"));
    let second = store
        .mp_session("shop", &ALICE_AGAIN, 150)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.key_fingerprint, "f2");
    assert_eq!(second.current_fingerprint.as_deref(), Some("f2"));
    let other = store.mp_session("other", &BOB, 150).await.unwrap().unwrap();
    assert_eq!(other.current_fingerprint.as_deref(), Some("f3"));
    assert_eq!(
        current_keys(&store).await,
        [
            ("other".into(), "o-alice".into(), "f3".into(), 1020),
            ("shop".into(), "o-alice".into(), "f2".into(), 1010),
        ]
    );
}
on_every_backend!(a_later_login_changes_the_current_fingerprint);

async fn the_current_key_lives_as_long_as_the_longest_session(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o", "f1", 100, 5000))
        .await
        .unwrap();
    // A later login with a shorter lifetime (the configuration changed) keeps the later expiry.
    store
        .create_mp_session(&session(&ALICE_AGAIN, "shop", "o", "f2", 200, 300))
        .await
        .unwrap();
    assert_eq!(
        current_keys(&store).await,
        [("shop".into(), "o".into(), "f2".into(), 5000)]
    );
    assert_eq!(store.purge_expired_mp_sessions(300).await.unwrap(), 1);
    let first = store
        .mp_session("shop", &ALICE, 300)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.current_fingerprint.as_deref(), Some("f2"));
}
on_every_backend!(the_current_key_lives_as_long_as_the_longest_session);

async fn a_duplicate_bearer_stores_nothing(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o-alice", "f1", 100, 1000))
        .await
        .unwrap();
    let err = store
        .create_mp_session(&session(&ALICE, "shop", "o-bob", "f9", 110, 1010))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        current_keys(&store).await,
        [("shop".into(), "o-alice".into(), "f1".into(), 1000)],
        "the current key of the failed login was rolled back"
    );
    assert_eq!(count_sessions(&store).await, 1);
}
on_every_backend!(a_duplicate_bearer_stores_nothing);

async fn deleting_ends_one_session_of_its_account(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o", "f", 100, 1000))
        .await
        .unwrap();
    store
        .create_mp_session(&session(&ALICE_AGAIN, "shop", "o", "f", 100, 1000))
        .await
        .unwrap();
    assert!(!store.delete_mp_session("other", &ALICE).await.unwrap());
    assert!(store.delete_mp_session("shop", &ALICE).await.unwrap());
    assert!(!store.delete_mp_session("shop", &ALICE).await.unwrap());
    assert_eq!(store.mp_session("shop", &ALICE, 150).await.unwrap(), None);
    assert!(
        store
            .mp_session("shop", &ALICE_AGAIN, 150)
            .await
            .unwrap()
            .is_some(),
        "the user's other session stays"
    );
}
on_every_backend!(deleting_ends_one_session_of_its_account);

async fn purging_deletes_expired_sessions_and_keys(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o-alice", "f", 100, 200))
        .await
        .unwrap();
    store
        .create_mp_session(&session(&BOB, "shop", "o-bob", "f", 100, 300))
        .await
        .unwrap();
    assert_eq!(store.purge_expired_mp_sessions(199).await.unwrap(), 0);
    assert_eq!(store.purge_expired_mp_sessions(200).await.unwrap(), 1);
    assert_eq!(count_sessions(&store).await, 1);
    assert_eq!(
        current_keys(&store).await,
        [("shop".into(), "o-bob".into(), "f".into(), 300)]
    );
    assert_eq!(store.purge_expired_mp_sessions(i64::MAX).await.unwrap(), 1);
    assert_eq!(count_sessions(&store).await, 0);
    assert!(current_keys(&store).await.is_empty());
}
on_every_backend!(purging_deletes_expired_sessions_and_keys);

async fn a_corrupt_sealed_key_is_an_error(store: Store) {
    store
        .create_mp_session(&session(&ALICE, "shop", "o", "f", 100, 200))
        .await
        .unwrap();
    with_pool!(store, |pool| {
        sqlx::query("UPDATE mp_sessions SET sealed_key = 'not base64!'")
            .execute(pool)
            .await
            .unwrap();
    });
    let err = store.mp_session("shop", &ALICE, 150).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}
on_every_backend!(a_corrupt_sealed_key_is_an_error);

/// Two gateway instances on one database: a session one creates, the other finds and ends.
async fn instances_share_sessions(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    one.create_mp_session(&session(&ALICE, "shop", "o", "f1", 100, 1000))
        .await
        .unwrap();
    let seen = two.mp_session("shop", &ALICE, 150).await.unwrap().unwrap();
    assert_eq!(seen.openid, "o");
    two.create_mp_session(&session(&ALICE_AGAIN, "shop", "o", "f2", 110, 1000))
        .await
        .unwrap();
    let first = one.mp_session("shop", &ALICE, 150).await.unwrap().unwrap();
    assert_eq!(first.current_fingerprint.as_deref(), Some("f2"));
    assert!(two.delete_mp_session("shop", &ALICE).await.unwrap());
    assert_eq!(one.mp_session("shop", &ALICE, 150).await.unwrap(), None);
}
on_file_and_postgres!(instances_share_sessions);

#[test]
fn debug_hides_the_bearer_hash_and_the_sealed_key() {
    let new = session(&[0xcd; 32], "shop", "o", "f", 1, 2);
    let text = format!("{new:?}");
    assert!(text.contains("shop"), "{text}");
    assert!(!text.contains("205"), "{text}");
    assert!(!text.contains("sealed"), "{text}");
    let stored = StoredMpSession {
        account: "shop".to_owned(),
        openid: "o".to_owned(),
        unionid: None,
        sealed_key: b"sealed-bytes".to_vec(),
        key_fingerprint: "f".to_owned(),
        current_fingerprint: None,
        created_at: 1,
        expires_at: 2,
    };
    let text = format!("{stored:?}");
    assert!(!text.contains("115, 101"), "{text}");
}
