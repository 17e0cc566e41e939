//! Step 7: WeChat retries a push it got no answer to within 5 s, three attempts in all. The
//! handler must run once per push; a retry gets the original's reply, and a retry that arrives
//! while the original is still running waits for it instead of running the handler again.
//!
//! The table is sharded (a mutex per shard, picked by the key's digest) and holds per push
//! either the [`Slot`] its requests wait on while the handler runs, or, once it has finished,
//! just what a retry needs to get the same answer: the reply (a text reply's content, else the
//! reply's XML body) and the CreateTime it was rendered with; the XML is rendered again from
//! those, byte for byte. Each shard keeps its records in a log in queue order, found through a
//! compact index (`dedup/table.rs`): a remembered push costs a fixed-size record in the log
//! and a slot or two in the index, its reply text apart (the memory of a million is measured in
//! BENCHMARKS.md). Entries expire `ttl_secs` after the handler completes (an entry
//! whose handler hangs, `ttl_secs` after it started); past `capacity` the oldest go first.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use sha1::{Digest, Sha1};
use tokio::sync::Notify;
use tokio::time::Instant;
use wxgate_handlers::{Message, Reply};

use crate::{clock, wire};

mod table;

use table::{Found, LocalKey, Table};

/// Identifies one push within one account: `MsgId` (or `MsgID`) when the push has one; else
/// the event's own id when the catalogue names one ([`Event::id_fields`]: a media check's
/// `trace_id`, an order id, ...) and the push carries it — two media checks in the same second
/// are two pushes; else sender, CreateTime, event and event key — two menu clicks by one user
/// in the same second are two pushes.
///
/// [`Event::id_fields`]: wxgate_handlers::Event::id_fields
///
/// Kept as a 128-bit digest of those fields (SHA-1, truncated): 20 bytes per entry whatever
/// the sender's length, and the same value on every instance, so it also names the push in
/// Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DedupKey {
    account: u32,
    digest: [u64; 2],
}

impl DedupKey {
    /// The key of `message` received by the account with index `account`.
    pub fn of(account: u32, message: &Message) -> Self {
        let mut hasher = Sha1::new();
        match message.msg_id() {
            Some(msg_id) => {
                hasher.update(b"id");
                hasher.update(SEP);
                hasher.update(msg_id.as_bytes());
            }
            None if own_id(message, &mut hasher) => {}
            None => {
                hasher.update(b"ev");
                for part in [
                    message.from_user.as_str(),
                    &message.create_time.to_string(),
                    message.msg_type(),
                    message.event_name().unwrap_or_default(),
                    message.event_key().unwrap_or_default(),
                ] {
                    hasher.update(SEP);
                    hasher.update(part.as_bytes());
                }
            }
        }
        let digest = hasher.finalize();
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest[i * 8..i * 8 + 8]);
            u64::from_be_bytes(bytes)
        };
        DedupKey {
            account,
            digest: [word(0), word(1)],
        }
    }

    /// The digest as 32 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.digest[0], self.digest[1])
    }
}

/// Separates the parts of a key in its digest.
const SEP: &[u8] = b"\x1f";

/// Hashes the event's own id into `hasher` (its name, then each id field present), when the
/// event has id fields and the push carries at least one; else leaves `hasher` untouched.
fn own_id(message: &Message, hasher: &mut Sha1) -> bool {
    let Some(event) = message.event() else {
        return false;
    };
    let fields = event.id_fields();
    if !fields
        .iter()
        .any(|path| message.raw.text_at(path).is_some())
    {
        return false;
    }
    hasher.update(b"eid");
    hasher.update(SEP);
    hasher.update(event.name().as_bytes());
    for path in fields {
        hasher.update(SEP);
        hasher.update(message.raw.text_at(path).unwrap_or_default().as_bytes());
    }
    true
}

/// Where a finished handler's reply goes; see [`Slot::complete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Decide here, from the requests waiting on this slot: push when `can_push` (the account
    /// has a customer-service channel) and no waiting request can carry the reply (none waits,
    /// or `passive` is false: a JSON push).
    Local {
        /// The reply may go out through the customer-service API.
        can_push: bool,
        /// A waiting request can carry the reply.
        passive: bool,
    },
    /// Already decided elsewhere (by the shared dedup in Redis): push or not.
    Decided(bool),
}

