//! The account's AES key, parsed from the 43-character EncodingAESKey.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Number of characters in an EncodingAESKey.
pub const ENCODING_AES_KEY_LEN: usize = 43;

/// Standard alphabet, padding optional, non-zero trailing bits allowed.
///
/// 43 base64 characters carry 258 bits for a 256-bit key, so the last character has two spare
/// bits. The admin console does not keep them zero, so most real keys are non-canonical base64
/// and a strict decoder rejects them.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A 32-byte AES-256 key, decoded from an account's EncodingAESKey.
///
/// Its `Debug` output never shows the key: it prints `AesKey(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

impl AesKey {
    /// Decodes an EncodingAESKey, as shown in the WeChat admin console.
    ///
    /// The key must be exactly 43 characters of the standard base64 alphabet
    /// (`A-Z`, `a-z`, `0-9`, `+`, `/`). It is decoded as `base64(s + "=")`, accepting the
    /// non-zero trailing bits that most real keys have.
    ///
    /// # Errors
    ///
    /// [`KeyError::Length`] when the key is not 43 characters long,
    /// [`KeyError::InvalidChar`] when it contains a character outside the base64 alphabet.
    pub fn from_encoding_aes_key(s: &str) -> Result<AesKey, KeyError> {
        let len = s.chars().count();
        if len != ENCODING_AES_KEY_LEN {
            return Err(KeyError::Length { got: len });
        }
        if let Some((position, ch)) = s
            .chars()
            .enumerate()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'))
        {
            return Err(KeyError::InvalidChar { ch, position });
        }
        let bytes = LENIENT.decode(s).map_err(|_| KeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(AesKey(key))
    }

    /// Wraps 32 raw key bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> AesKey {
        AesKey(bytes)
    }

    /// The raw key bytes.
    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(..)")
    }
}

impl FromStr for AesKey {
    type Err = KeyError;

    /// Same as [`AesKey::from_encoding_aes_key`].
    fn from_str(s: &str) -> Result<AesKey, KeyError> {
        AesKey::from_encoding_aes_key(s)
    }
}

/// Why an EncodingAESKey was rejected. Messages never repeat the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key does not have exactly 43 characters.
    #[error(
        "EncodingAESKey must be 43 characters, got {got} \
         (copy it from the admin console: Settings and Development > Basic Configuration)"
    )]
    Length {
        /// How many characters the key had.
        got: usize,
    },
    /// The key contains a character outside the standard base64 alphabet.
    #[error(
        "EncodingAESKey must contain only A-Z, a-z, 0-9, '+' and '/', \
         found {ch:?} at position {position}"
    )]
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its zero-based character position.
        position: usize,
    },
    /// The key passed the checks above but still did not decode to 32 bytes.
    #[error("EncodingAESKey did not decode to 32 bytes")]
    Malformed,
}

#[cfg(test)]
#[path = "key_test.rs"]
mod tests;
