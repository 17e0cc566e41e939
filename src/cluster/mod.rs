//! State shared by several gateway instances, kept in Redis: which pushes are taken and their
//! replies ([`dedup`]), the accounts' access tokens and JS-SDK tickets ([`tokens`]),
//! short-lived grants ([`grants`]) and the accounts' send rates ([`rate`]).
//!
//! Redis is a help, never a dependency: every command is bounded by `[redis] timeout_ms`, and a
//! command that fails or times out marks Redis as down. While it is down no command is sent at
//! all (callers fall back to their local state at once), and a probe PINGs it every second;
//! the first answer marks it up again. So an outage costs at most one timeout per in-flight
//! request, and the gateway returns to shared state within about a second of Redis answering.
//! Failed commands are logged and counted in `wxgate_redis_errors_total{op}`; the state shows
//! as `wxgate_redis_up`.

pub mod dedup;
pub mod grants;
pub mod rate;
pub mod tokens;

/// The throwaway redis-server of `tests/support`, for every unit test that needs one.
#[cfg(test)]
#[path = "../../tests/support/redis.rs"]
pub(crate) mod redis_server;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::{RedisConfig, redact_url_password};
use crate::metrics::{Metrics, RedisOp};

/// How often a down Redis is probed.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// Why a Redis command gave no answer; the caller falls back to local state.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// Redis was already known to be down: nothing was sent.
    #[error("Redis is down")]
    Down,
    /// The command took longer than `timeout_ms`.
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Redis or the connection to it answered with an error.
    #[error("Redis error: {0}")]
    Failed(String),
}

/// A handle on the shared Redis. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
    up: AtomicBool,
    metrics: Arc<Metrics>,
    /// Names this process in the entries it owns (in-flight markers, token locks).
    instance: String,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .field("up", &self.is_up())
            .finish()
    }
}

impl Redis {
    /// A handle on the server in `config`. Connects lazily: a Redis that is down now does not
    /// stop the gateway from starting. Fails only for a URL the client cannot use.
    pub fn new(config: &RedisConfig, metrics: Arc<Metrics>) -> Result<Redis, String> {
        let client = redis::Client::open(config.url.as_str()).map_err(|_| {
            format!(
                "redis.url `{}` is not a usable Redis URL",
                redact_url_password(&config.url)
            )
        })?;
        let timeout = Duration::from_millis(config.timeout_ms);
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|e| format!("cannot set up the Redis connection: {e}"))?;
        metrics.redis_up(false);
        Ok(Redis {
            inner: Arc::new(Inner {
                connection,
                prefix: config.key_prefix.clone(),
                timeout,
                up: AtomicBool::new(false),
                metrics,
                instance: format!("{:016x}", rand::random::<u64>()),
            }),
        })
    }

    /// `key_prefix` followed by `parts` joined with `:`.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.inner.prefix.clone();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                key.push(':');
            }
            key.push_str(part);
        }
        key
    }

    /// A name for this process, unique among instances.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The per-command time limit.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Whether the last command (or probe) got an answer.
    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::Acquire)
    }

    /// Runs one command (or script) within the time limit. While Redis is down, fails with
    /// [`Unavailable::Down`] without sending anything. A failure is counted under `op`, logged
    /// when it marks Redis down, and returned.
    pub async fn run<T, F, Fut>(&self, op: RedisOp, command: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_up() {
            return Err(Unavailable::Down);
        }
        self.attempt(op, command).await
    }

    async fn attempt<T, F, Fut>(&self, op: RedisOp, command: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.inner;
        let error =
            match tokio::time::timeout(inner.timeout, command(inner.connection.clone())).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) if e.is_timeout() => Unavailable::Timeout(inner.timeout),
                Ok(Err(e)) => Unavailable::Failed(e.to_string()),
                Err(_) => Unavailable::Timeout(inner.timeout),
            };
        inner.metrics.redis_error(op);
        if inner.up.swap(false, Ordering::AcqRel) {
            inner.metrics.redis_up(false);
            tracing::warn!(op = op.as_str(), %error, "Redis unavailable; dedup, tokens and send rates fall back to local state, logins fail closed, until it answers again");
        } else {
            tracing::debug!(op = op.as_str(), %error, "Redis command failed");
        }
        Err(error)
    }

    /// PINGs Redis once, whatever its state; marks it up when it answers.
    pub async fn probe(&self) -> bool {
        let answered = self
            .attempt(RedisOp::Ping, |mut c| async move {
                redis::cmd("PING").query_async::<String>(&mut c).await
            })
            .await
            .is_ok();
        if answered && !self.inner.up.swap(true, Ordering::AcqRel) {
            self.inner.metrics.redis_up(true);
            tracing::info!("Redis is answering; using shared state");
        }
        answered
    }

    /// Probes a down Redis every [`PROBE_INTERVAL`], for as long as the returned task runs.
    pub fn spawn_prober(&self) -> tokio::task::JoinHandle<()> {
        let redis = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if !redis.is_up() {
                    redis.probe().await;
                }
            }
        })
    }
}