/// A finished handler's reply: the plaintext XML a passive answer carries, and the reply
/// itself for the customer-service API.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The passive reply XML.
    pub xml: Bytes,
    /// The reply, to push through the customer-service API when no request can carry it.
    pub reply: Reply,
    /// The CreateTime in `xml`: retries get the reply rendered again with it, byte for byte.
    pub create_time: u64,
}

impl Rendered {
    /// Renders `reply` as the answer to `message`, created at `create_time`.
    pub fn new(reply: Reply, message: &Message, create_time: u64) -> Self {
        let xml = wire::render_reply(&reply, &message.from_user, &message.to_user, create_time);
        Rendered {
            xml: xml.into(),
            reply,
            create_time,
        }
    }
}

/// What a finished handler left: its rendered reply, or `None` for no reply.
pub type Answer = Option<Arc<Rendered>>;

/// What a request waiting on a slot gets.
#[derive(Debug, PartialEq, Eq)]
pub enum Waited {
    /// The handler finished in time: answer with this reply XML (no reply when `None`).
    Answer(Option<Bytes>),
    /// The reply went out through the customer-service API: answer `success`.
    Pushed,
    /// The deadline came first: answer `success`.
    Deadline,
}

/// The shared state of one push: in flight until [`Slot::complete`], then done.
///
/// Every request for the push (the original and its retries) waits on the slot. When the
/// handler finishes, one decision is taken under the slot's lock: if a request is waiting, the
/// reply goes back passively to every waiting request; if none is (they all gave up at their
/// deadline) the reply is to be pushed through the customer-service API, and later retries
/// answer `success`. So a reply is delivered exactly once, either way.
#[derive(Debug, Default)]
pub struct Slot {
    state: Mutex<SlotState>,
    done: Notify,
}

#[derive(Debug, Default)]
struct SlotState {
    /// Set once the handler finished: its reply XML, if any.
    answer: Option<Option<Bytes>>,
    waiting: u32,
    pushed: bool,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // The lock is never held across anything that can panic; recover the state anyway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the handler's answer and wakes every waiter; `decision` says where the reply
    /// goes. Returns true when the caller must push the reply now (never for no reply). Later
    /// calls are ignored and return false.
    pub fn complete(&self, answer: Answer, decision: Decision) -> bool {
        let push = {
            let mut state = self.lock();
            if state.answer.is_some() {
                return false;
            }
            let push = answer.is_some()
                && match decision {
                    Decision::Local { can_push, passive } => {
                        can_push && (state.waiting == 0 || !passive)
                    }
                    Decision::Decided(push) => push,
                };
            state.answer = Some(answer.map(|rendered| rendered.xml.clone()));
            state.pushed = push;
            push
        };
        self.done.notify_waiters();
        push
    }

    /// Waits for the handler's answer until `deadline`, counted among the waiters meanwhile.
    pub async fn wait(self: &Arc<Self>, deadline: Instant) -> Waited {
        self.waiter().wait(deadline).await
    }

    /// Counts a request among the waiters from now on (see [`Waiter`]).
    pub fn waiter(self: &Arc<Self>) -> Waiter {
        self.lock().waiting += 1;
        Waiter {
            slot: self.clone(),
            counted: true,
        }
    }

    /// Whether the handler has finished.
    pub fn is_done(&self) -> bool {
        self.lock().answer.is_some()
    }
}

/// A request waiting for a slot's answer. It counts as waiting from its creation — for the
/// request that claimed the push, from the claim, so that a handler finishing at once (even
/// before the request gets to wait) answers it passively — until it has its answer, or is
/// dropped (the client went away): a reply is never left to a request that cannot carry it.
#[derive(Debug)]
pub struct Waiter {
    slot: Arc<Slot>,
    counted: bool,
}

impl Waiter {
    /// The slot waited on.
    pub fn slot(&self) -> &Arc<Slot> {
        &self.slot
    }

