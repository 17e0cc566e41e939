//! The in-process grant store: one map behind a mutex, keyed by the grant's kind and the
//! SHA-256 of its secret, each entry with its expiry on the monotonic clock.
//!
//! Expired entries are dropped when met (a read of one answers nothing and removes it) and in
//! sweeps over the whole map, which are amortised: one after [`SWEEP_EVERY`] new entries or as
//! many new entries as the map holds, whichever is more, and one when the map is at its
//! capacity — never while no entry can have expired yet (the earliest expiry is tracked), so a
//! full map refuses new entries in constant time instead of scanning it on every request. At capacity after purging, a new entry is refused
//! ([`GrantsError::Full`]): live grants are never dropped to make room.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::{Digest32, GrantKind, GrantsError};

/// New entries between two sweeps of expired ones.
pub(super) const SWEEP_EVERY: usize = 1024;

/// An entry's key: its kind and the SHA-256 of its secret.
pub(super) type Key = (GrantKind, Digest32);

/// The map, with its capacity.
pub(super) struct MemoryGrants {
    capacity: usize,
    state: Mutex<State>,
}

struct Entry {
    value: String,
    expires: Instant,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        now < self.expires
    }
}

struct State {
    entries: HashMap<Key, Entry>,
    /// New entries since the last sweep.
    inserts: usize,
    /// No entry expires before this (a lower bound: it may have been removed since).
    earliest: Option<Instant>,
}

impl State {
    /// Removes every expired entry and recomputes the earliest expiry.
    fn sweep(&mut self, now: Instant) {
        self.entries.retain(|_, entry| entry.live(now));
        self.earliest = self.entries.values().map(|entry| entry.expires).min();
        self.inserts = 0;
    }

    fn note_expiry(&mut self, expires: Instant) {
        self.earliest = Some(
            self.earliest
                .map_or(expires, |earliest| earliest.min(expires)),
        );
    }

    /// The entry under `key` if it is live; an expired one is removed.
    fn live(&mut self, key: &Key, now: Instant) -> Option<&mut Entry> {
        if self.entries.get(key).is_some_and(|entry| !entry.live(now)) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }
}

/// `now + ttl`, or a far future when that does not fit the clock.
fn expiry(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl)
        .or_else(|| now.checked_add(super::MAX_TTL))
        .unwrap_or(now)
}

impl MemoryGrants {
    /// An empty map for at most `capacity` live entries (at least 1).
    pub(super) fn new(capacity: usize) -> MemoryGrants {
        MemoryGrants {
            capacity: capacity.max(1),
            state: Mutex::new(State {
                entries: HashMap::new(),
                inserts: 0,
                earliest: None,
            }),
        }
    }

    /// The most live entries it holds.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change leaves the map consistent, so a panic elsewhere poisons nothing real.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `value` under `key` until `now + ttl`, replacing any entry there.
    pub(super) fn put(
        &self,
        key: Key,
        value: &str,
        ttl: Duration,
        now: Instant,
    ) -> Result<(), GrantsError> {
        let mut state = self.lock();
        let expires = expiry(now, ttl);
        if let Some(entry) = state.entries.get_mut(&key) {
            entry.value = value.to_owned();
            entry.expires = expires;
            state.note_expiry(expires);
            return Ok(());
        }
        let full = state.entries.len() >= self.capacity;
        let purgeable = state.earliest.is_some_and(|earliest| earliest <= now);
        let due = state.inserts >= SWEEP_EVERY.max(state.entries.len());
        if purgeable && (full || due) {
            state.sweep(now);
        }
        if state.entries.len() >= self.capacity {
            return Err(GrantsError::Full);
        }
        state.entries.insert(
            key,
            Entry {
                value: value.to_owned(),
                expires,
            },
        );
        state.inserts += 1;
        state.note_expiry(expires);
        Ok(())
    }

    /// The value under `key`, if live.
    pub(super) fn get(&self, key: &Key, now: Instant) -> Option<String> {
        self.lock().live(key, now).map(|entry| entry.value.clone())
    }

    /// Removes the entry under `key` and returns its value, if it was live.
    pub(super) fn take(&self, key: &Key, now: Instant) -> Option<String> {
        let entry = self.lock().entries.remove(key)?;
        entry.live(now).then_some(entry.value)
    }

    /// When `key` holds a live entry, gives it `value` until `now + ttl` and returns the old
    /// value; else stores nothing.
    pub(super) fn replace(
        &self,
        key: &Key,
        value: &str,
        ttl: Duration,
        now: Instant,
    ) -> Option<String> {
        let mut state = self.lock();
        let expires = expiry(now, ttl);
        let entry = state.live(key, now)?;
        let old = std::mem::replace(&mut entry.value, value.to_owned());
        entry.expires = expires;
        state.note_expiry(expires);
        Some(old)
    }

    /// Removes the entry under `key`, if any.
    pub(super) fn delete(&self, key: &Key) {
        self.lock().entries.remove(key);
    }

    /// How many entries it holds, expired ones not yet purged included.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
#[path = "memory_test.rs"]
mod tests;
