//! Per-address throttling: at most `limit` requests per `window` from one client address,
//! answered with 429 and `Retry-After` beyond that.
//!
//! Each address has a sliding window approximated by two fixed ones, as many rate limiters do:
//! the count of the current window plus the previous window's count weighted by the share of it
//! the sliding window still covers. That takes two counters and a start time per address,
//! whatever the limit (exact timestamps would take `limit` of them), and errs towards strictness
//! only for a client that bursts at a window's end. A refused request is not counted, so a
//! client that keeps retrying gets through as soon as the window allows.
//!
//! Addresses are spread over [`SHARDS`] mutexes by a keyed hash, so requests from different
//! clients rarely wait on each other. Memory is bounded: at most [`MAX_KEYS`] addresses are
//! tracked in all; when a shard is full, addresses whose windows have passed are dropped first,
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

/// One address's two fixed windows.
struct Bucket {
    /// Start of the current fixed window.
    start: Instant,
    /// Requests counted in the current window.
    current: u32,
    /// Requests counted in the window before it (0 when it saw none, or is further back).
    previous: u32,
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
        Throttle {
            limit,
            // A zero window would divide by zero below; a nanosecond is as good as none.
            window: window.max(Duration::from_nanos(1)),
            shard_capacity: (max_keys / SHARDS).max(1),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Counts one event for `key`; Err(retry_after) once `limit` events fell in the last
    /// `window`. `retry_after` is when the window will have room again, in whole seconds, at
    /// least one.
    pub fn hit(&self, key: IpAddr) -> Result<(), Duration> {
        self.hit_at(key, Instant::now())
    }

    fn hit_at(&self, key: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut shard = self.shard(key);
        if !shard.buckets.contains_key(&key) && shard.buckets.len() >= self.shard_capacity {
            shard.make_room(now, self.window, self.shard_capacity);
        }
        let bucket = shard.buckets.entry(key).or_insert(Bucket {
            start: now,
            current: 0,
            previous: 0,
            last: now,
        });
        bucket.advance(now, self.window);
        bucket.last = bucket.last.max(now);
        match bucket.wait(now, self.window, self.limit) {
            None => {
                bucket.current = bucket.current.saturating_add(1);
                Ok(())
            }
            Some(wait) => Err(round_up_to_seconds(wait).max(MIN_RETRY)),
        }
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
    /// Drops the addresses whose windows have passed; if the shard is still full, the
    /// longest-idle eighth of it.
    fn make_room(&mut self, now: Instant, window: Duration, capacity: usize) {
        self.buckets.retain(|_, bucket| !bucket.passed(now, window));
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
    /// Moves the fixed windows forward to the one holding `now`.
    fn advance(&mut self, now: Instant, window: Duration) {
        let elapsed = now.saturating_duration_since(self.start);
        if elapsed < window {
            return;
        }
        let windows = elapsed.as_nanos() / window.as_nanos();
        self.previous = if windows == 1 { self.current } else { 0 };
        self.current = 0;
        // `windows * window` <= `elapsed`, so this fits.
        let step = u32::try_from(windows)
            .ok()
            .and_then(|n| window.checked_mul(n))
            .unwrap_or(elapsed);
        self.start = self.start.checked_add(step).unwrap_or(now).min(now);
    }

    /// Whether both windows lie wholly in the past: the address counts for nothing any more.
    fn passed(&self, now: Instant, window: Duration) -> bool {
        now.saturating_duration_since(self.start) >= window.saturating_mul(2)
    }

    /// How long until one more request fits, or `None` when it fits now.
    ///
    /// With `e` the time into the current window `W`, the sliding estimate is
    /// `previous * (W - e) / W + current`; one more fits when it is at most `limit - 1`, i.e.
    /// `previous * (W - e) <= (limit - 1 - current) * W`. All in integer nanoseconds.
    fn wait(&self, now: Instant, window: Duration, limit: u32) -> Option<Duration> {
        let w = window.as_nanos();
        let e = now.saturating_duration_since(self.start).as_nanos().min(w);
        let previous = u128::from(self.previous);
        let current = u128::from(self.current);
        let limit = u128::from(limit);
        if current < limit {
            let room = (limit - 1 - current) * w;
            if previous * (w - e) <= room {
                return None;
            }
            // previous > 0 here. Fits once W - e' <= room / previous.
            let needed = w - room / previous;
            return Some(nanos(needed - e));
        }
        // The current window is full: wait for the next one, where this window's count becomes
        // the previous one and fits once W - e'' <= (limit - 1) * W / current.
        let needed = w - (limit - 1) * w / current;
        Some(nanos((w - e) + needed))
    }
}

fn nanos(n: u128) -> Duration {
    let secs = u64::try_from(n / 1_000_000_000).unwrap_or(u64::MAX);
    // The remainder is below 10^9.
    let sub = u32::try_from(n % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, sub)
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
