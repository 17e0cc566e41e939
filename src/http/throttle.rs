//! Per-address throttling: `limit` requests per `window` from one client address, answered with
//! 429 and `Retry-After` beyond that.
//!
//! Each address has a token bucket of `limit` requests that refills one request every
//! `window / limit`, kept as one instant (the generic cell rate algorithm): the "theoretical
//! arrival time" `tat`, which each allowed request moves on by `window / limit`. A request at
//! `now` fits while `tat - now` is at most `window - window / limit`, so a quiet client may burst
//! `limit` requests at once, and a steady one send `limit` per `window`; a refused one is told to
//! come back when the next request fits, never more than `window / limit` later. A refused
//! request is not counted, so a client that keeps retrying gets through as soon as it fits.
//!
//! Addresses are spread over [`SHARDS`] mutexes by a keyed hash, so requests from different
//! clients rarely wait on each other. Memory is bounded: at most [`MAX_KEYS`] addresses are
//! tracked in all; when a shard is full, addresses whose buckets are full again are dropped first,
//! then the longest-idle eighth of the shard (amortised: one scan makes room for many new
//! addresses). A dropped address starts afresh, which only ever errs towards letting a
//! request through.
//!
//! Time is the monotonic [`tokio::time::Instant`].

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How many addresses are tracked at most.
pub const MAX_KEYS: usize = 100_000;

/// How many independently locked parts the table has.
pub const SHARDS: usize = 16;

/// The shortest `Retry-After` given.
const MIN_RETRY: Duration = Duration::from_secs(1);

/// A per-address rate limit. `Sync`: share one per limited route.
pub struct Throttle {
    limit: u32,
    window: Duration,
    /// `window / limit`: the time one request takes to refill.
    interval: Duration,
    /// `window - interval`: how far ahead of now `tat` may run and still let a request in.
    tolerance: Duration,
    /// Addresses per shard at most.
    shard_capacity: usize,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Shard {
    buckets: HashMap<IpAddr, Bucket>,
}

/// One address's bucket.
struct Bucket {
    /// When the bucket will be full again: every allowed request moves it on by one interval.
    tat: Instant,
    /// The last request counted or refused: what eviction orders by.
    last: Instant,
}

impl Throttle {
    /// At most `limit` requests per `window` per address; `limit` 0 never throttles.
    pub fn new(limit: u32, window: Duration) -> Throttle {
        Throttle::with_capacity(limit, window, MAX_KEYS)
    }

    /// As [`Throttle::new`], tracking at most `max_keys` addresses (rounded down to a multiple
    /// of [`SHARDS`], at least one per shard).
    fn with_capacity(limit: u32, window: Duration, max_keys: usize) -> Throttle {
        let window = window.max(Duration::from_nanos(1));
        let interval = window / limit.max(1);
        Throttle {
            limit,
            window,
            interval,
            tolerance: window.saturating_sub(interval),
            shard_capacity: (max_keys / SHARDS).max(1),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Counts one request from `key`; `Err(retry_after)` when its bucket is empty, with
    /// `retry_after` the time until the next request fits, in whole seconds, at least one (and
    /// at most `window / limit`, rounded up).
    pub fn hit(&self, key: IpAddr) -> Result<(), Duration> {
        self.hit_at(key, Instant::now())
    }

    fn hit_at(&self, key: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut shard = self.shard(key);
        if !shard.buckets.contains_key(&key) && shard.buckets.len() >= self.shard_capacity {
            shard.make_room(now, self.shard_capacity);
        }
        let bucket = shard.buckets.entry(key).or_insert(Bucket {
            tat: now,
            last: now,
        });
        bucket.last = bucket.last.max(now);
        let tat = bucket.tat.max(now);
        let ahead = tat.saturating_duration_since(now);
        if ahead > self.tolerance {
            return Err(round_up_to_seconds(ahead - self.tolerance).max(MIN_RETRY));
        }
        bucket.tat = tat + self.interval;
        Ok(())
    }

    fn shard(&self, key: IpAddr) -> MutexGuard<'_, Shard> {
        // `hash_one` is keyed per process: a client cannot aim all its addresses at one shard.
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        // Counters are consistent after any panic: a poisoned lock is as good as any.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// How many addresses are tracked now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        (0..SHARDS)
            .map(|index| {
                self.shards[index]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .buckets
                    .len()
            })
            .sum()
    }
}

impl Shard {
    /// Drops the addresses whose buckets are full again; if the shard is still full, the
    /// longest-idle eighth of it.
    fn make_room(&mut self, now: Instant, capacity: usize) {
        self.buckets.retain(|_, bucket| !bucket.passed(now));
        if self.buckets.len() < capacity {
            return;
        }
        let drop = (capacity / 8).max(1).min(self.buckets.len());
        let mut lasts: Vec<Instant> = self.buckets.values().map(|bucket| bucket.last).collect();
        let (_, cutoff, _) = lasts.select_nth_unstable(drop - 1);
        let cutoff = *cutoff;
        let mut left = drop;
        self.buckets.retain(|_, bucket| {
            if left > 0 && bucket.last <= cutoff {
                left -= 1;
                false
            } else {
                true
            }
        });
    }
}

impl Bucket {
    /// Whether the bucket is full again: the address counts for nothing any more.
    fn passed(&self, now: Instant) -> bool {
        self.tat <= now
    }
}

fn round_up_to_seconds(duration: Duration) -> Duration {
    let whole = duration.as_secs();
    Duration::from_secs(if duration.subsec_nanos() > 0 {
        whole.saturating_add(1)
    } else {
        whole
    })
}

#[cfg(test)]
#[path = "throttle_test.rs"]
mod tests;
