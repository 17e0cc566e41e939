//! The storage of one dedup shard: its records in a log, oldest first, found through a compact
//! index.
//!
//! Pushes are unique under load, so nearly every claim inserts, and the table grows for as long
//! as its ttl before anything leaves it. A hash map of keys and records touches a random place
//! in a table of up to hundreds of megabytes per insert, and doubles now and then (copying it
//! all, touching fresh memory). Here instead:
//! - the records sit in a **log** in the order they were queued: an insert appends, expiry
//!   takes from the front, so the memory a record is written to is the memory the last one was
//!   written next to, and the log never moves what it holds (it is made of fixed-size chunks);
//! - the **index** holds 8 bytes a record: a 32-bit tag of the key and the record's sequence
//!   number in the log. At a million records it is a few megabytes, which stay in the
//!   processor's cache where the records would not; a lookup reads the one record whose tag
//!   matches (a 31-bit match by chance is one lookup in two billion).
//!
//! The index is open addressing with linear probing, a slot's home taken from the tag, so that
//! it can be grown and entries deleted (by shifting the following ones back) without reading
//! the records.

use std::collections::VecDeque;

/// A key as the local table stores it: the digest with the account folded in (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LocalKey(pub(super) [u64; 2]);

impl LocalKey {
    /// The key's tag in the index: 32 digest bits, never 0 (0 is an empty slot). The home slot
    /// is taken from its low bits; the shard was picked by other bits of the digest.
    fn tag(&self) -> u32 {
        ((self.0[0] >> 32) as u32).max(1)
    }
}

/// What [`Table::read_or_insert`] found.
pub(super) enum Found<T, N> {
    /// The key had a record.
    Existing(T),
    /// It had none; one was inserted.
    Inserted(N),
}

/// Records per chunk of the log (56 bytes each for the dedup's records: 56 KiB a chunk).
pub(super) const CHUNK: usize = 1024;

/// The fewest index slots a table that holds anything has.
pub(super) const MIN_SLOTS: usize = 64;

/// The index is grown past this share of its slots (3/4): linear probing's searches stay short.
fn too_full(records: usize, slots: usize) -> bool {
    records * 4 > slots * 3
}

/// A record in the log: its key, the time it was queued at (what the log is ordered by), and
/// the value.
struct Entry<V> {
    key: LocalKey,
    queued: u64,
    value: V,
}

/// A shard's records: see the module's documentation.
pub(super) struct Table<V> {
    /// Index slots, a power of two of them (or none): 0 when empty, else the tag in the high
    /// 32 bits and the sequence number of the record in the low ones.
    slots: Vec<u64>,
    /// The log: chunks of [`CHUNK`] records, all full but the first (records taken from its
    /// front) and the last (records added to its back).
    chunks: VecDeque<VecDeque<Entry<V>>>,
    /// The sequence number of the record at the front of the log; the next ones follow it
    /// (wrapping: fewer than 2^32 records are ever held).
    head: u32,
    /// Records held.
    len: usize,
    /// The time the record at the front of the log was queued at (when there is one): the
    /// expiry check before every claim reads it here, not from the oldest record, which is
    /// cold in the cache.
    front_queued: u64,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            chunks: VecDeque::new(),
            head: 0,
            len: 0,
            front_queued: 0,
        }
    }
}

fn slot(tag: u32, seq: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(seq)
}

fn slot_tag(slot: u64) -> u32 {
    (slot >> 32) as u32
}

fn slot_seq(slot: u64) -> u32 {
    slot as u32
}

