//! Short-lived grants shared through Redis: a login's pending state, authorization codes and
//! access tokens, one string key each, so that a login that starts on one instance can finish
//! on another and a single-use grant is single use cluster-wide.
//!
//! Keys are `{prefix}grant:{kind}:{id}`, where `{id}` is the hex SHA-256 of the secret (the
//! caller hashes it: Redis never holds a secret itself). Every operation is one command, so
//! atomic in Redis:
//!
//! | operation | command |
//! | --- | --- |
//! | put | `SET key value PX ttl` |
//! | get | `GET key` |
//! | take (single use) | `GETDEL key` |
//! | replace | `SET key value XX GET PX ttl` |
//! | delete | `DEL key` |
//!
//! Unlike the dedup table and the token cache, the caller has no local state to fall back on:
//! a grant stored on one instance must be found on every other, and a grant taken must stay
//! taken everywhere. An [`Unavailable`] is thus a refusal for the caller, never a cue to carry
//! on locally (see `crate::grants`). Neither the key's secret nor the value is ever logged.

use std::time::Duration;

use super::{Redis, Unavailable};
use crate::metrics::RedisOp;

/// The shared grants in one Redis. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedGrants {
    redis: Redis,
}

impl SharedGrants {
    /// Grants kept in `redis`.
    pub fn new(redis: Redis) -> SharedGrants {
        SharedGrants { redis }
    }

    /// The Redis handle.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// The key of the grant of kind `kind` whose secret hashes to `id`:
    /// `{prefix}grant:{kind}:{id}`.
    pub fn key(&self, kind: &str, id: &str) -> String {
        self.redis.key(&["grant", kind, id])
    }

    /// Stores `value` under `key` for `ttl` (at least a millisecond), replacing any value.
    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), Unavailable> {
        let ttl = ttl_millis(ttl);
        self.redis
            .run(RedisOp::GrantPut, |mut c| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(ttl)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await
    }

    /// The value under `key`, if it has not expired.
    pub async fn get(&self, key: &str) -> Result<Option<String>, Unavailable> {
        self.redis
            .run(RedisOp::GrantGet, |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await
    }

    /// Reads and removes the value under `key` in one step: of several callers, on any
    /// instances, at most one gets it.
    pub async fn take(&self, key: &str) -> Result<Option<String>, Unavailable> {
        self.redis
            .run(RedisOp::GrantTake, |mut c| async move {
                redis::cmd("GETDEL").arg(key).query_async(&mut c).await
            })
            .await
    }

    /// When `key` holds a value, replaces it with `value` for `ttl` and returns the old one;
    /// else stores nothing and returns `None`. One command, so atomic.
    pub async fn replace(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Option<String>, Unavailable> {
        let ttl = ttl_millis(ttl);
        self.redis
            .run(RedisOp::GrantReplace, |mut c| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("XX")
                    .arg("GET")
                    .arg("PX")
                    .arg(ttl)
                    .query_async(&mut c)
                    .await
            })
            .await
    }

    /// Removes `key`, if present.
    pub async fn delete(&self, key: &str) -> Result<(), Unavailable> {
        self.redis
            .run(RedisOp::GrantDelete, |mut c| async move {
                redis::cmd("DEL").arg(key).query_async::<()>(&mut c).await
            })
            .await
    }
}

/// `ttl` in whole milliseconds, at least 1 (Redis refuses a zero expiry).
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
#[path = "grants_test.rs"]
mod tests;
