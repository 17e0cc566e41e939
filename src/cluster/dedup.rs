//! Shared dedup: the callback core's once-per-push contract across instances.
//!
//! One Redis hash per push, `{prefix}dedup:{account}:{digest}`:
//!
//! | field | meaning |
//! | --- | --- |
//! | `s` | `r` while the handler runs, `d` when it has finished |
//! | `o` | the claim that runs the handler (instance + random) |
//! | `w:{id}` | a request waiting for the answer, with its deadline (Redis time, ms) |
//! | `x` | once done: `1` when the reply went out through the customer-service API |
//! | `a` | once done: the passive reply XML (empty: no reply) |
//!
//! Every step is one Lua script, so atomic in Redis:
//! - **claim**: the first request creates the hash (`s=r`) with a TTL of handler_timeout_ms +
//!   5 s and runs the handler; the TTL is extended while the handler runs, so a live marker
//!   never lapses and a dead holder's is gone within that time. Any other request, on any
//!   instance, registers as a waiter, or gets the finished answer at once.
//! - **complete**: counts the waiters whose deadline has not passed; if there are none (or the
//!   push was JSON) the reply is to be pushed, else it is left for them. Then `s=d` and the TTL
//!   becomes `ttl_secs`. The decision is taken once, here, so a reply is delivered once.
//! - **poll** / **give up**: a waiter reads the answer once it is done; at its deadline it
//!   removes itself — unless the push finished in the meantime, in which case it takes the
//!   answer after all. A waiter is thus either counted by *complete* and gets the answer, or
//!   removed before it and the reply is pushed.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::Script;
use tokio::time::Instant;

use super::{Redis, Unavailable};
use crate::dedup::{Answer, DedupKey, Waited};
use crate::metrics::RedisOp;

/// How long past the handler timeout an in-flight marker lives without being extended.
pub const MARKER_GRACE: Duration = Duration::from_secs(5);

/// How often a request waiting for another instance's handler asks whether it has finished.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

const CLAIM: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HGET', KEYS[1], 's')
if not state then
  redis.call('HSET', KEYS[1], 's', 'r', 'o', ARGV[1], 'w:' .. ARGV[3], now + tonumber(ARGV[4]))
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'first'}
end
if state == 'd' then
  local v = redis.call('HMGET', KEYS[1], 'x', 'a')
  return {'done', v[1] or '0', v[2] or ''}
end
redis.call('HSET', KEYS[1], 'w:' .. ARGV[3], now + tonumber(ARGV[4]))
return {'running'}
";

const POLL: &str = r"
local state = redis.call('HGET', KEYS[1], 's')
if not state then
  return {'gone'}
end
if state == 'd' then
  redis.call('HDEL', KEYS[1], 'w:' .. ARGV[1])
  local v = redis.call('HMGET', KEYS[1], 'x', 'a')
  return {'done', v[1] or '0', v[2] or ''}
end
if ARGV[2] == '1' then
  redis.call('HDEL', KEYS[1], 'w:' .. ARGV[1])
end
return {'running'}
";

const COMPLETE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local head = redis.call('HMGET', KEYS[1], 's', 'o')
if head[1] ~= 'r' or head[2] ~= ARGV[1] then
  return 'lost'
end
local waiting = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'w:' then
    if tonumber(fields[i + 1]) > now then
      waiting = waiting + 1
    else
      redis.call('HDEL', KEYS[1], fields[i])
    end
  end
end
local push = ARGV[3] == '1' and ARGV[5] ~= '' and (waiting == 0 or ARGV[4] == '0')
redis.call('HSET', KEYS[1], 's', 'd', 'x', push and '1' or '0', 'a', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if push then return 'push' end
return 'keep'
";

const EXTEND: &str = r"
local head = redis.call('HMGET', KEYS[1], 's', 'o')
if head[1] == 'r' and head[2] == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// A request's place in a shared push: which hash, and its own waiter id in it.
#[derive(Debug, Clone)]
pub struct Ticket {
    key: String,
    /// This request's `w:` field, and for the first request the claim's owner value too.
    id: String,
}

/// What a claim found.
#[derive(Debug)]
pub enum SharedClaim {
    /// First sight anywhere: run the handler, keep the marker alive ([`SharedDedup::keep_alive`])
    /// and [`SharedDedup::complete`] it.
    First(Ticket),
    /// Running somewhere: [`SharedDedup::wait`] for it.
    Running(Ticket),
    /// Already finished: answer with this.
    Done(Waited),
}

/// Where a finished handler's reply goes, as decided in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Push it through the customer-service API: no request waits for it.
    Push,
    /// Leave it to the waiting requests.
    Keep,
    /// The marker lapsed (e.g. Redis was unreachable while the handler ran): decide locally.
    Lost,
}

/// The shared dedup table.
#[derive(Debug, Clone)]
pub struct SharedDedup {
    redis: Redis,
    marker_ttl: Duration,
    ttl: Duration,
    scripts: Arc<Scripts>,
}

#[derive(Debug)]
struct Scripts {
    claim: Script,
    poll: Script,
    complete: Script,
    extend: Script,
}

impl SharedDedup {
    /// A table in `redis` for handlers bounded by `handler_timeout`, keeping finished pushes
    /// for `ttl`.
    pub fn new(redis: Redis, handler_timeout: Duration, ttl: Duration) -> Self {
        SharedDedup {
            redis,
            marker_ttl: handler_timeout + MARKER_GRACE,
            ttl,
            scripts: Arc::new(Scripts {
                claim: Script::new(CLAIM),
                poll: Script::new(POLL),
                complete: Script::new(COMPLETE),
                extend: Script::new(EXTEND),
            }),
        }
    }