impl<V> Table<V> {
    /// An empty table whose first record gets sequence number `head` (tests start near the
    /// wrap).
    #[cfg(test)]
    pub(super) fn starting_at(head: u32) -> Self {
        Table {
            head,
            ..Table::default()
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Index slots (tests check growing and shrinking).
    #[cfg(test)]
    pub(super) fn slots(&self) -> usize {
        self.slots.len()
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The chunk and the index in it of the record at `position` in the log (`None` past its
    /// end: never for a position the index holds).
    fn locate(&self, position: usize) -> Option<(usize, usize)> {
        let first = self.chunks.front()?.len();
        if position < first {
            Some((0, position))
        } else if position < self.len {
            let rest = position - first;
            Some((1 + rest / CHUNK, rest % CHUNK))
        } else {
            None
        }
    }

    fn entry(&self, position: usize) -> Option<&Entry<V>> {
        let (chunk, index) = self.locate(position)?;
        self.chunks.get(chunk)?.get(index)
    }

    fn entry_mut(&mut self, position: usize) -> Option<&mut Entry<V>> {
        let (chunk, index) = self.locate(position)?;
        self.chunks.get_mut(chunk)?.get_mut(index)
    }

    /// Where `key` is: `Ok((log position, its record))`, or `Err(the empty slot that ends its
    /// search)`. The index must have slots.
    fn find(&self, key: &LocalKey) -> Result<(usize, &Entry<V>), usize> {
        let tag = key.tag();
        let mask = self.mask();
        let mut index = tag as usize & mask;
        loop {
            let slot = self.slots[index];
            if slot == 0 {
                return Err(index);
            }
            if slot_tag(slot) == tag {
                let position = slot_seq(slot).wrapping_sub(self.head) as usize;
                if let Some(entry) = self.entry(position).filter(|entry| entry.key == *key) {
                    return Ok((position, entry));
                }
            }
            index = (index + 1) & mask;
        }
    }

    /// The slot index holding exactly `wanted` (a record in the table: always found).
    fn slot_of(&self, wanted: u64) -> Option<usize> {
        let mask = self.mask();
        let home = slot_tag(wanted) as usize & mask;
        (0..self.slots.len())
            .map(|step| (home + step) & mask)
            .find(|&index| self.slots[index] == wanted)
    }

    /// The log position and record of `key`, if it has one.
    fn lookup(&self, key: &LocalKey) -> Option<(usize, &Entry<V>)> {
        if self.len == 0 {
            return None;
        }
        self.find(key).ok()
    }

    pub(super) fn get(&self, key: &LocalKey) -> Option<&V> {
        self.lookup(key).map(|(_, entry)| &entry.value)
    }

    pub(super) fn get_mut(&mut self, key: &LocalKey) -> Option<&mut V> {
        let (position, _) = self.lookup(key)?;
        Some(&mut self.entry_mut(position)?.value)
    }

    /// What `read` makes of the record of `key`, or, when there is none, what `make` returns
    /// besides the record it makes, which is appended to the log, queued at `queued`.
    pub(super) fn read_or_insert<T, N>(
        &mut self,
        key: LocalKey,
        queued: u64,
        read: impl FnOnce(&V) -> T,
        make: impl FnOnce() -> (V, N),
    ) -> Found<T, N> {
        if too_full(self.len + 1, self.slots.len()) {
            self.resize((2 * self.slots.len()).max(MIN_SLOTS));
        }
        let vacant = match self.find(&key) {
            Ok((_, entry)) => return Found::Existing(read(&entry.value)),
            Err(vacant) => vacant,
        };
        let (value, new) = make();
        self.slots[vacant] = slot(key.tag(), self.head.wrapping_add(self.len as u32));
        self.push_back(Entry { key, queued, value });
        Found::Inserted(new)
    }

    fn push_back(&mut self, entry: Entry<V>) {
        if self.len == 0 {
            self.front_queued = entry.queued;
        }
        match self.chunks.back_mut() {
            Some(last) if last.len() < CHUNK => last.push_back(entry),
            _ => {
                let mut chunk = VecDeque::with_capacity(CHUNK);
                chunk.push_back(entry);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    fn pop_entry(&mut self) -> Option<Entry<V>> {
        let first = self.chunks.front_mut()?;
        let entry = first.pop_front()?;
        if first.is_empty() {
            self.chunks.pop_front();
        }
        self.head = self.head.wrapping_add(1);
        self.len -= 1;
        if let Some(next) = self.chunks.front().and_then(|c| c.front()) {
            self.front_queued = next.queued;
        }
        Some(entry)
    }

    /// The time the record at the front of the log was queued at, without reading the record.
    pub(super) fn front_queued(&self) -> Option<u64> {
        (self.len > 0).then_some(self.front_queued)
    }

    /// The record at the front of the log (the first queued; [`Table::front_queued`] says when).
    pub(super) fn front(&self) -> Option<&V> {
        self.chunks.front()?.front().map(|entry| &entry.value)
    }

    /// Drops the record at the front of the log.
    pub(super) fn pop_front(&mut self) {
        let Some(key) = self.chunks.front().and_then(|c| c.front()).map(|e| e.key) else {
            return;
        };
        let hole = self.slot_of(slot(key.tag(), self.head));
        self.pop_entry();
        if let Some(hole) = hole {
            self.delete_slot(hole);
        }
        if self.slots.len() > MIN_SLOTS && self.len * 16 < self.slots.len() {
            // Mostly empty after a burst expired: give the memory back.
            self.resize((self.len * 4).next_power_of_two().max(MIN_SLOTS));
        }
    }

    /// Moves the record at the front of the log to its back, queued at `queued`.
    pub(super) fn requeue_front(&mut self, queued: u64) {
        let Some(key) = self.chunks.front().and_then(|c| c.front()).map(|e| e.key) else {
            return;
        };
        let index = self.slot_of(slot(key.tag(), self.head));
        let seq = self.head.wrapping_add(self.len as u32);
        if let (Some(index), Some(entry)) = (index, self.pop_entry()) {
            self.slots[index] = slot(key.tag(), seq);
            self.push_back(Entry { queued, ..entry });
        }
    }

    /// Empties slot `hole`, shifting back the slots after it that it would cut off from their
    /// home.
    fn delete_slot(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut next = (hole + 1) & mask;
        loop {
            let slot = self.slots[next];
            if slot == 0 {
                break;
            }
            let home = slot_tag(slot) as usize & mask;
            // The entry may move to the hole when the hole is no nearer to `next` than its home.
            if next.wrapping_sub(home) & mask >= next.wrapping_sub(hole) & mask {
                self.slots[hole] = slot;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = 0;
    }

    /// Rebuilds the index with `slots` slots (a power of two, more than the records need).
    fn resize(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, written_zeroes(slots));
        let mask = slots - 1;
        for slot in old.into_iter().filter(|&slot| slot != 0) {
            let mut index = slot_tag(slot) as usize & mask;
            while self.slots[index] != 0 {
                index = (index + 1) & mask;
            }
            self.slots[index] = slot;
        }
    }
}

/// `len` zeroes, written rather than allocated zeroed: the index reads its new slots before it
/// writes them, and a read of untouched memory maps the shared zero page, which the write
/// then replaces — two page faults for each page instead of one. (The allocation passes
/// through `black_box` so that the compiler cannot turn allocation and zeroing back into a
/// zeroed allocation.)
fn written_zeroes(len: usize) -> Vec<u64> {
    let mut zeroes = std::hint::black_box(Vec::with_capacity(len));
    zeroes.resize(len, 0);
    zeroes
}
