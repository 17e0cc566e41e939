//! Shared access tokens and JS-SDK tickets: one of each [`TokenKind`] per account for every
//! instance, fetched by one instance at a time.
//!
//! Keys, for an account with AppID `{appid}` (`{prefix}` is `[redis] key_prefix`, `{kind}` is
//! [`TokenKind::key_part`]: `token` for the access token, `jsapi-ticket` for the
//! `jsapi_ticket`):
//!
//! - `{prefix}{kind}:{appid}`: a hash with the token (`token`), the lifetime WeChat gave it
//!   (`lifetime_ms`, for the refresh-ahead window) and its absolute expiry (`expires_at_ms`,
//!   Unix milliseconds). The key expires with the token (`PEXPIRE` to the time it has left), so
//!   Redis never holds a dead token; readers take the time left from the key's `PTTL`, which
//!   does not depend on the instances' clocks agreeing.
//! - `{prefix}{kind}-lock:{appid}`: taken with `SET NX PX` (30 s by default) and a random owner
//!   value by the one instance that fetches; released only by its owner (compare-and-delete), or
//!   by expiry when the owner died.
//! - `{prefix}{kind}-retired:{appid}`: the token WeChat last rejected, left for a few minutes by
//!   [`AccountTokens::retire`] so that whichever instance fetches next asks `stable_token` for a
//!   forced refresh (and no instance stores the rejected token again). Storing a new token
//!   deletes it. Only access tokens are rejected: WeChat's API never sees a ticket again.
//!
//! Every multi-step change is one Lua script, so instances never see half of it. The protocol
//! itself (who fetches, who waits, the fallback while Redis is down) lives with the token cache
//! in [`crate::api`]; this module only speaks to Redis. Both kinds count under the `token_*`
//! operations of `wxgate_redis_errors_total`.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::{Redis, Unavailable};
use crate::metrics::RedisOp;

/// How long a fetch lock is held at most: a dead holder's lock expires after this.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);

/// How often an instance waiting for another's fetch looks for the result.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long a rejected token's marker is kept: the next fetch within this time is forced.
const RETIRED_TTL: Duration = Duration::from_secs(300);

/// Reads the token, its lifetime, its expiry, the key's PTTL and whether a retired marker is
/// set. KEYS: token, retired.
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local fields = redis.call('HMGET', KEYS[1], 'token', 'lifetime_ms', 'expires_at_ms')
return {fields[1], fields[2], fields[3], redis.call('PTTL', KEYS[1]), redis.call('EXISTS', KEYS[2])}
",
    )
});

/// Stores a token fetched under the lock and releases the lock, unless the lock was lost and
/// another token is stored already. KEYS: token, lock, retired. ARGV: token, lifetime_ms,
/// ttl_ms, expires_at_ms, owner.
static STORE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local owner = redis.call('GET', KEYS[2])
if owner ~= ARGV[5] and redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'lifetime_ms', ARGV[2], 'expires_at_ms', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[3])
if owner == ARGV[5] then
  redis.call('DEL', KEYS[2])
end
return 1
",
    )
});

/// Stores a token only when none is stored, nobody is fetching one and it is not the one last
/// rejected. KEYS: token, lock, retired. ARGV: token, lifetime_ms, ttl_ms, expires_at_ms.
static STORE_IF_ABSENT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
if redis.call('GET', KEYS[3]) == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'lifetime_ms', ARGV[2], 'expires_at_ms', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
",
    )
});

/// Deletes the token only if it is still the stored one, and marks it retired.
/// KEYS: token, retired. ARGV: token, retired_ttl_ms.
static RETIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
",
    )
});

/// Deletes the lock only if its value is still this owner's. KEYS: lock. ARGV: owner.
static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// What a shared entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The account's access token.
    AccessToken,
    /// The account's JS-SDK `jsapi_ticket` (`cgi-bin/ticket/getticket?type=jsapi`).
    JsapiTicket,
}

impl TokenKind {
    /// The first part of its keys' names: `token` or `jsapi-ticket`.
    pub fn key_part(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "token",
            TokenKind::JsapiTicket => "jsapi-ticket",
        }
    }

    /// Its name in log lines: `access_token` or `jsapi_ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "access_token",
            TokenKind::JsapiTicket => "jsapi_ticket",
        }
    }
}

