//! Steps 3–5 and 9: opening what WeChat sent (envelope, signature, clock, decryption) and
//! sealing what goes back (encryption and msg_signature where the request was encrypted).
//!
//! | account mode | `encrypt_type=aes` | without it |
//! |---|---|---|
//! | plain | refused (403) | `signature` over token, timestamp, nonce |
//! | compatible | `msg_signature` over token, timestamp, nonce, Encrypt; decrypted copy wins | as plain |
//! | safe | as compatible | refused (403) |

use wxgate_handlers::Fields;

use crate::account::Account;
use crate::config::Mode;
use crate::crypto::{self, DecryptError};

pub mod query;

use crate::wire::{self, Format, WireError};
pub use query::{CallbackQuery, QueryError};

/// Why a push could not be opened. The HTTP layer maps each to a status and a metrics reason.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The query lacks or garbles a parameter this request needs.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// `signature` or `msg_signature` did not verify.
    #[error("{0} does not match")]
    Signature(&'static str),
    /// The request's mode is one the account does not accept.
    #[error("account is in {mode} mode and does not accept {got} pushes")]
    Mode {
        /// The account's mode.
        mode: Mode,
        /// What the request was.
        got: &'static str,
    },
    /// `timestamp` is too far from now.
    #[error("timestamp is {skew} s away from now (at most {max} s allowed)")]
    Stale {
        /// The distance from now, in seconds.
        skew: u64,
        /// The configured maximum.
        max: u64,
    },
    /// The body (or the decrypted message) is not a valid push.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The encrypted envelope has no Encrypt field.
    #[error("encrypted push without an Encrypt field")]
    MissingEncrypt,
    /// Encrypt did not decrypt, or was for another appid.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
}

/// An opened push: its raw fields, as decoded from the body or the decrypted plaintext.
#[derive(Debug)]
pub struct Inbound {
    /// Every field of the push.
    pub fields: Fields,
    /// The outer body's format (JSON pushes are answered `success`).
    pub format: Format,
    /// Whether the push came encrypted, so the reply goes back encrypted.
    pub encrypted: bool,
}

/// Checks the GET handshake and returns the `echostr` to send back as-is.
pub fn handshake<'q>(
    account: &Account,
    query: &'q CallbackQuery<'_>,
) -> Result<&'q str, EnvelopeError> {
    let (signature, timestamp, nonce, echostr) = (
        query.signature()?,
        query.timestamp()?,
        query.nonce()?,
        query.echostr()?,
    );
    if !crypto::verify(signature, &[&account.token, timestamp, nonce]) {
        return Err(EnvelopeError::Signature("signature"));
    }
    Ok(echostr)
}

/// Verifies, checks the clock and decrypts a POSTed push. `now` is seconds since the epoch;
/// `max_skew` 0 disables the clock check.
pub fn open(
    account: &Account,
    query: &CallbackQuery<'_>,
    body: &[u8],
    content_type: Option<&str>,
    now: u64,
    max_skew: u64,
) -> Result<Inbound, EnvelopeError> {
    let format = wire::detect(content_type, body);
    let (timestamp, nonce) = (query.timestamp()?, query.nonce()?);

    let cipher = match (&account.cipher, account.mode, query.encrypted) {
        (Some(cipher), Mode::Compatible | Mode::Safe, true) => cipher,
        (_, Mode::Plain, true) | (None, _, true) => {
            return Err(EnvelopeError::Mode {
                mode: account.mode,
                got: "encrypted",
            });
        }
        (_, Mode::Safe, false) => {
            return Err(EnvelopeError::Mode {
                mode: account.mode,
                got: "plain",
            });
        }
        (_, Mode::Plain | Mode::Compatible, false) => {
            // Authenticate before parsing anything the sender controls.
            if !crypto::verify(query.signature()?, &[&account.token, timestamp, nonce]) {
                return Err(EnvelopeError::Signature("signature"));
            }
            check_clock(query, now, max_skew)?;
            let fields = wire::decode(format, body)?;
            return Ok(Inbound {
                fields,
                format,
                encrypted: false,
            });
        }
    };

    let msg_signature = query.msg_signature()?;
    let encrypt =
        wire::decode_field(format, body, "Encrypt")?.ok_or(EnvelopeError::MissingEncrypt)?;
    if !crypto::verify(msg_signature, &[&account.token, timestamp, nonce, &encrypt]) {
        return Err(EnvelopeError::Signature("msg_signature"));
    }
    check_clock(query, now, max_skew)?;
    let plaintext = cipher.decrypt(&encrypt)?;
    let fields = wire::decode(wire::detect(None, &plaintext), &plaintext)?;
    Ok(Inbound {
        fields,
        format,
        encrypted: true,
    })
}

fn check_clock(query: &CallbackQuery<'_>, now: u64, max: u64) -> Result<(), EnvelopeError> {
    let skew = query.timestamp_secs()?.abs_diff(now);
    if max > 0 && skew > max {
        return Err(EnvelopeError::Stale { skew, max });
    }
    Ok(())
}

/// Encrypts a rendered reply and wraps it with a fresh timestamp, nonce and msg_signature.
/// Returns `None` when the account has no cipher (then nothing was encrypted to begin with).
pub fn seal(account: &Account, plaintext: &[u8], now: u64) -> Option<String> {
    let cipher = account.cipher.as_ref()?;
    let encrypt = cipher.encrypt(plaintext);
    let (mut timestamp, mut nonce) = ([0; 20], [0; 20]);
    let timestamp = wire::decimal(now, &mut timestamp);
    let nonce = wire::decimal(crypto::nonce_number(), &mut nonce);
    let signature = crypto::signature(&[&account.token, timestamp, nonce, &encrypt]);
    Some(wire::render_encrypted(
        &encrypt,
        signature.as_str(),
        timestamp,
        nonce,
    ))
}
