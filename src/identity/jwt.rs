//! RS256 JSON Web Tokens (RFC 7515, RFC 7519): the compact encoding ([`base64url`],
//! [`header`], [`signing_input`]), signing with an RSA private key ([`sign`]), the public half
//! of a key as a JWK ([`jwk`]), and [`verify`], which checks a token against a key list or a
//! JWK set ([`keys_from_jwks`]) and returns its claims.
//!
//! RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518, 3.3). Only RS256 is produced or accepted:
//! a token naming any other algorithm (`none`, `HS256`, ...) is refused before anything else is
//! looked at.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::traits::PublicKeyParts as _;
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

/// The one algorithm: RSASSA-PKCS1-v1_5 with SHA-256.
pub const ALG: &str = "RS256";

/// The smallest RSA modulus [`keys_from_jwks`] accepts, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a token could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The token is not three base64url parts holding a JSON header and a JSON claims object.
    #[error("malformed JWT: {0}")]
    Malformed(&'static str),
    /// The header names another algorithm than RS256.
    #[error("JWT algorithm {0:?} is not accepted; only RS256 is")]
    Algorithm(String),
    /// No key has the header's `kid` (or the header has none and there is not exactly one key).
    #[error("no signing key matches the JWT's kid {0:?}")]
    UnknownKey(String),
    /// The signature is not the key's signature of the token.
    #[error("the JWT's signature does not verify")]
    BadSignature,
    /// A JWK cannot be used to verify RS256 tokens.
    #[error("unusable JWK: {0}")]
    BadJwk(String),
    /// Signing failed.
    #[error("cannot sign the JWT: {0}")]
    Signing(String),
}

/// An RSA public key and its id, to verify tokens with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key's id, matched against a token header's `kid`.
    pub kid: String,
    /// The key.
    pub key: RsaPublicKey,
}

/// `bytes` in base64url without padding, as JWTs and JWKs write binary values.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The bytes of base64url text without padding. Padding, other alphabets and non-canonical
/// trailing bits are refused.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JwtError::Malformed("a part is not base64url without padding"))
}

/// The JOSE header of a token signed with the key `kid`:
/// `{"alg":"RS256","kid":kid,"typ":"JWT"}`.
pub fn header(kid: &str) -> Value {
    json!({ "alg": ALG, "typ": "JWT", "kid": kid })
}

/// The JWS signing input: `base64url(header JSON) "." base64url(claims JSON)`.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    let mut input = base64url(header.to_string().as_bytes());
    input.push('.');
    input.push_str(&base64url(claims.to_string().as_bytes()));
    input
}

/// `claims` (a JSON object) as a compact RS256 JWT signed with `key`, whose id is `kid`.
pub fn sign(key: &RsaPrivateKey, kid: &str, claims: &Value) -> Result<String, JwtError> {
    if !claims.is_object() {
        return Err(JwtError::Signing(
            "the claims are not a JSON object".to_owned(),
        ));
    }
    let mut token = signing_input(&header(kid), claims);
    let digest = Sha256::digest(token.as_bytes());
    // With an RNG the private-key operation is blinded; the signature is the same either way.
    let signature = key
        .sign_with_rng(&mut rand_core::OsRng, rs256(), &digest)
        .map_err(|err| JwtError::Signing(err.to_string()))?;
    token.push('.');
    token.push_str(&base64url(&signature));
    Ok(token)
}

/// The public half of `key` as a JWK:
/// `{"kty":"RSA","use":"sig","alg":"RS256","kid":kid,"n":...,"e":...}`, with `n` and `e` the
/// big-endian bytes of the modulus and exponent in base64url without padding.
pub fn jwk(kid: &str, key: &RsaPublicKey) -> Value {
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": ALG,
        "kid": kid,
        "n": base64url(&key.n().to_bytes_be()),
        "e": base64url(&key.e().to_bytes_be()),
    })
}