/// The shared token store: every account's tokens in Redis. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedTokens {
    redis: Redis,
    lock_ttl: Duration,
}

impl SharedTokens {
    /// Tokens kept in `redis`, with fetch locks of [`DEFAULT_LOCK_TTL`].
    pub fn new(redis: Redis) -> SharedTokens {
        SharedTokens::with_lock_ttl(redis, DEFAULT_LOCK_TTL)
    }

    /// Like [`SharedTokens::new`] with fetch locks that expire after `lock_ttl` (at least 1 ms)
    /// when their holder dies. Every instance should use the same value.
    pub fn with_lock_ttl(redis: Redis, lock_ttl: Duration) -> SharedTokens {
        SharedTokens {
            redis,
            lock_ttl: lock_ttl.max(Duration::from_millis(1)),
        }
    }

    /// The Redis handle.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// How long a fetch lock lives at most.
    pub fn lock_ttl(&self) -> Duration {
        self.lock_ttl
    }

    /// The access token keys of the account `appid`.
    pub fn account(&self, appid: &str) -> AccountTokens {
        self.account_kind(appid, TokenKind::AccessToken)
    }

    /// The keys of the account `appid`'s token of kind `kind`.
    pub fn account_kind(&self, appid: &str, kind: TokenKind) -> AccountTokens {
        let part = kind.key_part();
        AccountTokens {
            redis: self.redis.clone(),
            appid: appid.to_owned(),
            kind,
            token_key: self.redis.key(&[part, appid]),
            lock_key: self.redis.key(&[&format!("{part}-lock"), appid]),
            retired_key: self.redis.key(&[&format!("{part}-retired"), appid]),
            lock_ttl: self.lock_ttl,
        }
    }
}

/// A token as Redis holds it. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token.
    pub value: String,
    /// How long it stays valid from the moment it was read.
    pub remaining: Duration,
    /// The lifetime WeChat gave it (`expires_in`), which sets its refresh-ahead window.
    pub lifetime: Duration,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("value", &"[redacted]")
            .field("remaining", &self.remaining)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// What [`AccountTokens::read`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The stored token, if any (and still valid).
    pub token: Option<StoredToken>,
    /// A token was rejected recently and none fetched since: the next fetch must be forced.
    pub retired: bool,
}

/// Proof that this instance holds an account's fetch lock; give it back with
/// [`AccountTokens::store`] or [`AccountTokens::unlock`] (or let it expire).
#[derive(Debug)]
pub struct TokenLock {
    owner: String,
}

/// One account's shared token of one [`TokenKind`]. Cheap to clone.
#[derive(Clone)]
pub struct AccountTokens {
    redis: Redis,
    appid: String,
    kind: TokenKind,
    token_key: String,
    lock_key: String,
    retired_key: String,
    lock_ttl: Duration,
}

impl fmt::Debug for AccountTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountTokens")
            .field("token_key", &self.token_key)
            .field("lock_ttl", &self.lock_ttl)
            .finish_non_exhaustive()
    }
}

impl AccountTokens {
    /// The account's AppID.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// What it holds.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Whether Redis is answering (commands are sent at all).
    pub fn is_up(&self) -> bool {
        self.redis.is_up()
    }

    /// How long a fetch lock lives at most.
    pub fn lock_ttl(&self) -> Duration {
        self.lock_ttl
    }

