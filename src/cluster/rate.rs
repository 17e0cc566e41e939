//! Send rates shared through Redis: one token bucket per account for every instance, so that
//! an account's send API calls to WeChat stay within its `send_rate` however many instances
//! send them.
//!
//! The bucket of the account with AppID `{appid}` is the hash `{prefix}send-rate:{appid}`
//! (`{prefix}` is `[redis] key_prefix`) with the tokens left (`tokens`) as of a moment
//! (`at`, Redis `TIME` in microseconds). One Lua script ([`AccountRate::take`]) refills it by
//! the time elapsed since, at `rate` tokens a second up to a bucket of `capacity`, and takes
//! one token, or takes nothing and says how long until there is one. The time is Redis's own,
//! so the instances' clocks need not agree (a Redis clock that steps back refills nothing
//! for the step, and stalls nothing). The key expires once the bucket would be full
//! again (plus a second): a missing bucket is a full one.
//!
//! Like the token cache, this is a help, not a dependency: an [`Unavailable`] tells the
//! caller to fall back to its own bucket (see `crate::outbox::sender`). Failures count under
//! the `send_rate` operation of `wxgate_redis_errors_total`.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::{Redis, Unavailable};
use crate::metrics::RedisOp;

/// Refills the bucket by the time elapsed and takes a token. KEYS: bucket. ARGV: rate (tokens
/// a second), capacity. Returns 0 when a token was taken, else the microseconds until one is
/// there (nothing taken).
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate / 1000000)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) * 1000000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return wait
",
    )
});

/// The shared send rates in one Redis. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedRate {
    redis: Redis,
}

impl SharedRate {
    /// Buckets kept in `redis`.
    pub fn new(redis: Redis) -> SharedRate {
        SharedRate { redis }
    }

    /// The Redis handle.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// The bucket of the account `appid`: `rate` tokens a second (at least 1), in a bucket
    /// of as many. Every instance should use the same rate for an account.
    pub fn account(&self, appid: &str, rate: u32) -> AccountRate {
        AccountRate {
            redis: self.redis.clone(),
            key: self.redis.key(&["send-rate", appid]),
            rate: rate.max(1),
        }
    }
}

/// One account's shared bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AccountRate {
    redis: Redis,
    key: String,
    rate: u32,
}

impl AccountRate {
    /// Its key: `{prefix}send-rate:{appid}`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Tokens a second, and the bucket's size.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Takes a token: `Duration::ZERO` when one was taken, else how long until the bucket
    /// has one (nothing was taken: ask again then, other instances may be quicker).
    pub async fn take(&self) -> Result<Duration, Unavailable> {
        let wait_micros: u64 = self
            .redis
            .run(RedisOp::SendRate, |mut c| async move {
                TAKE.key(&self.key)
                    .arg(self.rate)
                    .arg(self.rate)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(Duration::from_micros(wait_micros))
    }
}

#[cfg(test)]
#[path = "rate_test.rs"]
mod tests;