    /// Waits for the handler's answer until `deadline`.
    pub async fn wait(mut self, deadline: Instant) -> Waited {
        let ready = self.slot.lock().outcome();
        if let Some(waited) = ready {
            return waited; // dropping `self` leaves the waiters
        }
        let notified = self.slot.done.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let finished = self.slot.lock().answer.is_some();
        if !finished {
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
        // Leave the waiters and read the outcome under one lock: a handler completing at the
        // deadline either saw this request waiting (and left the reply to it) or did not.
        let mut state = self.slot.lock();
        state.waiting -= 1;
        self.counted = false;
        state.outcome().unwrap_or(Waited::Deadline)
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if self.counted {
            self.slot.lock().waiting -= 1;
        }
    }
}

impl SlotState {
    fn outcome(&self) -> Option<Waited> {
        let answer = self.answer.as_ref()?;
        Some(if self.pushed {
            Waited::Pushed
        } else {
            Waited::Answer(answer.clone())
        })
    }
}

/// Whether this request is the first sight of its push.
#[derive(Debug)]
pub enum Claim {
    /// First sight: the caller runs the handler and fills the slot; it already counts as
    /// waiting for the answer.
    First(Waiter),
    /// A retry while the handler runs: the caller waits on the slot.
    Running(Arc<Slot>),
    /// A retry after the handler finished: the caller answers at once.
    Done(Finished),
}

/// What a finished push left for its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    reply: Option<StoredReply>,
    create_time: u32,
    pushed: bool,
}

/// A finished push's reply, kept small for its retries: the content of a text reply (most
/// replies), else the reply's body ([`wire::render_reply_body`]); the first byte says which.
/// The head of the XML is not kept: a retry carries the same users, and the CreateTime is
/// kept beside.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredReply(Box<str>);

impl StoredReply {
    fn new(reply: &Reply) -> Self {
        let (tag, kept) = match reply {
            Reply::Text(content) => ('t', content.as_str()),
            other => ('b', &*wire::render_reply_body(other)),
        };
        let mut stored = String::with_capacity(1 + kept.len());
        stored.push(tag);
        stored.push_str(kept);
        StoredReply(stored.into_boxed_str())
    }

    /// The XML it was first rendered as, byte for byte.
    fn render(&self, message: &Message, create_time: u64) -> String {
        let (to, from) = (&message.from_user, &message.to_user);
        match self.0.split_at_checked(1) {
            Some(("t", content)) => {
                wire::render_reply(&Reply::Text(content.to_owned()), to, from, create_time)
            }
            Some((_, body)) => wire::render_reply_with_body(to, from, create_time, body),
            None => wire::render_reply_with_body(to, from, create_time, ""),
        }
    }
}

impl Finished {
    /// The answer for a retry of the push `message`: the same reply, rendered again with the
    /// same CreateTime, so byte for byte what the first answer carried.
    pub fn waited(&self, message: &Message) -> Waited {
        if self.pushed {
            return Waited::Pushed;
        }
        Waited::Answer(
            self.reply
                .as_ref()
                .map(|reply| Bytes::from(reply.render(message, u64::from(self.create_time)))),
        )
    }
}

/// Shards of the table; a power of two.
const SHARDS: usize = 64;

/// The most records a shard holds (a billion; its log numbers them in 32 bits).
const MAX_PER_SHARD: usize = 1 << 30;

impl From<&DedupKey> for LocalKey {
    fn from(key: &DedupKey) -> Self {
        let account = u64::from(key.account).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        LocalKey([key.digest[0] ^ account, key.digest[1]])
    }
}

/// Milliseconds since the table was created.
type Millis = u64;

/// One push in the table, from its claim until it expires (32 bytes, plus a finished push's
/// reply).
struct Record {
    state: State,
    expires: Millis,
}

enum State {
    /// The handler runs: the slot its requests wait on.
    Running(Arc<Slot>),
    /// The handler finished.
    Done(Finished),
}

/// One shard: running and finished pushes together (completing a push updates in place the
/// record its claim just touched), queued in the order of the expiry they had when queued.
/// A record that got a later expiry since (its handler completed) is queued again when it
/// comes up, so the log stays in expiry order.
#[derive(Default)]
struct Shard {
    table: Table<Record>,
}

impl Shard {
    /// Drops expired entries, and the oldest beyond `capacity`.
    fn evict(&mut self, now: Millis, capacity: usize) {
        while let Some(queued) = self.table.front_queued() {
            let over = self.table.len() > capacity;
            if queued > now && !over {
                break;
            }
            let Some(record) = self.table.front() else {
                break;
            };
            let expires = record.expires;
            if expires <= now || over {
                self.table.pop_front();
            } else {
                self.table.requeue_front(expires);
            }
        }
    }
}

