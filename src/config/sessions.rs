//! The config of mini programs' sessions (`[sessions]`): the key their session_keys are
//! encrypted with in the store, how long a session lasts, how old decrypted data may be, and
//! how many logins one client IP may start. `miniprogram` checks and builds it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The `[sessions] key` of the repo's config.toml: 32 bytes of standard base64 that say what
/// to do with them. The gateway runs with it (a sample must run as is) and warns while it is in
/// use: anyone who has read the sample can decrypt the session_keys in a copy of the database.
pub const PLACEHOLDER_SESSIONS_KEY: &str = "change+me+with+openssl+rand+base64+32+00000=";

/// `[sessions]`: mini programs' sessions.
///
/// `Debug` redacts `key`.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionsConfig {
    /// The key the session_keys are encrypted with at rest (AES-256-GCM), written as the
    /// standard base64 of exactly 32 bytes; `None` when absent. Required when an account is a
    /// mini program. Secret.
    pub key: Option<[u8; 32]>,
    /// How long a session lasts from login, in seconds; default 2592000 (30 days), 60 to
    /// 31536000 (a year).
    pub ttl_secs: u64,
    /// How old the `watermark.timestamp` of decrypted data may be, in seconds; default 86400,
    /// at most 31536000; 0 turns the check off.
    pub max_watermark_age_secs: u64,
    /// Requests to `/mp/{account}/login` per client IP and minute; default 600, 0 = no limit.
    pub login_per_minute: u32,
}

impl SessionsConfig {
    /// True when `key` is [`PLACEHOLDER_SESSIONS_KEY`]: the gateway should warn.
    pub fn key_is_placeholder(&self) -> bool {
        let Some(key) = &self.key else {
            return false;
        };
        STANDARD
            .decode(PLACEHOLDER_SESSIONS_KEY)
            .is_ok_and(|placeholder| placeholder == key)
    }
}

impl Default for SessionsConfig {
    fn default() -> Self {
        SessionsConfig {
            key: None,
            ttl_secs: 2_592_000,
            max_watermark_age_secs: 86_400,
            login_per_minute: 600,
        }
    }
}

impl fmt::Debug for SessionsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionsConfig")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("ttl_secs", &self.ttl_secs)
            .field("max_watermark_age_secs", &self.max_watermark_age_secs)
            .field("login_per_minute", &self.login_per_minute)
            .finish()
    }
}