    /// The Redis handle.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// Claims the push `key` of `account` for a request answering by `deadline`.
    pub async fn claim(
        &self,
        account: &str,
        key: &DedupKey,
        deadline: Instant,
    ) -> Result<SharedClaim, Unavailable> {
        let ticket = Ticket {
            key: self.redis.key(&["dedup", account, &key.hex()]),
            id: format!("{}.{:016x}", self.redis.instance(), rand::random::<u64>()),
        };
        let budget = millis(deadline.saturating_duration_since(Instant::now()));
        let marker_ttl = millis(self.marker_ttl);
        let script = &self.scripts.claim;
        let answer: Vec<Vec<u8>> = self
            .redis
            .run(RedisOp::Claim, |mut c| {
                let mut invocation = script.key(&ticket.key);
                invocation
                    .arg(&ticket.id)
                    .arg(marker_ttl)
                    .arg(&ticket.id)
                    .arg(budget);
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(match answer.first().map(Vec::as_slice) {
            Some(b"first") => SharedClaim::First(ticket),
            Some(b"done") => SharedClaim::Done(finished(&answer)),
            _ => SharedClaim::Running(ticket),
        })
    }

    /// Waits for the push of `ticket` to finish on whichever instance runs it, until
    /// `deadline`; then gives up (see [`SharedDedup::give_up`]). Redis errors while waiting
    /// only mean asking again; a push whose marker vanished (its holder died) ends the wait.
    pub async fn wait(&self, ticket: &Ticket, deadline: Instant) -> Waited {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return self.give_up(ticket).await;
            }
            tokio::time::sleep(POLL_INTERVAL.min(deadline - now)).await;
            match self.poll(ticket, false).await {
                Ok(Polled::Done(waited)) => return waited,
                Ok(Polled::Gone) => return Waited::Deadline,
                Ok(Polled::Running) | Err(_) => {}
            }
        }
    }

    /// At a request's deadline: leaves the waiters of `ticket`'s push, unless the push has
    /// finished, in which case its answer is taken after all.
    pub async fn give_up(&self, ticket: &Ticket) -> Waited {
        match self.poll(ticket, true).await {
            Ok(Polled::Done(waited)) => waited,
            _ => Waited::Deadline,
        }
    }

    async fn poll(&self, ticket: &Ticket, last: bool) -> Result<Polled, Unavailable> {
        let script = &self.scripts.poll;
        let answer: Vec<Vec<u8>> = self
            .redis
            .run(RedisOp::Poll, |mut c| {
                let mut invocation = script.key(&ticket.key);
                invocation.arg(&ticket.id).arg(if last { "1" } else { "0" });
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(match answer.first().map(Vec::as_slice) {
            Some(b"done") => Polled::Done(finished(&answer)),
            Some(b"gone") => Polled::Gone,
            _ => Polled::Running,
        })
    }

    /// Records the first request's finished handler and decides, once and cluster-wide, where
    /// its reply goes. `can_push`: the account has a customer-service channel; `passive`: a
    /// waiting request can carry the reply (not for JSON pushes).
    pub async fn complete(
        &self,
        ticket: &Ticket,
        answer: &Answer,
        can_push: bool,
        passive: bool,
    ) -> Result<Completion, Unavailable> {
        let xml = answer
            .as_ref()
            .map(|rendered| rendered.xml.clone())
            .unwrap_or_default();
        let ttl = self.ttl.as_secs().max(1);
        let script = &self.scripts.complete;
        let decided: String = self
            .redis
            .run(RedisOp::Complete, |mut c| {
                let mut invocation = script.key(&ticket.key);
                invocation
                    .arg(&ticket.id)
                    .arg(ttl)
                    .arg(if can_push { "1" } else { "0" })
                    .arg(if passive { "1" } else { "0" })
                    .arg(xml.as_ref());
                async move { invocation.invoke_async(&mut c).await }
            })
            .await?;
        Ok(match decided.as_str() {
            "push" => Completion::Push,
            "keep" => Completion::Keep,
            _ => Completion::Lost,
        })
    }

    /// Extends the in-flight marker of `ticket` every third of its lifetime, for as long as the
    /// returned future runs: run it beside the handler and drop it when the handler is done.
    /// It never finishes by itself.
    pub async fn keep_alive(&self, ticket: &Ticket) -> std::convert::Infallible {
        let period = self.marker_ttl / 3;
        let marker_ttl = millis(self.marker_ttl);
        let script = &self.scripts.extend;
        loop {
            tokio::time::sleep(period).await;
            let _ = self
                .redis
                .run(RedisOp::Extend, |mut c| {
                    let mut invocation = script.key(&ticket.key);
                    invocation.arg(&ticket.id).arg(marker_ttl);
                    async move { invocation.invoke_async::<i64>(&mut c).await }
                })
                .await;
        }
    }
}

enum Polled {
    Running,
    Done(Waited),
    Gone,
}

/// Reads `{'done', x, a}`.
fn finished(answer: &[Vec<u8>]) -> Waited {
    let field = |i: usize| answer.get(i).map(Vec::as_slice).unwrap_or_default();
    if field(1) == b"1" {
        return Waited::Pushed;
    }
    let xml = field(2);
    Waited::Answer((!xml.is_empty()).then(|| Bytes::copy_from_slice(xml)))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "dedup_test.rs"]
mod tests;
