//! RS256 JWTs: a vector made with OpenSSL verifies and is reproduced byte for byte, and every
//! kind of tampering or key mismatch is refused.

use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

use super::*;

/// A 2048-bit RSA key made for this test with `openssl genpkey -algorithm RSA`.
const TEST_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCxpIeZATh/2NwA
8+OeYjL2SMP3rVRyjQ8AjdQQm1OV2MAb7Ujy85buXQUYVcH8Qk0//yY+Tv5d8MlV
70wy6fEip0bNPrCfvkfShX7ENq82YtTY4LAqdYjez3N13p04hS/B5ISna4Y3H3Fe
rbE00ujE5bnXK41Nzx0a9u4q4Chm2TUpTkl1Cz71gnir5qK0DYzCgRDAeTaC9GpT
V+ydPHqjjshSYTrLXVVqY8ixgC5k5QCFRmK3jUxvOwmm5WhDkxWHaECjMVFssmmp
NKGLrJczZVQk2paSyNYpNGXdUK1eYBY90fR97Dx29C04fsHdJZQS1nGhUOZYDvuR
4eQzfcLtAgMBAAECggEACLY26CwFJ0/tSiarzQKn2SgsZCMd9xgv2ikac04KxViB
41y5rSCBEGODcnQSNVrTCwZqS7f4BYdfeFVp+T071CU79ajTZKIiR5LAasL7yMEE
CzbJrOtisPqfgPJP54uwkeOxFbzSMjXai3gdLqgBPla9zG2YWm6D0OS3PWcM1C5R
4BjGit6I9weOMxS4ViiPyJDLflnXjW94YDkduC5twQomwsXUHFMYY76IIB7J4kdq
mrkcv7yyugy7JuvYWP8/9Lzi5Kqs+RPQzJ2i8G0R70se0oiwDAK4Oge0okmLg6Dd
8/c6OupUIz0wRWa/xrxBUjEEI3KxXWM5guqM6HfhQQKBgQDXy7fpvjfb54nFyiRK
+i5YWrP4XSspuCRm1rFAneP+wLhSKjymHtRHL1SZSHjasuNO1M9NNU8GUvpUe9Qr
cx5JN0aFslTZpi514QRPvVSUTCcaqWqiBRk9J4yjNPlncWH6pYpUabiHxF6WtEUL
pIk69q4GRDLbFKGppSA3mOryVQKBgQDSvR4MlhUxOjddw2sXTDMpe6r/7FvB+jQS
Ks9MeLkG1zdVbRL8r8jhFMDRh2H4VGRkQcWpl8sPkbPJvvr+TOdrnfa/b9wtj1Vy
Ey+O+TIRh7yK6d+UmO91lNtSWXi+Gyj+YEU4XHsmJ+KSAk/roPOkQ/TwL32Po0fP
7B1JmHCWOQKBgDEjLzanXLrTJzkFhWwZObJevPpB5NE0H/3WxzfKfB8HLTFwcqz0
+itXaLEaooJSF5ZcuPOAvwTWoi/YnoBiTzQmxQUujUmeIJgw67VojDjUelcE2sYX
2R5mwgxrxJq8Y64aQbxk8mLf4RX56Hr1NVZa01eT8eyW7xTdB9ABHwadAoGBANED
487l+KT3sbxcu1XDLSdi0iq9WhDdwVGXhj25qwJ+6RHgeimHi/y6Ybgvx9rOkTfj
CFJ6DFwnziM2OamJyyow5W/gWYgSltPq9Yuf26oJb9Zzul6fBTog5xsZRKmBNLp/
74fEKhyhCJZ6lpwE6kItaL3kzGtvriUqca3x9RD5AoGAaRs+hgNbNyzYYdXO5bcE
Cb8HS36nJmZPRI4Q6jwCwAkAjYLwK++3uYZaZCCPdF0eypdKcfnj9P7TjFsCYYqD
Mo5Fu/wWariS0lGwmIwgsynwQgvWa2r/Z0qDeqD9EsWx57P1hw2cvBBw1OOXe/qv
N4QPtgpflM7f4B18fqenFGQ=
-----END PRIVATE KEY-----
";

/// The header of the vector, as `header("test-key-1")` writes it.
const VECTOR_HEADER: &str = r#"{"alg":"RS256","kid":"test-key-1","typ":"JWT"}"#;

/// The claims of the vector, as serde_json writes them (keys sorted).
const VECTOR_CLAIMS: &str = r#"{"aud":"shop","exp":2000000000,"iat":1700000000,"iss":"https://wx.example.com/oidc/demo","sub":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M"}"#;

/// `base64url(VECTOR_HEADER) "." base64url(VECTOR_CLAIMS)`, signed with `openssl dgst -sha256
/// -sign` and [`TEST_KEY`], signature in base64url: a token made without this code.
const VECTOR_INPUT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2V5LTEiLCJ0eXAiOiJKV1QifQ.eyJhdWQiOiJzaG9wIiwiZXhwIjoyMDAwMDAwMDAwLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vd3guZXhhbXBsZS5jb20vb2lkYy9kZW1vIiwic3ViIjoibzZfYm1qclBUbG02XzJzZ1Z0N2hNWk9QZkwyTSJ9";

