//! Step 7: WeChat retries a push it got no answer to within 5 s, three attempts in all. The
//! handler must run once per push; a retry gets the original's reply, and a retry that arrives
//! while the original is still running waits for it instead of running the handler again.
//!
//! One [`Slot`] per push key lives in a concurrent cache (moka: sharded, no lock around the
//! whole map). The slot is created in flight and filled once with the rendered reply; entries
//! expire `ttl_secs` after their last write, i.e. after the handler completes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use moka::sync::Cache;
use tokio::sync::watch;
use wxgate_handlers::Message;

/// Identifies one push within one account: `MsgId` (or `MsgID`) when the push has one, else
/// sender, CreateTime, event and event key — two menu clicks by one user in the same second are
/// two pushes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupKey {
    account: u32,
    id: Box<str>,
}

impl DedupKey {
    /// The key of `message` received by the account with index `account`.
    pub fn of(account: u32, message: &Message) -> Self {
        const SEP: char = '\u{1f}';
        let id = match message.msg_id() {
            Some(msg_id) => format!("id{SEP}{msg_id}"),
            None => format!(
                "ev{SEP}{}{SEP}{}{SEP}{}{SEP}{}{SEP}{}",
                message.from_user,
                message.create_time,
                message.msg_type(),
                message.event_name().unwrap_or_default(),
                message.event_key().unwrap_or_default(),
            ),
        };
        DedupKey {
            account,
            id: id.into_boxed_str(),
        }
    }
}

/// What a finished handler left for the original request and its retries: the reply's
/// plaintext XML, or `None` for no reply.
pub type Answer = Option<Bytes>;

/// The shared state of one push: in flight until [`Slot::fill`], then done.
#[derive(Debug)]
pub struct Slot {
    tx: watch::Sender<Option<Answer>>,
}

impl Slot {
    fn new() -> Arc<Self> {
        Arc::new(Slot {
            tx: watch::Sender::new(None),
        })
    }

    /// Records the answer and wakes every waiter. Later calls are ignored.
    pub fn fill(&self, answer: Answer) {
        self.tx.send_if_modified(|state| {
            if state.is_some() {
                return false;
            }
            *state = Some(answer);
            true
        });
    }

    /// The answer, once the handler has finished.
    pub async fn answer(&self) -> Answer {
        let mut rx = self.tx.subscribe();
        match rx.wait_for(Option::is_some).await {
            Ok(state) => state.clone().flatten(),
            // The sender lives in `self`, so it cannot be gone while we borrow it.
            Err(_) => None,
        }
    }

    /// Whether the handler has finished.
    pub fn is_done(&self) -> bool {
        self.tx.borrow().is_some()
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
    pub fn claim(&self, key: &DedupKey) -> Claim {
        let entry = self.cache.entry_by_ref(key).or_insert_with(Slot::new);
        if entry.is_fresh() {
            Claim::First(entry.into_value())
        } else {
            Claim::Duplicate(entry.into_value())
        }
    }

    /// Fills the slot of `key` and restarts its time to live from now, so an answer stays
    /// available for `ttl` after the handler completes, however long it ran.
    pub fn complete(&self, key: DedupKey, slot: &Arc<Slot>, answer: Answer) {
        slot.fill(answer);
        // Re-insert only if the entry is still this slot: a slot that expired while its handler
        // ran must not overwrite a newer claim of the same key.
        let still_ours = self
            .cache
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(&current, slot));
        if still_ours {
            self.cache.insert(key, slot.clone());
        }
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
        assert_eq!(&*DedupKey::of(0, &a).id, "id\u{1f}200163836");
    }

    #[test]
    fn two_clicks_in_one_second_are_two_pushes() {
        assert_ne!(DedupKey::of(0, &click("A")), DedupKey::of(0, &click("B")));
        assert_eq!(DedupKey::of(0, &click("A")), DedupKey::of(0, &click("A")));
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
        let waiter = tokio::spawn(async move { retry.answer().await });
        dedup.complete(key.clone(), &slot, Some(Bytes::from_static(b"<xml/>")));
        assert_eq!(waiter.await.unwrap(), Some(Bytes::from_static(b"<xml/>")));
        let Claim::Duplicate(later) = dedup.claim(&key) else {
            panic!("a finished key is still a duplicate")
        };
        assert_eq!(later.answer().await, Some(Bytes::from_static(b"<xml/>")));
    }

    #[tokio::test]
    async fn fill_happens_once() {
        let slot = Slot::new();
        slot.fill(None);
        slot.fill(Some(Bytes::from_static(b"late")));
        assert_eq!(slot.answer().await, None);
    }

    #[test]
    fn entries_expire_after_ttl() {
        let dedup = Dedup::new(100, Duration::from_millis(50));
        let key = DedupKey::of(0, &click("A"));
        assert!(matches!(dedup.claim(&key), Claim::First(_)));
        std::thread::sleep(Duration::from_millis(120));
        assert!(matches!(dedup.claim(&key), Claim::First(_)));
    }
}