/// The RS256 keys of a JWK set (`{"keys":[...]}`). Keys of another type, another algorithm or
/// another use than signing are skipped; an RSA signing key without a `kid`, with a bad
/// modulus or exponent, or shorter than [`MIN_RSA_BITS`] is an error.
pub fn keys_from_jwks(jwks: &Value) -> Result<Vec<PublicKey>, JwtError> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| JwtError::BadJwk("the JWK set has no `keys` array".to_owned()))?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let text = |name: &str| key.get(name).and_then(Value::as_str);
        if text("kty") != Some("RSA")
            || text("alg").is_some_and(|alg| alg != ALG)
            || text("use").is_some_and(|usage| usage != "sig")
        {
            continue;
        }
        let kid =
            text("kid").ok_or_else(|| JwtError::BadJwk("an RSA key has no kid".to_owned()))?;
        let number = |name: &str| {
            text(name)
                .and_then(|value| base64url_decode(value).ok())
                .map(|bytes| BigUint::from_bytes_be(&bytes))
                .ok_or_else(|| JwtError::BadJwk(format!("key {kid:?}: `{name}` is not base64url")))
        };
        let key = RsaPublicKey::new(number("n")?, number("e")?)
            .map_err(|err| JwtError::BadJwk(format!("key {kid:?}: {err}")))?;
        if key.n().bits() < MIN_RSA_BITS {
            return Err(JwtError::BadJwk(format!(
                "key {kid:?} is shorter than {MIN_RSA_BITS} bits"
            )));
        }
        out.push(PublicKey {
            kid: kid.to_owned(),
            key,
        });
    }
    Ok(out)
}

/// Checks `token`: three base64url parts, a header with `alg` RS256, a key of `keys` with the
/// header's `kid` (a header without `kid` is accepted only when there is exactly one key), a
/// valid signature by that key, and a claims object, which is returned.
///
/// The claims themselves (`iss`, `aud`, `exp`, `nonce`, ...) are the caller's to check.
pub fn verify(token: &str, keys: &[PublicKey]) -> Result<Map<String, Value>, JwtError> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(claims_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("not three dot-separated parts"));
    };
    let header: Value = serde_json::from_slice(&base64url_decode(header_part)?)
        .map_err(|_| JwtError::Malformed("the header is not JSON"))?;
    let Value::Object(header) = header else {
        return Err(JwtError::Malformed("the header is not a JSON object"));
    };
    match header.get("alg") {
        Some(Value::String(alg)) if alg == ALG => {}
        Some(Value::String(alg)) => return Err(JwtError::Algorithm(alg.clone())),
        _ => return Err(JwtError::Malformed("the header has no alg")),
    }
    let key = match header.get("kid") {
        Some(Value::String(kid)) => keys
            .iter()
            .find(|key| key.kid == *kid)
            .ok_or_else(|| JwtError::UnknownKey(kid.clone()))?,
        Some(_) => return Err(JwtError::Malformed("the header's kid is not a string")),
        None => match keys {
            [only] => only,
            _ => return Err(JwtError::UnknownKey(String::new())),
        },
    };
    let signature = base64url_decode(signature_part)?;
    let signed = &token[..header_part.len() + 1 + claims_part.len()];
    let digest = Sha256::digest(signed.as_bytes());
    key.key
        .verify(rs256(), &digest, &signature)
        .map_err(|_| JwtError::BadSignature)?;
    let claims: Value = serde_json::from_slice(&base64url_decode(claims_part)?)
        .map_err(|_| JwtError::Malformed("the claims are not JSON"))?;
    match claims {
        Value::Object(claims) => Ok(claims),
        _ => Err(JwtError::Malformed("the claims are not a JSON object")),
    }
}

/// [`verify`] against the RS256 keys of the JWK set `jwks` ([`keys_from_jwks`]).
pub fn verify_with_jwks(token: &str, jwks: &Value) -> Result<Map<String, Value>, JwtError> {
    verify(token, &keys_from_jwks(jwks)?)
}

/// PKCS#1 v1.5 signature padding for a SHA-256 digest.
fn rs256() -> Pkcs1v15Sign {
    Pkcs1v15Sign::new::<Sha256>()
}

#[cfg(test)]
#[path = "jwt_test.rs"]
mod tests;
