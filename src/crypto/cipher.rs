//! AES-256-CBC encryption and decryption of message bodies (the `Encrypt` field).

use std::fmt;

use aes::Aes256;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;

use super::key::AesKey;

/// AES block size in bytes.
const AES_BLOCK: usize = 16;
/// WeChat pads with PKCS#7 to a multiple of 32 bytes, not to the 16-byte AES block.
const PAD_BLOCK: usize = 32;
/// Length of the random prefix of the plaintext frame.
const RANDOM_LEN: usize = 16;
/// Length of the random prefix plus the big-endian `u32` message length.
const HEADER_LEN: usize = RANDOM_LEN + 4;
/// At most this many bytes of a mismatched appid are kept in [`DecryptError::AppId`].
const MAX_FOUND_APPID: usize = 64;

/// Encrypts and decrypts message bodies for one account.
///
/// Build it once per account: the AES-256 key schedule is expanded here and reused by every
/// operation. The IV is the first 16 bytes of the key. `Debug` shows the appid only.
#[derive(Clone)]
pub struct MsgCipher {
    aes: Aes256,
    iv: [u8; AES_BLOCK],
    appid: Box<str>,
}

impl MsgCipher {
    /// Prepares a cipher for the account with this key and appid.
    ///
    /// The appid is appended to every encrypted message and must match exactly on decryption.
    #[must_use]
    pub fn new(key: &AesKey, appid: &str) -> MsgCipher {
        let key = key.bytes();
        let mut iv = [0u8; AES_BLOCK];
        iv.copy_from_slice(&key[..AES_BLOCK]);
        MsgCipher {
            aes: Aes256::new(key.into()),
            iv,
            appid: appid.into(),
        }
    }

    /// The appid this cipher encrypts for and expects on decryption.
    #[must_use]
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Decrypts an `Encrypt` field and returns the message bytes.
    ///
    /// The input is canonical padded base64 of an AES-256-CBC ciphertext. The plaintext is
    /// `16 random bytes | u32 big-endian length | message | appid`, PKCS#7-padded to 32 bytes.
    ///
    /// CBC has no integrity protection: check `msg_signature` first (see
    /// [`verify`](super::verify)). A tampered ciphertext that still passes the padding, length
    /// and appid checks decrypts to garbled bytes.
    ///
    /// # Errors
    ///
    /// See [`DecryptError`]; a different appid gives [`DecryptError::AppId`].
    pub fn decrypt(&self, encrypt_b64: &str) -> Result<Vec<u8>, DecryptError> {
        let mut buf = decode_base64(encrypt_b64)?;
        let len = buf.len();
        if len == 0 || len % AES_BLOCK != 0 {
            return Err(DecryptError::BlockLength { len });
        }
        // Borrowed: a clone of the expanded key schedule per message would be a copy of
        // hundreds of bytes.
        let decryptor = cbc::Decryptor::<&Aes256>::inner_iv_init(&self.aes, &self.iv.into());
        let plain = decryptor
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| DecryptError::BlockLength { len })?;

        let body_len = plain.len() - pkcs7_pad_len(plain)?;
        let body = &plain[..body_len];
        let Some(len_field) = body.get(RANDOM_LEN..HEADER_LEN) else {
            return Err(DecryptError::Frame {
                reason: "shorter than the 20-byte header (random bytes and length)",
            });
        };
        let msg_len = u32::from_be_bytes([len_field[0], len_field[1], len_field[2], len_field[3]]);
        let msg_end = usize::try_from(msg_len)
            .ok()
            .and_then(|n| n.checked_add(HEADER_LEN))
            .filter(|&end| end <= body_len)
            .ok_or(DecryptError::Frame {
                reason: "the length field points past the end of the data",
            })?;
        let appid = &body[msg_end..];
        if appid != self.appid.as_bytes() {
            let shown = &appid[..appid.len().min(MAX_FOUND_APPID)];
            return Err(DecryptError::AppId {
                found: String::from_utf8_lossy(shown).into_owned(),
            });
        }

