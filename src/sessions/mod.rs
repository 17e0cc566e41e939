//! Mini-program sessions: what a mini program holds after `wx.login` instead of WeChat's
//! session_key.
//!
//! At login the gateway keeps the session_key WeChat gave and hands the mini program an opaque
//! bearer: 256 random bits, base64url without padding (43 characters). The store keeps only the
//! bearer's SHA-256, and the session_key sealed (`crate::crypto::sealed`, AES-256-GCM under
//! `[sessions] key`, which the database does not hold, bound to the account and openid): a copy
//! of the database yields neither a usable bearer nor a session_key.
//!
//! A session is found by the SHA-256 of the bearer presented, so a lookup's timing depends on a
//! hash the caller cannot steer, never on how much of a real bearer it guessed. It is bound to
//! its account: the same bearer on another account's path finds nothing.
//!
//! Each login also records the fingerprint (HMAC-SHA256 under the same key) of its session_key
//! as the user's current one. When WeChat gives a user a new session_key, the sessions of
//! earlier logins are still found, with [`Session::key_changed`] set: data the mini program
//! encrypted with the new key cannot be opened with theirs, and the caller can say so rather
//! than answer with garbage.
//!
//! Sessions live in the store, so every gateway instance on a shared PostgreSQL database serves
//! them; they last the configured lifetime from login, and [`Sessions::purge_expired`] deletes
//! them once expired.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::clock;
use crate::crypto::sealed::Sealer;
use crate::store::{NewMpSession, Store, StoreError};

/// Random bytes in a bearer.
const BEARER_BYTES: usize = 32;
/// Characters of a bearer: 32 bytes in base64url without padding.
const BEARER_LEN: usize = 43;

/// The mini-program sessions of every account, in the store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
    sealer: Sealer,
    ttl: Duration,
}

/// A live session, with its session_key opened. `Debug` never shows the session_key.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The account (mini program) the session belongs to.
    pub account: String,
    /// The user's openid in that mini program.
    pub openid: String,
    /// The user's unionid, when WeChat gave one at login.
    pub unionid: Option<String>,
    /// The session_key, base64, exactly as WeChat gave it.
    pub session_key: String,
    /// A later login of this user got another session_key: data the mini program encrypts now
    /// is under that one, not this.
    pub key_changed: bool,
    /// When the session ends, Unix seconds.
    pub expires_at: i64,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("account", &self.account)
            .field("openid", &self.openid)
            .field("unionid", &self.unionid)
            .field("session_key", &"[redacted]")
            .field("key_changed", &self.key_changed)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why a session operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The store failed.
    #[error("session store: {0}")]
    Store(#[from] StoreError),
}

impl Sessions {
    /// Sessions kept in `store`, their session_keys sealed with `sealer`, each lasting `ttl`
    /// (whole seconds) from login.
    #[must_use]
    pub fn new(store: Store, sealer: Sealer, ttl: Duration) -> Sessions {
        Sessions { store, sealer, ttl }
    }

    /// Stores a new session for (account, openid) with its session_key (sealed, aad = account +
    /// openid), records the key's fingerprint as the user's current one; returns the bearer
    /// (256 random bits, base64url) and its lifetime. Only sha256(bearer) is stored. The user's
    /// other sessions stay.
    pub async fn create(
        &self,
        account: &str,
        openid: &str,
        unionid: Option<&str>,
        session_key: &str,
    ) -> Result<(String, Duration), SessionError> {
        self.create_at(
            clock::unix_secs_i64(),
            account,
            openid,
            unionid,
            session_key,
        )
        .await
    }