const VECTOR_SIGNATURE: [&str; 5] = [
    "mtbtEdQvE1gRv0h-VA4mk8PeSO0nez7iTUou2A9zOF_1mSJVTJOehhe14DSyC7a-y5bgcEkWHgydQaRx",
    "uPfqD0RtrCz488zSsg-1WKoHnFEKG3LBy2WNpo_M2xooBLRlPbT3om82EJ9XSVVvJQpNSiMC0aaKW13Z",
    "lxNpGMsms7AoZ64Dt7Q9jIOn0uokQqvFpEFGRetnGZSLGsZIyn6znVUAaTeN34eJbqbGct1bf6sobWLh",
    "xBoe_aB1EWq3TBMsoORIjNTzvjm9TWbFRDBX8htm16xG1uMKRa-KUDZQ3oXvoU4KCL6J7kTcGIRiIM83",
    "oqFSsKMhBP0bYmSw2wH90g",
];

/// The whole vector token.
fn vector() -> String {
    format!("{VECTOR_INPUT}.{}", VECTOR_SIGNATURE.concat())
}

fn test_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(TEST_KEY).unwrap()
}

fn test_public() -> Vec<PublicKey> {
    vec![PublicKey {
        kid: "test-key-1".to_owned(),
        key: test_key().to_public_key(),
    }]
}

fn vector_claims() -> Value {
    serde_json::from_str(VECTOR_CLAIMS).unwrap()
}

/// `token` with its part `index` (0 header, 1 claims, 2 signature) replaced by `part`.
fn with_part(token: &str, index: usize, part: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = part;
    parts.join(".")
}

#[test]
fn the_encoding_pieces_match_the_vector() {
    assert_eq!(header("test-key-1").to_string(), VECTOR_HEADER);
    assert_eq!(
        signing_input(&header("test-key-1"), &vector_claims()),
        VECTOR_INPUT
    );
    assert_eq!(base64url(b"\xfb\xff"), "-_8");
    assert_eq!(base64url_decode("-_8").unwrap(), b"\xfb\xff");
    assert!(base64url_decode("-_8=").is_err(), "padding");
    assert!(base64url_decode("+/8").is_err(), "standard alphabet");
    assert!(
        base64url_decode("-_9").is_err(),
        "non-canonical trailing bits"
    );
}

#[test]
fn a_token_made_by_openssl_verifies() {
    let claims = verify(&vector(), &test_public()).unwrap();
    assert_eq!(Value::Object(claims), vector_claims());
}

#[test]
fn signing_reproduces_the_vector() {
    // PKCS#1 v1.5 signatures are deterministic: the same key and input give the same token.
    let token = sign(&test_key(), "test-key-1", &vector_claims()).unwrap();
    assert_eq!(token, vector());
}

#[test]
fn the_padding_is_pkcs1_v15_with_sha256() {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier as _;

    let token = sign(&test_key(), "k", &json!({ "sub": "x" })).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = Signature::try_from(base64url_decode(signature).unwrap().as_slice()).unwrap();
    VerifyingKey::<sha2::Sha256>::new(test_key().to_public_key())
        .verify(input.as_bytes(), &signature)
        .unwrap();
}