        buf.truncate(msg_end);
        buf.drain(..HEADER_LEN);
        Ok(buf)
    }

    /// Decrypts like [`decrypt`](Self::decrypt) and requires the message to be UTF-8.
    ///
    /// # Errors
    ///
    /// Everything [`decrypt`](Self::decrypt) returns, plus [`DecryptError::Utf8`].
    pub fn decrypt_str(&self, encrypt_b64: &str) -> Result<String, DecryptError> {
        let bytes = self.decrypt(encrypt_b64)?;
        String::from_utf8(bytes).map_err(|e| DecryptError::Utf8(e.utf8_error()))
    }

    /// Encrypts `msg` with a fresh 16-byte random prefix and returns the `Encrypt` field.
    ///
    /// # Panics
    ///
    /// If `msg` is longer than `u32::MAX` bytes, which the frame's length field cannot express.
    #[must_use]
    pub fn encrypt(&self, msg: &[u8]) -> String {
        let mut random = [0u8; RANDOM_LEN];
        rand::rng().fill(&mut random);
        self.encrypt_with_random(&random, msg)
    }

    /// Encrypts `msg` with the given 16-byte random prefix (deterministic; for tests and
    /// vectors) and returns the `Encrypt` field as padded base64.
    ///
    /// # Panics
    ///
    /// If `msg` is longer than `u32::MAX` bytes, which the frame's length field cannot express.
    #[must_use]
    pub fn encrypt_with_random(&self, random: &[u8; RANDOM_LEN], msg: &[u8]) -> String {
        let Ok(msg_len) = u32::try_from(msg.len()) else {
            panic!(
                "message of {} bytes exceeds the 4 GiB limit of the WeChat frame",
                msg.len()
            );
        };
        let unpadded = HEADER_LEN + msg.len() + self.appid.len();
        let pad = PAD_BLOCK - unpadded % PAD_BLOCK;
        let mut buf = Vec::with_capacity(unpadded + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&msg_len.to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.appid.as_bytes());
        // `pad` is in 1..=32, so the cast is lossless.
        buf.resize(unpadded + pad, pad as u8);

        let mut encryptor = cbc::Encryptor::<&Aes256>::inner_iv_init(&self.aes, &self.iv.into());
        // The buffer is a multiple of 32 bytes, so there is no tail.
        let (blocks, _tail) = InOutBuf::from(buf.as_mut_slice()).into_chunks();
        encryptor.encrypt_blocks_inout_mut(blocks);
        base64_simd::STANDARD.encode_to_string(&buf)
    }
}

impl fmt::Debug for MsgCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCipher")
            .field("appid", &self.appid)
            .finish_non_exhaustive()
    }
}

/// Decodes canonical padded standard base64 with SIMD code; what that refuses is decoded
/// again by the `base64` crate, for its precise error (which byte, where).
pub(super) fn decode_base64(text: &str) -> Result<Vec<u8>, DecryptError> {
    base64_simd::STANDARD
        .decode_to_vec(text)
        .or_else(|_| STANDARD.decode(text).map_err(DecryptError::Base64))
}

/// Length of the strict PKCS#7 padding (block size 32) at the end of `plain`.
fn pkcs7_pad_len(plain: &[u8]) -> Result<usize, DecryptError> {
    let n = usize::from(plain.last().copied().unwrap_or(0));
    if n == 0 || n > PAD_BLOCK || n > plain.len() {
        return Err(DecryptError::Padding);
    }
    if plain[plain.len() - n..]
        .iter()
        .any(|&b| usize::from(b) != n)
    {
        return Err(DecryptError::Padding);
    }
    Ok(n)
}

/// Why an `Encrypt` field could not be decrypted. Messages never include key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The field is not valid standard, padded base64.
    #[error("Encrypt is not valid base64: {0}")]
    Base64(#[source] base64::DecodeError),
    /// The decoded ciphertext is empty or not a multiple of 16 bytes.
    #[error("ciphertext must be a non-empty multiple of 16 bytes, got {len} bytes")]
    BlockLength {
        /// Length of the decoded ciphertext.
        len: usize,
    },
    /// The decrypted data does not end in valid PKCS#7 padding (block size 32).
    #[error(
        "invalid padding after decryption; the EncodingAESKey is probably wrong \
         or the message was corrupted"
    )]
    Padding,
    /// The decrypted frame (random bytes, length, message, appid) is malformed.
    #[error("malformed decrypted message: {reason}")]
    Frame {
        /// What is wrong with the frame.
        reason: &'static str,
    },
    /// The message is not valid UTF-8 (only from [`MsgCipher::decrypt_str`]).
    #[error("decrypted message is not valid UTF-8: {0}")]
    Utf8(#[source] std::str::Utf8Error),
    /// The message was encrypted for a different appid.
    #[error(
        "message is for appid {found:?}, not this account's; check the account's appid \
         and EncodingAESKey"
    )]
    AppId {
        /// The appid found in the message (at most 64 bytes, lossily decoded).
        found: String,
    },
}

impl DecryptError {
    /// Whether the message decrypted fine but carries another account's appid.
    #[must_use]
    pub fn is_appid_mismatch(&self) -> bool {
        matches!(self, DecryptError::AppId { .. })
    }
}

#[cfg(test)]
#[path = "cipher_test.rs"]
mod tests;
