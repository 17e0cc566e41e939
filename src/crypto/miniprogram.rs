//! Mini programs' open data and the JS-SDK's page signatures.
//!
//! - **User data** (`encryptedData` of `wx.getUserInfo`, a share ticket, ...): AES-128-CBC with
//!   the user's `session_key` (16 bytes, base64) and the `iv` (16 bytes, base64) the mini program
//!   gets beside it, PKCS#7-padded to 16 bytes; the plaintext is a JSON object carrying a
//!   `watermark` (`appid`, `timestamp`) for the caller to check ([`decrypt_user_data`]).
//! - **rawData**: `signature = sha1(rawData + session_key)`, hex ([`raw_data_signature_matches`]).
//! - **JS-SDK**: `signature = sha1("jsapi_ticket=...&noncestr=...&timestamp=...&url=...")`, hex,
//!   with the page URL as the page sees it minus its `#fragment` ([`jssdk_signature`]).
//!
//! No function here logs, and no error carries a key, a ciphertext or a plaintext.

use aes::Aes128;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, KeyIvInit};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// AES block size, and the size of a session_key and an iv, in bytes.
const BLOCK: usize = 16;
/// Length of a SHA-1 digest in hex digits.
const SHA1_HEX_LEN: usize = 40;

/// Standard base64, `=` padding written or left out (WeChat writes it; a hand-copied value may
/// lose it), trailing bits refused.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why user data could not be decrypted. Messages never include key material or data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserDataError {
    /// A field is not standard base64; the field is named (`session_key`, `encrypted_data`,
    /// `iv`).
    #[error("{0} is not valid base64")]
    BadBase64(&'static str),
    /// The session_key does not decode to 16 bytes.
    #[error("session_key must decode to 16 bytes")]
    BadKeyLength,
    /// The iv does not decode to 16 bytes.
    #[error("iv must decode to 16 bytes")]
    BadIvLength,
    /// The ciphertext is not a whole number of blocks, or does not decrypt to valid PKCS#7
    /// padding: another session_key (or iv) encrypted it, or it was damaged.
    #[error(
        "the data does not decrypt to valid padding; it was encrypted with another session_key \
         or iv, or damaged"
    )]
    Padding,
    /// The plaintext is not a JSON object (not UTF-8, not JSON, or another JSON value).
    #[error("the decrypted data is not a JSON object")]
    NotJson,
}

/// Decrypts a mini program's `encryptedData`: AES-128-CBC, key = the decoded `session_key` (16
/// bytes), iv = the decoded `iv` (16 bytes), PKCS#7 padding checked; the plaintext must be a
/// JSON object.
///
/// The `watermark` is not checked here: compare its `appid` with the account's and its
/// `timestamp` with the clock.
///
/// # Errors
///
/// See [`UserDataError`]. CBC has no integrity protection: a damaged ciphertext usually fails the
/// padding check or the JSON parse, but may in rare cases decrypt to a valid object.
pub fn decrypt_user_data(
    session_key_b64: &str,
    encrypted_b64: &str,
    iv_b64: &str,
) -> Result<serde_json::Value, UserDataError> {
    let key: [u8; BLOCK] = decode("session_key", session_key_b64)?
        .try_into()
        .map_err(|_| UserDataError::BadKeyLength)?;
    let iv: [u8; BLOCK] = decode("iv", iv_b64)?
        .try_into()
        .map_err(|_| UserDataError::BadIvLength)?;
    let mut buf = decode("encrypted_data", encrypted_b64)?;
    if buf.is_empty() || buf.len() % BLOCK != 0 {
        return Err(UserDataError::Padding);
    }
    let plain = cbc::Decryptor::<Aes128>::new(&key.into(), &iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| UserDataError::Padding)?;
    let body = &plain[..plain.len() - pkcs7_pad_len(plain)?];
    match serde_json::from_slice(body) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        _ => Err(UserDataError::NotJson),
    }
}

/// True when `signature` is `sha1(raw_data + session_key)` in hex (upper or lower case), the
/// `session_key` as WeChat gave it (base64, not decoded). Compared in constant time; anything
/// that is not 40 hex digits is a mismatch.
#[must_use]
pub fn raw_data_signature_matches(raw_data: &str, session_key_b64: &str, signature: &str) -> bool {
    let Ok(given) = <[u8; SHA1_HEX_LEN]>::try_from(signature.as_bytes()) else {
        return false;
    };
    let given = given.map(|byte| byte.to_ascii_lowercase());
    let expected = sha1_hex(&[raw_data.as_bytes(), session_key_b64.as_bytes()]);
    expected.ct_eq(&given).into()
}

/// The JS-SDK signature of a page: the SHA-1 of
/// `jsapi_ticket={ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}` in lower-case
/// hex, with the `url`'s `#fragment` (from its first `#`) removed and nothing else changed: no
/// decoding, no re-encoding, no case change.
#[must_use]
pub fn jssdk_signature(ticket: &str, nonce_str: &str, timestamp: u64, url: &str) -> String {
    let page = url.split_once('#').map_or(url, |(page, _)| page);
    let timestamp = timestamp.to_string();
    let hex = sha1_hex(&[
        b"jsapi_ticket=",
        ticket.as_bytes(),
        b"&noncestr=",
        nonce_str.as_bytes(),
        b"&timestamp=",
        timestamp.as_bytes(),
        b"&url=",
        page.as_bytes(),
    ]);
    hex.iter().map(|&byte| char::from(byte)).collect()
}

/// Decodes `field`'s base64 `text`.
fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, UserDataError> {
    BASE64
        .decode(text)
        .map_err(|_| UserDataError::BadBase64(field))
}

/// Length of the strict PKCS#7 padding (block size 16) at the end of `plain`.
fn pkcs7_pad_len(plain: &[u8]) -> Result<usize, UserDataError> {
    let n = usize::from(plain.last().copied().unwrap_or(0));
    if n == 0 || n > BLOCK || n > plain.len() {
        return Err(UserDataError::Padding);
    }
    if plain[plain.len() - n..]
        .iter()
        .any(|&byte| usize::from(byte) != n)
    {
        return Err(UserDataError::Padding);
    }
    Ok(n)
}

/// SHA-1 of the concatenated `parts`, as 40 lower-case hex digits.
fn sha1_hex(parts: &[&[u8]]) -> [u8; SHA1_HEX_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    let digest: [u8; SHA1_HEX_LEN / 2] = hasher.finalize().into();
    let mut hex = [0u8; SHA1_HEX_LEN];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    hex
}

#[cfg(test)]
#[path = "miniprogram_test.rs"]
mod tests;
