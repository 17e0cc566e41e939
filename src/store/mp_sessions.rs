//! Mini-program sessions: the bearer a mini program got at login (kept only as its SHA-256),
//! who it belongs to, and the session_key behind it, sealed by the caller. Beside them, per
//! user, the fingerprint of the session_key of the latest login, which tells an older session
//! that WeChat has since replaced its session_key.
//!
//! The store neither seals nor fingerprints: it keeps the bytes and the text it is given
//! (`crate::sessions` does the rest), and never sees a bearer or a session_key in clear.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::backend::{BeginWrite, with_pool};
use super::{Store, StoreError};

/// A session to store ([`Store::create_mp_session`]). `Debug` shows neither the bearer's hash
/// nor the sealed key.
#[derive(Clone, Copy)]
pub struct NewMpSession<'a> {
    /// SHA-256 of the bearer handed to the mini program.
    pub bearer_sha256: &'a [u8; 32],
    /// The account's name.
    pub account: &'a str,
    /// The user's openid in the mini program.
    pub openid: &'a str,
    /// The user's unionid, when WeChat gave one.
    pub unionid: Option<&'a str>,
    /// The session_key, sealed (nonce, ciphertext and tag).
    pub sealed_key: &'a [u8],
    /// The session_key's fingerprint; becomes the user's current one.
    pub key_fingerprint: &'a str,
    /// When the session was created.
    pub created_at: i64,
    /// When it stops being valid.
    pub expires_at: i64,
}

impl fmt::Debug for NewMpSession<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMpSession")
            .field("account", &self.account)
            .field("openid", &self.openid)
            .field("unionid", &self.unionid)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A live session as stored ([`Store::mp_session`]). `Debug` does not show the sealed key.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredMpSession {
    /// The account's name.
    pub account: String,
    /// The user's openid.
    pub openid: String,
    /// The user's unionid, when WeChat gave one.
    pub unionid: Option<String>,
    /// The session_key, sealed, as stored.
    pub sealed_key: Vec<u8>,
    /// The fingerprint of this session's session_key.
    pub key_fingerprint: String,
    /// The fingerprint of the session_key of the user's latest login (`None` if none is
    /// recorded).
    pub current_fingerprint: Option<String>,
    /// When the session was created.
    pub created_at: i64,
    /// When it stops being valid.
    pub expires_at: i64,
}

impl fmt::Debug for StoredMpSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredMpSession")
            .field("account", &self.account)
            .field("openid", &self.openid)
            .field("unionid", &self.unionid)
            .field("key_fingerprint", &self.key_fingerprint)
            .field("current_fingerprint", &self.current_fingerprint)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A row of the session lookup: openid, unionid, sealed_key, key_fingerprint,
/// current fingerprint, created_at, expires_at.
type SessionRow = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

impl Store {
    /// In one transaction: stores `session`, and records its key fingerprint as the user's
    /// current one (kept at least as long as the session). Fails with
    /// [`StoreError::Database`], storing nothing, if a session with the same bearer exists.
    pub async fn create_mp_session(&self, session: &NewMpSession<'_>) -> Result<(), StoreError> {
        let bearer_hash = hex(session.bearer_sha256);
        let sealed_key = STANDARD.encode(session.sealed_key);
        self.io(async move {
            let result: Result<(), sqlx::Error> = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                async move {
                    sqlx::query(
                        "INSERT INTO mp_sessions (bearer_hash, account, openid, unionid, \
                         sealed_key, key_fingerprint, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&bearer_hash)
                    .bind(session.account)
                    .bind(session.openid)
                    .bind(session.unionid)
                    .bind(&sealed_key)
                    .bind(session.key_fingerprint)
                    .bind(session.created_at)
                    .bind(session.expires_at)
                    .execute(&mut *tx)
                    .await?;
                    // The latest login's key becomes the current one; the row lives as long as
                    // the longest-lived session of the user.
                    sqlx::query(
                        "INSERT INTO mp_current_keys \
                         (account, openid, key_fingerprint, updated_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (account, openid) DO UPDATE SET \
                         key_fingerprint = excluded.key_fingerprint, \
                         updated_at = excluded.updated_at, \
                         expires_at = CASE WHEN mp_current_keys.expires_at > excluded.expires_at \
                         THEN mp_current_keys.expires_at ELSE excluded.expires_at END",
                    )
                    .bind(session.account)
                    .bind(session.openid)
                    .bind(session.key_fingerprint)
                    .bind(session.created_at)
                    .bind(session.expires_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await
                }
                .await
            });
            result.map_err(StoreError::from)
        })
        .await
    }