/// The in-memory dedup table shared by every worker.
#[derive(Clone)]
pub struct Dedup {
    shards: Arc<[Mutex<Shard>]>,
    /// [`clock::monotonic_millis`] when the table was created.
    epoch: Millis,
    ttl: Millis,
    capacity_per_shard: usize,
}

impl Dedup {
    /// A table holding about `capacity` pushes, each for `ttl` after its handler completed.
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        Dedup {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            epoch: clock::monotonic_millis(),
            ttl: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            // A shard's log numbers its records in 32 bits.
            capacity_per_shard: capacity.div_ceil(SHARDS).clamp(1, MAX_PER_SHARD),
        }
    }

    fn now(&self) -> Millis {
        // A coarse clock: expiry is in seconds in practice, and a push reads it twice.
        clock::monotonic_millis().saturating_sub(self.epoch)
    }

    fn shard(&self, key: LocalKey) -> MutexGuard<'_, Shard> {
        // The top bits of the digest pick the shard; the map hashes all of it.
        let index = (key.0[1] >> (u64::BITS - SHARDS.trailing_zeros())) as usize;
        // No code that can panic runs under the lock; recover the map anyway.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Atomically claims `key`: exactly one caller per live key gets [`Claim::First`].
    pub fn claim(&self, key: &DedupKey) -> Claim {
        let key = LocalKey::from(key);
        let now = self.now();
        let mut shard = self.shard(key);
        shard.evict(now, self.capacity_per_shard);
        let expires = now.saturating_add(self.ttl);
        let found = shard.table.read_or_insert(
            key,
            expires,
            |record| match &record.state {
                State::Done(finished) => Claim::Done(finished.clone()),
                State::Running(slot) => Claim::Running(slot.clone()),
            },
            || {
                let slot = Arc::<Slot>::default();
                // The claiming request waits from now on.
                let waiter = slot.waiter();
                let record = Record {
                    state: State::Running(slot),
                    expires,
                };
                (record, waiter)
            },
        );
        match found {
            Found::Existing(claim) => claim,
            Found::Inserted(waiter) => Claim::First(waiter),
        }
    }

    /// Completes the slot of `key` (see [`Slot::complete`]; the return value says whether to
    /// push) and remembers the push for `ttl` from now, however long the handler ran.
    pub fn complete(
        &self,
        key: DedupKey,
        slot: &Arc<Slot>,
        answer: Answer,
        decision: Decision,
    ) -> bool {
        let finished = Finished {
            reply: answer.as_ref().map(|r| StoredReply::new(&r.reply)),
            // A reply is rendered at the current time: u32 seconds last until 2106.
            create_time: answer
                .as_ref()
                .map_or(0, |r| u32::try_from(r.create_time).unwrap_or(u32::MAX)),
            pushed: false,
        };
        let push = slot.complete(answer, decision);
        let key = LocalKey::from(&key);
        let now = self.now();
        let mut shard = self.shard(key);
        // Only if the entry is still this slot: a slot that expired while its handler ran
        // must not overwrite a newer claim of the same key.
        if let Some(record) = shard.table.get_mut(&key) {
            if matches!(&record.state, State::Running(running) if Arc::ptr_eq(running, slot)) {
                record.state = State::Done(Finished {
                    pushed: push,
                    ..finished
                });
                record.expires = now.saturating_add(self.ttl);
            }
        }
        shard.evict(now, self.capacity_per_shard);
        push
    }

    /// Whether this process has finished handling `key` (and still remembers its answer).
    pub fn is_done(&self, key: &DedupKey) -> bool {
        let key = LocalKey::from(key);
        let now = self.now();
        let shard = self.shard(key);
        shard
            .table
            .get(&key)
            .is_some_and(|record| matches!(record.state, State::Done(_)) && record.expires > now)
    }

    /// The number of live entries (expired ones are dropped as the table is used).
    pub fn len(&self) -> u64 {
        let now = self.now();
        self.shards
            .iter()
            .map(|shard| {
                let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.evict(now, self.capacity_per_shard);
                shard.table.len() as u64
            })
            .sum()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for Dedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dedup")
            .field("ttl_ms", &self.ttl)
            .field("shards", &SHARDS)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "dedup_test.rs"]
mod tests;
