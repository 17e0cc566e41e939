//! Secrets kept at rest under a key the database does not hold: AES-256-GCM with a random
//! 96-bit nonce per seal, and HMAC-SHA256 fingerprints that tell two secrets apart without
//! revealing either.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The associated data
//! (`aad`) is not stored: it binds a sealed value to where it belongs (for example the user it
//! was sealed for), and opening it with any other `aad` fails as if the value had been altered.
//! Random nonces keep one key safe for far more seals than a gateway makes (the usual bound is
//! 2^32 seals per key).
//!
//! ```
//! use wxgate::internals::crypto::sealed::Sealer;
//!
//! let sealer = Sealer::new(&[7u8; 32]);
//! let sealed = sealer.seal(b"secret", b"shop/o-user");
//! assert_eq!(sealer.open(&sealed, b"shop/o-user").unwrap(), b"secret");
//! assert!(sealer.open(&sealed, b"shop/o-other").is_err());
//! assert_eq!(sealer.fingerprint(b"secret").len(), 64);
//! ```

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;

/// Length of the random nonce at the start of a sealed value.
pub const NONCE_LEN: usize = 12;
/// Length of the authentication tag at the end of a sealed value.
pub const TAG_LEN: usize = 16;

/// Seals and opens secrets with one 32-byte key, and fingerprints them with it.
///
/// Cheap to clone. Its `Debug` output never shows the key: it prints `Sealer(..)`.
#[derive(Clone)]
pub struct Sealer {
    aead: Aes256Gcm,
    mac: Hmac<Sha256>,
}

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Shorter than a nonce and a tag: not a sealed value at all.
    #[error("sealed value too short")]
    TooShort,
    /// The tag does not match: sealed with another key or another `aad`, or altered since.
    #[error("sealed value does not open with this key and associated data")]
    Rejected,
}

impl Sealer {
    /// A sealer with this key.
    #[must_use]
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            aead: Aes256Gcm::new(key.into()),
            // HMAC takes a key of any length: this cannot fail.
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length")),
        }
    }

    /// `plaintext` encrypted and authenticated together with `aad`, under a fresh random nonce:
    /// `nonce || ciphertext || tag`, `plaintext.len() + 28` bytes. Sealing the same plaintext
    /// twice gives two unrelated values.
    #[must_use]
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let encrypted = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            // AES-GCM fails only past 2^36 bytes of plaintext, which no caller seals.
            .unwrap_or_default();
        let mut sealed = Vec::with_capacity(NONCE_LEN + encrypted.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&encrypted);
        sealed
    }

    /// The plaintext of a value [`seal`](Sealer::seal)ed with this key and the same `aad`.
    ///
    /// # Errors
    ///
    /// [`SealError::TooShort`] for fewer than 28 bytes; [`SealError::Rejected`] when the value
    /// was sealed with another key or `aad`, or altered.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::TooShort);
        }
        let (nonce, encrypted) = sealed.split_at(NONCE_LEN);
        self.aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: encrypted,
                    aad,
                },
            )
            .map_err(|_| SealError::Rejected)
    }

    /// HMAC-SHA256(key, data) in lower-case hex (64 characters): a fingerprint that reveals
    /// nothing about `data` without the key, equal for equal data under one key.
    #[must_use]
    pub fn fingerprint(&self, data: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(data);
        let digest = mac.finalize().into_bytes();
        let mut hex = String::with_capacity(digest.len() * 2);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        hex
    }
}

/// Lower-case hex digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

#[cfg(test)]
#[path = "sealed_test.rs"]
mod tests;
