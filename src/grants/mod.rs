//! Short-lived grants: what the OpenID Connect provider hands out and must find again on its
//! next request — a login's pending request under the `state` sent to WeChat, authorization
//! codes, access tokens. Each is a string value under a secret, kept for a fixed time.
//!
//! Two backends, chosen with the shared state (`[dedup] backend`):
//! - **memory** ([`Grants::memory`]): one map in this process, bounded by a capacity; expired
//!   entries are purged as new ones arrive, and a full map refuses new grants
//!   ([`GrantsError::Full`]) rather than dropping live ones.
//! - **Redis** ([`Grants::redis`], see [`crate::cluster::grants`]): shared by every instance,
//!   so a login that starts on one finishes on another and a code is single use cluster-wide.
//!
//! Neither keeps the secret itself: entries are keyed by the grant's kind and the SHA-256 of the
//! secret (in Redis `{key_prefix}grant:{kind}:{hex sha256}`), so a dump of the store hands out
//! no usable credential. Neither the secret nor the value is ever logged.
//!
//! **The Redis backend fails closed.** The dedup table and the token cache fall back to local
//! state while Redis is down; grants must not. A grant stored locally would be unknown to the
//! other instances (a login would fail at random), and worse, a single-use code or a revoked
//! token kept in Redis could be honoured a second time by an instance that took it from a
//! stale local copy. So while Redis is down or failing every call answers
//! [`GrantsError::Unavailable`], and the caller refuses the request (a login is retried; a
//! credential is never usable twice or on the wrong instance).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::cluster::Redis;
use crate::cluster::grants::SharedGrants;

mod memory;

use memory::MemoryGrants;

/// The longest time a grant is kept; longer times are cut to this.
pub const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// What a grant is; grants of different kinds never meet, even under the same secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantKind {
    /// A pending login, under the `state` sent to WeChat.
    State,
    /// An authorization code handed to a client.
    Code,
    /// An access token handed to a client.
    AccessToken,
}

impl GrantKind {
    /// The name in keys: `state`, `code`, `token`.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::State => "state",
            GrantKind::Code => "code",
            GrantKind::AccessToken => "token",
        }
    }
}

/// Why a grant operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum GrantsError {
    /// The Redis backend is down or failed; nothing is known (fail closed, no local fallback).
    #[error("the grant store is unavailable: {0}")]
    Unavailable(String),
    /// The memory backend holds its capacity of live grants.
    #[error("too many grants in memory")]
    Full,
}

/// The grant store, in memory or in Redis. Cheap to clone; clones share the grants.
#[derive(Clone)]
pub struct Grants {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Memory(Arc<MemoryGrants>),
    Redis(SharedGrants),
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Memory(memory) => f
                .debug_struct("Grants")
                .field("backend", &"memory")
                .field("capacity", &memory.capacity())
                .finish(),
            Backend::Redis(shared) => f
                .debug_struct("Grants")
                .field("backend", &"redis")
                .field("redis", shared.redis())
                .finish(),
        }
    }
}

/// The SHA-256 of a secret: what entries are keyed by instead of the secret.
type Digest32 = [u8; 32];

fn digest(secret: &str) -> Digest32 {
    Sha256::digest(secret.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// `ttl` within `1 ms..=MAX_TTL`.
fn clamp_ttl(ttl: Duration) -> Duration {
    ttl.clamp(Duration::from_millis(1), MAX_TTL)
}

fn unavailable(error: crate::cluster::Unavailable) -> GrantsError {
    GrantsError::Unavailable(error.to_string())
}

impl Grants {
    /// Grants in this process, at most `capacity` live ones at a time (at least 1).
    pub fn memory(capacity: usize) -> Grants {
        Grants {
            backend: Backend::Memory(Arc::new(MemoryGrants::new(capacity))),
        }
    }

    /// Grants in `redis`, shared by every instance using it. While Redis is down every call
    /// fails with [`GrantsError::Unavailable`]: there is no local fallback (see the module
    /// docs).
    pub fn redis(redis: Redis) -> Grants {
        Grants {
            backend: Backend::Redis(SharedGrants::new(redis)),
        }
    }

    fn redis_key(shared: &SharedGrants, kind: GrantKind, secret: &str) -> String {
        shared.key(kind.as_str(), &hex(&digest(secret)))
    }

    /// Stores `value` under `secret` for `ttl` (cut to `1 ms..=`[`MAX_TTL`]), replacing any
    /// value it had.
    pub async fn put(
        &self,
        kind: GrantKind,
        secret: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), GrantsError> {
        let ttl = clamp_ttl(ttl);
        match &self.backend {
            Backend::Memory(memory) => {
                memory.put((kind, digest(secret)), value, ttl, Instant::now())
            }
            Backend::Redis(shared) => shared
                .put(&Self::redis_key(shared, kind, secret), value, ttl)
                .await
                .map_err(unavailable),
        }
    }

    /// The value under `secret`, if it is there and has not expired.
    pub async fn get(&self, kind: GrantKind, secret: &str) -> Result<Option<String>, GrantsError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.get(&(kind, digest(secret)), Instant::now())),
            Backend::Redis(shared) => shared
                .get(&Self::redis_key(shared, kind, secret))
                .await
                .map_err(unavailable),
        }
    }

    /// Atomically reads and removes (single use): of several concurrent callers, on any
    /// instances sharing the store, at most one gets the value.
    pub async fn take(&self, kind: GrantKind, secret: &str) -> Result<Option<String>, GrantsError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.take(&(kind, digest(secret)), Instant::now())),
            Backend::Redis(shared) => shared
                .take(&Self::redis_key(shared, kind, secret))
                .await
                .map_err(unavailable),
        }
    }

    /// Atomically: when an entry exists (and has not expired), replaces its value and ttl and
    /// returns the old value; else stores nothing and returns `None`.
    pub async fn replace(
        &self,
        kind: GrantKind,
        secret: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Option<String>, GrantsError> {
        let ttl = clamp_ttl(ttl);
        match &self.backend {
            Backend::Memory(memory) => {
                Ok(memory.replace(&(kind, digest(secret)), value, ttl, Instant::now()))
            }
            Backend::Redis(shared) => shared
                .replace(&Self::redis_key(shared, kind, secret), value, ttl)
                .await
                .map_err(unavailable),
        }
    }

    /// Removes the entry under `secret`, if any.
    pub async fn delete(&self, kind: GrantKind, secret: &str) -> Result<(), GrantsError> {
        match &self.backend {
            Backend::Memory(memory) => {
                memory.delete(&(kind, digest(secret)));
                Ok(())
            }
            Backend::Redis(shared) => shared
                .delete(&Self::redis_key(shared, kind, secret))
                .await
                .map_err(unavailable),
        }
    }
}

#[cfg(test)]
#[path = "grants_test.rs"]
mod tests;
