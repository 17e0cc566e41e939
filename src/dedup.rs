//! Step 7: WeChat retries a push it got no answer to within 5 s, three attempts in all. The
//! handler must run once per push; a retry gets the original's reply, and a retry that arrives
//! while the original is still running waits for it instead of running the handler again.
//!
//! One [`Slot`] per push key lives in a concurrent cache (moka: sharded, no lock around the
//! whole map). The slot is created in flight and completed once with the rendered reply;
//! entries expire `ttl_secs` after their last write, i.e. after the handler completes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use moka::sync::Cache;
use sha1::{Digest, Sha1};
use tokio::sync::Notify;
use tokio::time::Instant;
use wxgate_handlers::{Message, Reply};

/// Identifies one push within one account: `MsgId` (or `MsgID`) when the push has one, else
/// sender, CreateTime, event and event key — two menu clicks by one user in the same second are
/// two pushes.
///
/// Kept as a 128-bit digest of those fields (SHA-1, truncated): 20 bytes per entry whatever
/// the sender's length, and the same value on every instance, so it also names the push in
/// Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DedupKey {
    account: u32,
    digest: u128,
}

impl DedupKey {
    /// The key of `message` received by the account with index `account`.
    pub fn of(account: u32, message: &Message) -> Self {
        const SEP: &[u8] = b"\x1f";
        let mut hasher = Sha1::new();
        match message.msg_id() {
            Some(msg_id) => {
                hasher.update(b"id");
                hasher.update(SEP);
                hasher.update(msg_id.as_bytes());
            }
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
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        DedupKey {
            account,
            digest: u128::from_be_bytes(first),
        }
    }

    /// The digest as 32 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.digest)
    }
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
    /// The passive reply XML (CreateTime fixed at render time, so retries get it byte for byte).
    pub xml: Bytes,
    /// The reply, to push through the customer-service API when no request can carry it.
    pub reply: Reply,
}

/// What a finished handler left: its rendered reply, or `None` for no reply.
pub type Answer = Option<Arc<Rendered>>;

/// What a request waiting on a slot gets.
#[derive(Debug, PartialEq, Eq)]
pub enum Waited {
    /// The handler finished in time: answer with this (no reply when `None`).
    Answer(Answer),
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
    claimed: AtomicBool,
    state: Mutex<SlotState>,
    done: Notify,
}