#[test]
fn a_tampered_token_is_refused() {
    let token = vector();
    let mut claims = vector_claims();
    claims["sub"] = json!("someone-else");
    let forged = with_part(&token, 1, &base64url(claims.to_string().as_bytes()));
    assert_eq!(verify(&forged, &test_public()), Err(JwtError::BadSignature));

    let signature = token.rsplit('.').next().unwrap();
    let mut bytes = base64url_decode(signature).unwrap();
    bytes[100] ^= 1;
    let flipped = with_part(&token, 2, &base64url(&bytes));
    assert_eq!(
        verify(&flipped, &test_public()),
        Err(JwtError::BadSignature)
    );

    let stripped = with_part(&token, 2, "");
    assert_eq!(
        verify(&stripped, &test_public()),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn a_wrong_kid_or_a_wrong_key_is_refused() {
    let other = RsaPublicKey::new(
        BigUint::from_bytes_be(&[0xc5; 256]),
        BigUint::from(65537u32),
    )
    .unwrap();
    let wrong_kid = vec![PublicKey {
        kid: "another".to_owned(),
        key: test_key().to_public_key(),
    }];
    assert_eq!(
        verify(&vector(), &wrong_kid),
        Err(JwtError::UnknownKey("test-key-1".to_owned()))
    );
    let wrong_key = vec![PublicKey {
        kid: "test-key-1".to_owned(),
        key: other.clone(),
    }];
    assert_eq!(verify(&vector(), &wrong_key), Err(JwtError::BadSignature));
    assert_eq!(
        verify(&vector(), &[]),
        Err(JwtError::UnknownKey("test-key-1".to_owned()))
    );

    // The right key among others is found by its kid.
    let mut several = wrong_kid;
    several.extend(test_public());
    assert!(verify(&vector(), &several).is_ok());
}

#[test]
fn a_header_without_kid_needs_a_single_key() {
    let key = test_key();
    let input = signing_input(&json!({ "alg": "RS256" }), &json!({ "sub": "x" }));
    let digest = Sha256::digest(input.as_bytes());
    let signature = key.sign(rs256(), &digest).unwrap();
    let token = format!("{input}.{}", base64url(&signature));
    assert_eq!(verify(&token, &test_public()).unwrap()["sub"], "x");

    let mut two = test_public();
    two.push(PublicKey {
        kid: "second".to_owned(),
        key: key.to_public_key(),
    });
    assert_eq!(
        verify(&token, &two),
        Err(JwtError::UnknownKey(String::new()))
    );
}

#[test]
fn other_algorithms_are_refused() {
    for alg in ["none", "HS256", "RS512", "PS256"] {
        let header = json!({ "alg": alg, "kid": "test-key-1", "typ": "JWT" });
        let token = with_part(&vector(), 0, &base64url(header.to_string().as_bytes()));
        assert_eq!(
            verify(&token, &test_public()),
            Err(JwtError::Algorithm(alg.to_owned())),
            "{alg}"
        );
    }
    let claims = VECTOR_INPUT.split('.').nth(1).unwrap();
    let unsigned = format!("{}.{claims}.", base64url(br#"{"alg":"none"}"#));
    assert_eq!(
        verify(&unsigned, &test_public()),
        Err(JwtError::Algorithm("none".to_owned()))
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let good = vector();
    let header = good.split('.').next().unwrap();
    for token in [
        String::new(),
        "a.b".to_owned(),
        format!("{good}.extra"),
        with_part(&good, 0, "not base64!"),
        with_part(&good, 0, &base64url(b"not json")),
        with_part(&good, 0, &base64url(b"[1,2]")),
        with_part(&good, 0, &base64url(br#"{"kid":"test-key-1"}"#)),
        with_part(&good, 0, &base64url(br#"{"alg":"RS256","kid":7}"#)),
        format!("{header}..{}", VECTOR_SIGNATURE.concat()),
    ] {
        assert!(
            matches!(
                verify(&token, &test_public()),
                Err(JwtError::Malformed(_) | JwtError::BadSignature)
            ),
            "{token}"
        );
    }
    // A correctly signed token whose claims are not an object.
    let key = test_key();
    let input = signing_input(&header_value(), &json!(["not", "an", "object"]));
    let signature = key
        .sign(rs256(), &Sha256::digest(input.as_bytes()))
        .unwrap();
    let token = format!("{input}.{}", base64url(&signature));
    assert_eq!(
        verify(&token, &test_public()),
        Err(JwtError::Malformed("the claims are not a JSON object"))
    );
}

fn header_value() -> Value {
    header("test-key-1")
}

#[test]
fn only_objects_are_signed() {
    assert!(matches!(
        sign(&test_key(), "k", &json!("a string")),
        Err(JwtError::Signing(_))
    ));
}

#[test]
fn a_jwk_round_trips() {
    let public = test_key().to_public_key();
    let jwk = jwk("test-key-1", &public);
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["kid"], "test-key-1");
    assert_eq!(jwk["e"], "AQAB");
    let n = jwk["n"].as_str().unwrap();
    assert!(!n.contains('='), "{n}");
    assert_eq!(base64url_decode(n).unwrap().len(), 256);

    let jwks = json!({ "keys": [jwk] });
    assert_eq!(
        keys_from_jwks(&jwks).unwrap(),
        [PublicKey {
            kid: "test-key-1".to_owned(),
            key: public
        }]
    );
    assert_eq!(
        Value::Object(verify_with_jwks(&vector(), &jwks).unwrap()),
        vector_claims()
    );
}

#[test]
fn jwk_sets_keep_only_rs256_signing_keys() {
    let good = jwk("test-key-1", &test_key().to_public_key());
    let mut encryption = good.clone();
    encryption["use"] = json!("enc");
    let mut rs512 = good.clone();
    rs512["alg"] = json!("RS512");
    let jwks = json!({ "keys": [
        { "kty": "EC", "kid": "ec", "crv": "P-256", "x": "", "y": "" },
        encryption,
        rs512,
        good,
    ]});
    assert_eq!(keys_from_jwks(&jwks).unwrap().len(), 1);

    let short = json!({ "keys": [{
        "kty": "RSA", "kid": "short",
        "n": base64url(&[0xc5; 128]), "e": "AQAB",
    }]});
    assert!(matches!(keys_from_jwks(&short), Err(JwtError::BadJwk(_))));
    let no_kid = json!({ "keys": [{ "kty": "RSA", "n": "AQAB", "e": "AQAB" }] });
    assert!(matches!(keys_from_jwks(&no_kid), Err(JwtError::BadJwk(_))));
    let bad_n = json!({ "keys": [{ "kty": "RSA", "kid": "k", "n": "!!", "e": "AQAB" }] });
    assert!(matches!(keys_from_jwks(&bad_n), Err(JwtError::BadJwk(_))));
    assert!(matches!(
        keys_from_jwks(&json!({})),
        Err(JwtError::BadJwk(_))
    ));
}