    /// The stored token (if any) and whether a rejected token awaits a forced refresh.
    pub async fn read(&self) -> Result<Snapshot, Unavailable> {
        let (token, lifetime_ms, expires_at_ms, pttl, retired): (
            Option<String>,
            Option<u64>,
            Option<u64>,
            i64,
            i64,
        ) = self
            .redis
            .run(RedisOp::TokenRead, |mut c| async move {
                READ.key(&self.token_key)
                    .key(&self.retired_key)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        // A key without an expiry was not written by wxgate: ignore it, it gets replaced.
        let token = match (token, u64::try_from(pttl)) {
            (Some(value), Ok(pttl)) if pttl > 0 && !value.is_empty() => {
                let mut remaining = Duration::from_millis(pttl);
                if let Some(expires_at_ms) = expires_at_ms {
                    let left = expires_at_ms.saturating_sub(unix_ms());
                    remaining = remaining.min(Duration::from_millis(left));
                }
                let lifetime = lifetime_ms
                    .map(Duration::from_millis)
                    .filter(|lifetime| !lifetime.is_zero())
                    .unwrap_or(remaining);
                (!remaining.is_zero()).then_some(StoredToken {
                    value,
                    remaining,
                    lifetime,
                })
            }
            _ => None,
        };
        Ok(Snapshot {
            token,
            retired: retired > 0,
        })
    }

    /// Tries to take the fetch lock; `None` while another instance holds it.
    pub async fn lock(&self) -> Result<Option<TokenLock>, Unavailable> {
        let owner = format!("{}:{:016x}", self.redis.instance(), rand::random::<u64>());
        let ttl_ms = millis(self.lock_ttl);
        let taken: Option<String> = self
            .redis
            .run(RedisOp::TokenLock, |mut c| {
                let owner = owner.clone();
                async move {
                    redis::cmd("SET")
                        .arg(&self.lock_key)
                        .arg(owner)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl_ms)
                        .query_async(&mut c)
                        .await
                }
            })
            .await?;
        Ok(taken.map(|_| TokenLock { owner }))
    }

    /// Releases the lock if this instance still holds it. Returns whether it did.
    pub async fn unlock(&self, lock: TokenLock) -> Result<bool, Unavailable> {
        let deleted: i64 = self
            .redis
            .run(RedisOp::TokenLock, |mut c| async move {
                UNLOCK
                    .key(&self.lock_key)
                    .arg(&lock.owner)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(deleted > 0)
    }

    /// Stores `token`, fetched under `lock`, for the `remaining` part of its `lifetime`, clears
    /// the retired marker and releases the lock. If the lock expired meanwhile and another
    /// token is stored, keeps that one and returns `false`.
    pub async fn store(
        &self,
        lock: TokenLock,
        token: &str,
        lifetime: Duration,
        remaining: Duration,
    ) -> Result<bool, Unavailable> {
        if remaining.is_zero() {
            self.unlock(lock).await?;
            return Ok(false);
        }
        let stored: i64 = self
            .redis
            .run(RedisOp::TokenWrite, |mut c| async move {
                STORE
                    .key(&self.token_key)
                    .key(&self.lock_key)
                    .key(&self.retired_key)
                    .arg(token)
                    .arg(millis(lifetime))
                    .arg(millis(remaining))
                    .arg(unix_ms().saturating_add(millis(remaining)))
                    .arg(&lock.owner)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(stored > 0)
    }

    /// Stores `token` (valid for `remaining` more) only if no token is stored, no instance holds
    /// the fetch lock and it is not the token last rejected. Returns whether it was stored.
    pub async fn store_if_absent(
        &self,
        token: &str,
        lifetime: Duration,
        remaining: Duration,
    ) -> Result<bool, Unavailable> {
        if remaining.is_zero() {
            return Ok(false);
        }
        let stored: i64 = self
            .redis
            .run(RedisOp::TokenWrite, |mut c| async move {
                STORE_IF_ABSENT
                    .key(&self.token_key)
                    .key(&self.lock_key)
                    .key(&self.retired_key)
                    .arg(token)
                    .arg(millis(lifetime))
                    .arg(millis(remaining))
                    .arg(unix_ms().saturating_add(millis(remaining)))
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(stored > 0)
    }

    /// Deletes `token` if it is still the stored one (a newer token is left alone) and marks
    /// it retired, so that the next fetch is forced. Returns whether it was deleted.
    pub async fn retire(&self, token: &str) -> Result<bool, Unavailable> {
        let deleted: i64 = self
            .redis
            .run(RedisOp::TokenRetire, |mut c| async move {
                RETIRE
                    .key(&self.token_key)
                    .key(&self.retired_key)
                    .arg(token)
                    .arg(millis(RETIRED_TTL))
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(deleted > 0)
    }
}

/// `duration` in whole milliseconds, saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Now, in Unix milliseconds (0 if the clock is before 1970).
fn unix_ms() -> u64 {
    crate::clock::unix_micros() / 1000
}

#[cfg(test)]
#[path = "tokens_test.rs"]
mod tests;