    /// [`create`](Sessions::create) at `now`.
    async fn create_at(
        &self,
        now: i64,
        account: &str,
        openid: &str,
        unionid: Option<&str>,
        session_key: &str,
    ) -> Result<(String, Duration), SessionError> {
        let mut random = [0u8; BEARER_BYTES];
        rand::rng().fill_bytes(&mut random);
        let bearer = URL_SAFE_NO_PAD.encode(random);
        let ttl_secs = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let sealed_key = self
            .sealer
            .seal(session_key.as_bytes(), &aad(account, openid));
        let key_fingerprint = self.sealer.fingerprint(session_key.as_bytes());
        self.store
            .create_mp_session(&NewMpSession {
                bearer_sha256: &sha256(&bearer),
                account,
                openid,
                unionid,
                sealed_key: &sealed_key,
                key_fingerprint: &key_fingerprint,
                created_at: now,
                expires_at: now.saturating_add(ttl_secs),
            })
            .await?;
        tracing::debug!(account, "mini-program session created");
        Ok((bearer, Duration::from_secs(self.ttl.as_secs())))
    }

    /// The live session for `bearer` on `account` (expired or unknown or other account => None).
    ///
    /// A session whose session_key does not open (`[sessions] key` changed since it was
    /// created) is `None` too, with a warning: its user logs in again.
    pub async fn find(&self, account: &str, bearer: &str) -> Result<Option<Session>, SessionError> {
        self.find_at(clock::unix_secs_i64(), account, bearer).await
    }

    /// [`find`](Sessions::find) at `now`.
    async fn find_at(
        &self,
        now: i64,
        account: &str,
        bearer: &str,
    ) -> Result<Option<Session>, SessionError> {
        if !well_formed(bearer) {
            return Ok(None);
        }
        let Some(stored) = self.store.mp_session(account, &sha256(bearer), now).await? else {
            return Ok(None);
        };
        let opened = self
            .sealer
            .open(&stored.sealed_key, &aad(account, &stored.openid))
            .ok()
            .and_then(|key| String::from_utf8(key).ok());
        let Some(session_key) = opened else {
            tracing::warn!(
                account,
                "a mini-program session's session_key does not open with [sessions] key (was \
                 the key changed?); the session is refused and its user must log in again"
            );
            return Ok(None);
        };
        let key_changed = stored
            .current_fingerprint
            .as_ref()
            .is_some_and(|current| *current != stored.key_fingerprint);
        Ok(Some(Session {
            account: stored.account,
            openid: stored.openid,
            unionid: stored.unionid,
            session_key,
            key_changed,
            expires_at: stored.expires_at,
        }))
    }

    /// Ends one session; true when it existed.
    pub async fn end(&self, account: &str, bearer: &str) -> Result<bool, SessionError> {
        if !well_formed(bearer) {
            return Ok(false);
        }
        Ok(self
            .store
            .delete_mp_session(account, &sha256(bearer))
            .await?)
    }

    /// Deletes expired sessions (called every few minutes by the server); returns how many.
    pub async fn purge_expired(&self) -> Result<u64, SessionError> {
        self.purge_expired_at(clock::unix_secs_i64()).await
    }

    /// [`purge_expired`](Sessions::purge_expired) at `now`.
    async fn purge_expired_at(&self, now: i64) -> Result<u64, SessionError> {
        Ok(self.store.purge_expired_mp_sessions(now).await?)
    }
}

/// Whether `bearer` has the shape of one this module hands out: 43 base64url characters. Any
/// other is unknown without asking the store.
fn well_formed(bearer: &str) -> bool {
    bearer.len() == BEARER_LEN
        && bearer
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// SHA-256 of a bearer: what the store keeps and looks up.
fn sha256(bearer: &str) -> [u8; 32] {
    Sha256::digest(bearer.as_bytes()).into()
}

/// The associated data a session_key is sealed with: the account and the openid, the account's
/// length first so that no other pair gives the same bytes. A sealed key copied to another
/// user's row does not open there.
fn aad(account: &str, openid: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + account.len() + openid.len());
    aad.extend_from_slice(&(account.len() as u64).to_be_bytes());
    aad.extend_from_slice(account.as_bytes());
    aad.extend_from_slice(openid.as_bytes());
    aad
}

#[cfg(test)]
#[path = "sessions_test.rs"]
mod tests;
