//! SHA-1 signatures over sorted parts: the handshake `signature` and the `msg_signature`.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// Length in bytes of a SHA-1 digest.
const DIGEST_LEN: usize = 20;

/// Up to this many parts are sorted on the stack; more fall back to a heap buffer.
const INLINE_PARTS: usize = 8;

/// Signs `parts` the WeChat way: the SHA-1 of the parts sorted lexicographically (byte order)
/// and concatenated with no separator, as 40 lowercase hex digits.
///
/// Use `[token, timestamp, nonce]` for the handshake and plain-mode `signature`, and
/// `[token, timestamp, nonce, encrypt]` for `msg_signature`.
#[must_use]
pub fn sign(parts: &[&str]) -> String {
    signature(parts).as_str().to_owned()
}

/// [`sign`] without allocating: the hex digits on the stack.
#[must_use]
pub fn signature(parts: &[&str]) -> Signature {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 2 * DIGEST_LEN];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest(parts)) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    Signature(hex)
}

/// A signature as 40 lowercase hex digits (see [`signature`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 2 * DIGEST_LEN]);

impl Signature {
    /// The hex digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks `signature_hex` against the signature of `parts` (see [`sign`]).
///
/// The hex may be upper or lower case. The signatures are compared in constant time.
/// Anything that is not 40 hex digits is rejected; this never panics.
#[must_use]
pub fn verify(signature_hex: &str, parts: &[&str]) -> bool {
    // Compared as lowercase hex rather than decoded: the expected signature holds only
    // `0-9a-f`, so any other byte given, after lowercasing, is a mismatch.
    let Ok(given) = <[u8; 2 * DIGEST_LEN]>::try_from(signature_hex.as_bytes()) else {
        return false;
    };
    let lowered = given.map(|byte| byte.to_ascii_lowercase());
    words(&signature(parts).0).ct_eq(&words(&lowered)).into()
}

/// 40 hex digits as five words: compared in constant time a word at a time, not a byte.
fn words(hex: &[u8; 2 * DIGEST_LEN]) -> [u64; 2 * DIGEST_LEN / 8] {
    std::array::from_fn(|i| {
        let mut word = [0; 8];
        word.copy_from_slice(&hex[8 * i..8 * i + 8]);
        u64::from_ne_bytes(word)
    })
}

/// SHA-1 of the sorted, concatenated parts, without allocating for up to eight parts.
fn digest(parts: &[&str]) -> [u8; DIGEST_LEN] {
    if parts.len() <= INLINE_PARTS {
        let mut buf = [""; INLINE_PARTS];
        let sorted = &mut buf[..parts.len()];
        sorted.copy_from_slice(parts);
        sorted.sort_unstable();
        hash(sorted)
    } else {
        let mut sorted = parts.to_vec();
        sorted.sort_unstable();
        hash(&sorted)
    }
}

fn hash(sorted: &[&str]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

#[cfg(test)]
#[path = "signature_test.rs"]
mod tests;
