//! The map of one dedup shard: keys already digests, so hashed by folding their words, and a
//! map that never doubles in one go (see [`Table`]).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use super::SHARDS;

/// Hashes a local key by folding its words: the digest is already uniformly distributed, so
/// SipHash would only cost time.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A key as the local table stores it: the digest with the account folded in (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LocalKey(pub(super) [u64; 2]);

impl std::hash::Hash for LocalKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Both words are digest bits already; one write is all the map needs.
        state.write_u64(self.0[0] ^ self.0[1].rotate_left(32));
    }
}

/// What [`Table::read_or_insert`] found.
pub(super) enum Found<T, N> {
    /// The key had a record.
    Existing(T),
    /// It had none; one was inserted.
    Inserted(N),
}

pub(super) type KeyMap<V> = HashMap<LocalKey, V, BuildHasherDefault<KeyHasher>>;

/// Entries moved from the outgrown map to its successor per insert.
const MOVED_PER_INSERT: usize = 32;

/// A shard's records in a map that never doubles in one go. The shards fill evenly, so maps
/// left to grow by themselves would all rehash at about the same time, each rehash holding up
/// every request behind it: under a steady stream of new pushes that doubled the 99th
/// percentile latency. When the map is full, a map twice its size takes the new records and
/// the old one is moved over a few records per insert; lookups look in both meanwhile.
///
/// "Full" differs from shard to shard: between half and all of the map's capacity, by the
/// shard's index. Evenly filled shards that all handed over at the same fill would also touch
/// their new maps' memory for the first time together — a burst of page faults each time the
/// table doubles, the 99th percentile's main remaining cost — where staggered shards spread
/// it over the whole doubling.
pub(super) struct Table<V> {
    pub(super) map: KeyMap<V>,
    /// The outgrown map, while records are left in it.
    pub(super) old: KeyMap<V>,
    /// Where in the doubling this table hands over: 0 at half its capacity, up to
    /// [`STAGGER_STEPS`] at all of it.
    pub(super) stagger: usize,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            map: KeyMap::default(),
            old: KeyMap::default(),
            stagger: 0,
        }
    }
}

/// Steps between handing over at half a map's capacity and at all of it.
pub(super) const STAGGER_STEPS: usize = SHARDS;

impl<V> Table<V> {
    pub(super) fn len(&self) -> usize {
        self.map.len() + self.old.len()
    }

    /// The number of records at which the map hands over to a bigger one.
    pub(super) fn handover_at(&self) -> usize {
        let capacity = self.map.capacity();
        let half = capacity / 2;
        half + (capacity - half) * self.stagger.min(STAGGER_STEPS) / STAGGER_STEPS
    }

    pub(super) fn get(&self, key: &LocalKey) -> Option<&V> {
        self.map.get(key).or_else(|| self.old.get(key))
    }

    pub(super) fn get_mut(&mut self, key: &LocalKey) -> Option<&mut V> {
        if self.map.contains_key(key) {
            self.map.get_mut(key)
        } else {
            self.old.get_mut(key)
        }
    }

    pub(super) fn remove(&mut self, key: &LocalKey) {
        if self.map.remove(key).is_none() {
            self.old.remove(key);
        }
    }

    /// What `read` makes of the record of `key`, or, when there is none, what `make` returns
    /// besides the record it makes, which is inserted. One probe of the map for a new key.
    pub(super) fn read_or_insert<T, N>(
        &mut self,
        key: LocalKey,
        read: impl FnOnce(&V) -> T,
        make: impl FnOnce() -> (V, N),
    ) -> Found<T, N> {
        if let Some(record) = self.old.get(&key) {
            return Found::Existing(read(record));
        }
        if self.old.is_empty() && self.map.len() >= self.handover_at() {
            let bigger = KeyMap::with_capacity_and_hasher(
                (2 * self.map.capacity()).max(MOVED_PER_INSERT),
                BuildHasherDefault::default(),
            );
            self.old = std::mem::replace(&mut self.map, bigger);
        }
        let new = match self.map.entry(key) {
            Entry::Occupied(entry) => return Found::Existing(read(entry.get())),
            Entry::Vacant(entry) => {
                let (record, new) = make();
                entry.insert(record);
                new
            }
        };
        if !self.old.is_empty() {
            self.move_some();
        }
        Found::Inserted(new)
    }

    fn move_some(&mut self) {
        let mut keys = [LocalKey([0; 2]); MOVED_PER_INSERT];
        let mut count = 0;
        for (slot, key) in keys.iter_mut().zip(self.old.keys()) {
            *slot = *key;
            count += 1;
        }
        for key in &keys[..count] {
            if let Some(record) = self.old.remove(key) {
                self.map.insert(*key, record);
            }
        }
        if self.old.is_empty() {
            // Give its memory back.
            self.old = KeyMap::default();
        }
    }
}
