//! WeChat's message encryption scheme (WXBizMsgCrypt).
//!
//! - **Key**: `AESKey = base64_decode(EncodingAESKey + "=")`, 32 bytes; `IV = AESKey[..16]`
//!   ([`AesKey`]).
//! - **Frame**: `16 random bytes | u32 big-endian msg length | msg | appid`, PKCS#7-padded to a
//!   multiple of **32** bytes (pad values 1..=32), then AES-256-CBC without further padding;
//!   `Encrypt = base64(ciphertext)` ([`MsgCipher`]).
//! - **Signatures**: SHA-1 hex of the sorted, concatenated parts: `[token, timestamp, nonce]`
//!   for the handshake and plain `signature`, `[token, timestamp, nonce, Encrypt]` for
//!   `msg_signature` ([`sign`], [`verify`]).
//!
//! Mini programs' open data (AES-128-CBC with the user's `session_key`), `rawData` signatures
//! and the JS-SDK's page signatures are in [`miniprogram`].
//!
//! ```
//! use wxgate::internals::crypto::{AesKey, MsgCipher, nonce, sign, verify};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
//! let cipher = MsgCipher::new(&key, "wxb11529c136998cb6");
//!
//! let encrypt = cipher.encrypt(b"<xml>...</xml>");
//! let (token, timestamp, nonce) = ("pamtest", "1458300676", nonce());
//! let msg_signature = sign(&[token, timestamp, &nonce, &encrypt]);
//!
//! assert!(verify(&msg_signature, &[token, timestamp, &nonce, &encrypt]));
//! assert_eq!(cipher.decrypt(&encrypt)?, b"<xml>...</xml>");
//! # Ok(())
//! # }
//! ```

mod cipher;
mod key;
pub mod miniprogram;
pub mod sealed;
mod signature;

#[cfg(test)]
mod test_vectors;

pub use cipher::{DecryptError, MsgCipher};
pub use key::{AesKey, ENCODING_AES_KEY_LEN, KeyError};
pub use miniprogram::{
    UserDataError, decrypt_user_data, jssdk_signature, raw_data_signature_matches,
};
pub use signature::{Signature, sign, signature, verify};

use rand::Rng as _;

/// A random 10-digit decimal nonce, like the ones WeChat sends.
#[must_use]
pub fn nonce() -> String {
    nonce_number().to_string()
}

/// The number behind [`nonce`]: 10 decimal digits, never starting with 0.
#[must_use]
pub fn nonce_number() -> u64 {
    rand::rng().random_range(1_000_000_000u64..10_000_000_000)
}