#[derive(Debug, Default)]
struct SlotState {
    answer: Option<Answer>,
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
            state.answer = Some(answer);
            state.pushed = push;
            push
        };
        self.done.notify_waiters();
        push
    }

    /// Waits for the handler's answer until `deadline`.
    pub async fn wait(&self, deadline: Instant) -> Waited {
        {
            let mut state = self.lock();
            if let Some(waited) = state.outcome() {
                return waited;
            }
            state.waiting += 1;
        }
        let notified = self.done.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let finished = self.lock().answer.is_some();
        if !finished {
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
        let mut state = self.lock();
        state.waiting -= 1;
        state.outcome().unwrap_or(Waited::Deadline)
    }

    /// Whether the handler has finished.
    pub fn is_done(&self) -> bool {
        self.lock().answer.is_some()
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
    /// First sight: the caller runs the handler and fills the slot.
    First(Arc<Slot>),
    /// A retry: the caller waits on the slot.
    Duplicate(Arc<Slot>),
}

/// The in-memory dedup table shared by every worker.
#[derive(Clone)]
pub struct Dedup {
    cache: Cache<DedupKey, Arc<Slot>>,
}

impl Dedup {
    /// A table holding about `capacity` pushes, each for `ttl` after its last change.
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        Dedup {
            cache: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// Atomically claims `key`: exactly one caller per live key gets [`Claim::First`].
    ///
    /// moka coalesces concurrent inserts of one key into one value, so every caller gets the
    /// same slot; which caller is first is then decided on the slot itself (`Entry::is_fresh`
    /// can be true for more than one racing caller).
    pub fn claim(&self, key: &DedupKey) -> Claim {
        let slot = self.cache.get_with_by_ref(key, Arc::default);
        if slot.claimed.swap(true, Ordering::AcqRel) {
            Claim::Duplicate(slot)
        } else {
            Claim::First(slot)
        }
    }

    /// Completes the slot of `key` (see [`Slot::complete`]; the return value says whether to
    /// push) and restarts its time to live from now, so an answer stays available for `ttl`
    /// after the handler completes, however long it ran.
    pub fn complete(
        &self,
        key: DedupKey,
        slot: &Arc<Slot>,
        answer: Answer,
        decision: Decision,
    ) -> bool {
        let push = slot.complete(answer, decision);
        // Re-insert only if the entry is still this slot: a slot that expired while its handler
        // ran must not overwrite a newer claim of the same key.
        let still_ours = self
            .cache
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(&current, slot));
        if still_ours {
            self.cache.insert(key, slot.clone());
        }
        push
    }

    /// Whether this process has finished handling `key` (and still remembers its answer).
    pub fn is_done(&self, key: &DedupKey) -> bool {
        self.cache.get(key).is_some_and(|slot| slot.is_done())
    }

    /// The number of live entries (approximate: moka counts lazily).
    pub fn len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for Dedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dedup")
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxgate_handlers::Fields;

    fn message(pairs: &[(&str, &str)]) -> Message {
        let mut fields = Fields::new();
        for (k, v) in pairs {
            fields.push_text(*k, *v);
        }
        Message::from_fields(fields).unwrap()
    }

    fn click(key: &str) -> Message {
        message(&[
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_user"),
            ("CreateTime", "1700000000"),
            ("MsgType", "event"),
            ("Event", "CLICK"),
            ("EventKey", key),
        ])
    }

    #[test]
    fn msg_id_is_the_key_when_present() {
        let a = message(&[
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_a"),
            ("CreateTime", "1"),
            ("MsgType", "text"),
            ("Content", "x"),
            ("MsgId", "42"),
        ]);
        let b = message(&[
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_b"),
            ("CreateTime", "2"),
            ("MsgType", "text"),
            ("Content", "y"),
            ("MsgId", "42"),
        ]);
        assert_eq!(DedupKey::of(0, &a), DedupKey::of(0, &b));
        assert_ne!(DedupKey::of(0, &a), DedupKey::of(1, &a), "per account");
    }

    #[test]
    fn job_finish_msg_id_counts_as_msg_id() {
        let a = message(&[
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_a"),
            ("CreateTime", "1"),
            ("MsgType", "event"),
            ("Event", "TEMPLATESENDJOBFINISH"),
            ("MsgID", "200163836"),
            ("Status", "success"),
        ]);
        let text = message(&[
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_other"),
            ("CreateTime", "9"),
            ("MsgType", "text"),
            ("Content", "x"),
            ("MsgId", "200163836"),
        ]);
        assert_eq!(DedupKey::of(0, &a), DedupKey::of(0, &text));
        assert_eq!(DedupKey::of(0, &a).hex().len(), 32);
    }

    #[test]
    fn two_clicks_in_one_second_are_two_pushes() {
        assert_ne!(DedupKey::of(0, &click("A")), DedupKey::of(0, &click("B")));
        assert_eq!(DedupKey::of(0, &click("A")), DedupKey::of(0, &click("A")));
    }

    fn rendered(text: &str) -> Answer {
        Some(Arc::new(Rendered {
            xml: Bytes::from(format!("<xml>{text}</xml>")),
            reply: Reply::Text(text.into()),
        }))
    }

    const LOCAL: Decision = Decision::Local {
        can_push: true,
        passive: true,
    };
    const NO_PUSH: Decision = Decision::Local {
        can_push: false,
        passive: true,
    };
    const JSON: Decision = Decision::Local {
        can_push: true,
        passive: false,
    };

    #[tokio::test]
    async fn a_decision_taken_elsewhere_is_followed() {
        let slot: Arc<Slot> = Arc::default();
        let waiter = {
            let slot = slot.clone();
            tokio::spawn(async move { slot.wait(soon(5000)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(slot.complete(rendered("x"), Decision::Decided(true)));
        assert_eq!(waiter.await.unwrap(), Waited::Pushed);
        let idle: Arc<Slot> = Arc::default();
        assert!(!idle.complete(rendered("y"), Decision::Decided(false)));
        assert_eq!(idle.wait(soon(10)).await, Waited::Answer(rendered("y")));
        let none: Arc<Slot> = Arc::default();
        assert!(
            !none.complete(None, Decision::Decided(true)),
            "no reply is never pushed"
        );
    }

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn first_claim_runs_duplicates_wait_and_share_the_answer() {
        let dedup = Dedup::new(100, Duration::from_secs(60));
        let key = DedupKey::of(0, &click("A"));
        let Claim::First(slot) = dedup.claim(&key) else {
            panic!("first sight must be First")
        };
        let Claim::Duplicate(retry) = dedup.claim(&key) else {
            panic!("second sight must be Duplicate")
        };
        assert!(!retry.is_done());
        let waiter = tokio::spawn(async move { retry.wait(soon(5000)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let push = dedup.complete(key, &slot, rendered("hi"), LOCAL);
        assert!(!push, "a waiting request carries the reply");
        assert_eq!(waiter.await.unwrap(), Waited::Answer(rendered("hi")));
        let Claim::Duplicate(later) = dedup.claim(&key) else {
            panic!("a finished key is still a duplicate")
        };
        assert_eq!(later.wait(soon(10)).await, Waited::Answer(rendered("hi")));
    }

    #[tokio::test]
    async fn complete_happens_once() {
        let slot: Arc<Slot> = Arc::default();
        assert!(!slot.complete(None, LOCAL));
        assert!(!slot.complete(rendered("late"), LOCAL));
        assert_eq!(slot.wait(soon(10)).await, Waited::Answer(None));
    }

    #[tokio::test]
    async fn a_late_answer_with_nobody_waiting_is_pushed_once_and_retries_get_success() {
        let slot: Arc<Slot> = Arc::default();
        assert_eq!(slot.wait(soon(20)).await, Waited::Deadline);
        assert!(slot.complete(rendered("late"), LOCAL), "nobody waits: push");
        assert_eq!(slot.wait(soon(10)).await, Waited::Pushed);
    }

    #[tokio::test]
    async fn a_late_answer_without_a_push_channel_waits_for_the_next_retry() {
        let slot: Arc<Slot> = Arc::default();
        assert_eq!(slot.wait(soon(20)).await, Waited::Deadline);
        assert!(!slot.complete(rendered("late"), NO_PUSH));
        assert_eq!(slot.wait(soon(10)).await, Waited::Answer(rendered("late")));
    }

    #[tokio::test]
    async fn no_reply_is_never_pushed() {
        let slot: Arc<Slot> = Arc::default();
        assert!(!slot.complete(None, JSON));
        assert_eq!(slot.wait(soon(10)).await, Waited::Answer(None));
    }

    #[tokio::test]
    async fn json_pushes_always_push_their_reply() {
        let slot: Arc<Slot> = Arc::default();
        let waiter = {
            let slot = slot.clone();
            tokio::spawn(async move { slot.wait(soon(5000)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(slot.complete(rendered("cs"), JSON));
        assert_eq!(waiter.await.unwrap(), Waited::Pushed);
    }

    #[tokio::test]
    async fn many_waiters_all_get_the_passive_answer() {
        let slot: Arc<Slot> = Arc::default();
        let waiters: Vec<_> = (0..10)
            .map(|_| {
                let slot = slot.clone();
                tokio::spawn(async move { slot.wait(soon(5000)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!slot.complete(rendered("all"), LOCAL));
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Waited::Answer(rendered("all")));
        }
    }

    #[test]
    fn entries_expire_after_ttl() {
        let dedup = Dedup::new(100, Duration::from_millis(50));
        let key = DedupKey::of(0, &click("A"));
        assert!(matches!(dedup.claim(&key), Claim::First(_)));
        std::thread::sleep(Duration::from_millis(120));
        assert!(matches!(dedup.claim(&key), Claim::First(_)));
    }

    #[test]
    fn racing_claims_share_one_slot_and_exactly_one_is_first() {
        for round in 0..2000u64 {
            let dedup = Dedup::new(10_000, Duration::from_secs(60));
            let key = DedupKey {
                account: 0,
                digest: u128::from(round),
            };
            let claims: Vec<Claim> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..3).map(|_| s.spawn(|| dedup.claim(&key))).collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let firsts = claims
                .iter()
                .filter(|c| matches!(c, Claim::First(_)))
                .count();
            assert_eq!(firsts, 1, "round {round}");
            let slot = |c: &Claim| match c {
                Claim::First(s) | Claim::Duplicate(s) => s.clone(),
            };
            assert!(
                claims
                    .iter()
                    .all(|c| Arc::ptr_eq(&slot(c), &slot(&claims[0])))
            );
        }
    }
}