    /// The session of `account` whose bearer hashes to `bearer_sha256`, if it is still valid
    /// at `now` (its expiry is after `now`), with the user's current key fingerprint. A session
    /// of another account is not found.
    pub async fn mp_session(
        &self,
        account: &str,
        bearer_sha256: &[u8; 32],
        now: i64,
    ) -> Result<Option<StoredMpSession>, StoreError> {
        let bearer_hash = hex(bearer_sha256);
        self.io(async move {
            let row: Option<SessionRow> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT s.openid, s.unionid, s.sealed_key, s.key_fingerprint, \
                     k.key_fingerprint, s.created_at, s.expires_at \
                     FROM mp_sessions s LEFT JOIN mp_current_keys k \
                     ON k.account = s.account AND k.openid = s.openid \
                     WHERE s.bearer_hash = $1 AND s.account = $2 AND s.expires_at > $3",
                )
                .bind(&bearer_hash)
                .bind(account)
                .bind(now)
                .fetch_optional(pool)
                .await?
            });
            let Some((openid, unionid, sealed, key_fingerprint, current, created_at, expires_at)) =
                row
            else {
                return Ok(None);
            };
            let sealed_key = STANDARD.decode(sealed).map_err(|_| {
                StoreError::Database(
                    "a stored mini-program session key is not base64: the mp_sessions table was \
                     altered"
                        .to_owned(),
                )
            })?;
            Ok(Some(StoredMpSession {
                account: account.to_owned(),
                openid,
                unionid,
                sealed_key,
                key_fingerprint,
                current_fingerprint: current,
                created_at,
                expires_at,
            }))
        })
        .await
    }

    /// Deletes the session of `account` whose bearer hashes to `bearer_sha256` (expired or
    /// not); the user's other sessions stay. Returns whether there was one.
    pub async fn delete_mp_session(
        &self,
        account: &str,
        bearer_sha256: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let bearer_hash = hex(bearer_sha256);
        self.io(async move {
            let deleted = with_pool!(self, |pool| {
                sqlx::query("DELETE FROM mp_sessions WHERE bearer_hash = $1 AND account = $2")
                    .bind(&bearer_hash)
                    .bind(account)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            Ok(deleted > 0)
        })
        .await
    }

    /// Deletes the sessions expired at `now` (expiry at or before it), and the current key
    /// fingerprints of users left without a session. Returns how many sessions were deleted.
    pub async fn purge_expired_mp_sessions(&self, now: i64) -> Result<u64, StoreError> {
        self.io(async move {
            let purged = with_pool!(self, |pool| {
                let purged = sqlx::query("DELETE FROM mp_sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(pool)
                    .await?
                    .rows_affected();
                // A user's row expires with their longest-lived session. A login at this moment
                // moves its expiry forward first (the upsert), or inserts it again after.
                sqlx::query("DELETE FROM mp_current_keys WHERE expires_at <= $1")
                    .bind(now)
                    .execute(pool)
                    .await?;
                purged
            });
            if purged > 0 {
                tracing::debug!(purged, "expired mini-program sessions purged");
            }
            Ok(purged)
        })
        .await
    }
}

/// `bytes` in lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
#[path = "mp_sessions_test.rs"]
mod tests;
