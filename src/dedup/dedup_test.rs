//! The in-memory dedup table and its slots (and the log and index of `dedup/table.rs`).

use proptest::prelude::*;

use super::table::{CHUNK, MIN_SLOTS};
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

/// A text reply to `click("A")`.
/// A media-check push (no MsgId, no EventKey) from the same sender in the same second.
fn media_check(trace_id: &str) -> Message {
    message(&[
        ("ToUserName", "gh_1"),
        ("FromUserName", "o_system"),
        ("CreateTime", "1700000000"),
        ("MsgType", "event"),
        ("Event", "wxa_media_check"),
        ("appid", "wx1"),
        ("trace_id", trace_id),
        ("version", "2"),
    ])
}

#[test]
fn events_with_their_own_id_are_told_apart_by_it() {
    // Two checks in the same second (WxJava's key of sender, time and event merged them).
    assert_ne!(
        DedupKey::of(0, &media_check("T1")),
        DedupKey::of(0, &media_check("T2"))
    );
    // A retry of one check has its key.
    assert_eq!(
        DedupKey::of(0, &media_check("T1")),
        DedupKey::of(0, &media_check("T1"))
    );
    // A nested id: the publish job's PublishEventInfo.publish_id.
    let publish = |id: &str| {
        let mut fields = Fields::new();
        for (k, v) in [
            ("ToUserName", "gh_1"),
            ("FromUserName", "o_system"),
            ("CreateTime", "1700000000"),
            ("MsgType", "event"),
            ("Event", "PUBLISHJOBFINISH"),
        ] {
            fields.push_text(k, v);
        }
        let mut info = Fields::new();
        info.push_text("publish_id", id);
        info.push_text("publish_status", "0");
        fields.push("PublishEventInfo", wxgate_handlers::Value::Node(info));
        Message::from_fields(fields).unwrap()
    };
    assert_ne!(
        DedupKey::of(0, &publish("1")),
        DedupKey::of(0, &publish("2"))
    );
    assert_eq!(
        DedupKey::of(0, &publish("1")),
        DedupKey::of(0, &publish("1"))
    );
    // Without its id the event falls back to sender, time, event and key: still one push.
    let without = message(&[
        ("ToUserName", "gh_1"),
        ("FromUserName", "o_system"),
        ("CreateTime", "1700000000"),
        ("MsgType", "event"),
        ("Event", "wxa_media_check"),
    ]);
    assert_eq!(DedupKey::of(0, &without), DedupKey::of(0, &without.clone()));
    assert_ne!(
        DedupKey::of(0, &without),
        DedupKey::of(0, &media_check("T1"))
    );
}

fn rendered(text: &str) -> Answer {
    Some(Arc::new(Rendered::new(
        Reply::Text(text.into()),
        &click("A"),
        1_700_000_000,
    )))
}

fn xml(text: &str) -> Option<Bytes> {
    rendered(text).map(|r| r.xml.clone())
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

/// A request waiting on `slot` (up to 5 s) in a task of its own.
fn waiting(slot: &Arc<Slot>) -> tokio::task::JoinHandle<Waited> {
    let slot = slot.clone();
    tokio::spawn(async move { slot.wait(soon(5000)).await })
}

#[tokio::test]
async fn a_decision_taken_elsewhere_is_followed() {
    let slot: Arc<Slot> = Arc::default();
    let waiter = waiting(&slot);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(slot.complete(rendered("x"), Decision::Decided(true)));
    assert_eq!(waiter.await.unwrap(), Waited::Pushed);
    let idle: Arc<Slot> = Arc::default();
    assert!(!idle.complete(rendered("y"), Decision::Decided(false)));
    assert_eq!(idle.wait(soon(10)).await, Waited::Answer(xml("y")));
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
    let Claim::First(first) = dedup.claim(&key) else {
        panic!("first sight must be First")
    };
    let slot = first.slot().clone();
    let Claim::Running(retry) = dedup.claim(&key) else {
        panic!("second sight must be Running")
    };
    assert!(!retry.is_done());
    let waiter = tokio::spawn(async move { retry.wait(soon(5000)).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let push = dedup.complete(key, &slot, rendered("hi"), LOCAL);
    assert!(!push, "a waiting request carries the reply");
    assert_eq!(waiter.await.unwrap(), Waited::Answer(xml("hi")));
    assert!(dedup.is_done(&key));
    let Claim::Done(finished) = dedup.claim(&key) else {
        panic!("a finished key is remembered")
    };
    // Rendered again from the reply's body and its CreateTime: the same bytes.
    assert_eq!(finished.waited(&click("A")), Waited::Answer(xml("hi")));
}

#[test]
fn a_remembered_reply_renders_to_the_same_bytes_for_every_kind() {
    use wxgate_handlers::reply::{Article, Media, Music, Transfer, Video};
    let article = Article {
        title: "t]]>".into(),
        description: "说明 🎉".into(),
        pic_url: "https://x/p.png".into(),
        url: "https://x".into(),
    };
    let replies = [
        Reply::Text("a]]>b\r\n中文".into()),
        Reply::Image(Media {
            media_id: "m".into(),
        }),
        Reply::Voice(Media {
            media_id: "v".into(),
        }),
        Reply::Video(Video {
            media_id: "m".into(),
            title: "t".into(),
            description: "d".into(),
        }),
        Reply::Music(Music {
            title: "t".into(),
            description: "d".into(),
            music_url: "u".into(),
            hq_music_url: "h".into(),
            thumb_media_id: "th".into(),
        }),
        Reply::News(vec![article.clone(), article]),
        Reply::TransferCustomerService(Transfer {
            kf_account: Some("kf@x".into()),
        }),
    ];
    let dedup = Dedup::new(100, Duration::from_secs(60));
    for (i, reply) in replies.into_iter().enumerate() {
        let message = click(&i.to_string());
        let key = DedupKey::of(0, &message);
        let Claim::First(claimer) = dedup.claim(&key) else {
            panic!("first")
        };
        let slot = claimer.slot().clone();
        let first = Rendered::new(reply, &message, 1_700_000_123);
        let xml = first.xml.clone();
        dedup.complete(key, &slot, Some(Arc::new(first)), NO_PUSH);
        let Claim::Done(finished) = dedup.claim(&key) else {
            panic!("done")
        };
        assert_eq!(
            finished.waited(&message),
            Waited::Answer(Some(xml)),
            "reply {i}"
        );
    }
}

#[tokio::test]
async fn finished_pushes_remember_a_push_and_no_reply() {
    let dedup = Dedup::new(100, Duration::from_secs(60));
    let pushed = DedupKey::of(0, &click("P"));
    let Claim::First(first) = dedup.claim(&pushed) else {
        panic!("first")
    };
    let slot = first.slot().clone();
    drop(first); // the request that claimed it went away
    assert!(
        dedup.complete(pushed, &slot, rendered("late"), LOCAL),
        "nobody waits"
    );
    let Claim::Done(finished) = dedup.claim(&pushed) else {
        panic!("done")
    };
    assert_eq!(finished.waited(&click("P")), Waited::Pushed);
    let silent = DedupKey::of(0, &click("S"));
    let Claim::First(first) = dedup.claim(&silent) else {
        panic!("first")
    };
    let slot = first.slot().clone();
    assert!(!dedup.complete(silent, &slot, None, LOCAL));
    let Claim::Done(finished) = dedup.claim(&silent) else {
        panic!("done")
    };
    assert_eq!(finished.waited(&click("S")), Waited::Answer(None));
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
    assert_eq!(slot.wait(soon(10)).await, Waited::Answer(xml("late")));
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
    let waiter = waiting(&slot);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(slot.complete(rendered("cs"), JSON));
    assert_eq!(waiter.await.unwrap(), Waited::Pushed);
}

#[tokio::test]
async fn many_waiters_all_get_the_passive_answer() {
    let slot: Arc<Slot> = Arc::default();
    let waiters: Vec<_> = (0..10).map(|_| waiting(&slot)).collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!slot.complete(rendered("all"), LOCAL));
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap(), Waited::Answer(xml("all")));
    }
}

#[test]
fn entries_expire_after_ttl() {
    let dedup = Dedup::new(100, Duration::from_millis(50));
    let key = DedupKey::of(0, &click("A"));
    assert!(matches!(dedup.claim(&key), Claim::First(_)));
    std::thread::sleep(Duration::from_millis(120));
    // A handler that never completes does not pin its entry either.
    assert!(matches!(dedup.claim(&key), Claim::First(_)));
    assert_eq!(dedup.len(), 1);
}

#[test]
fn the_ttl_restarts_when_the_handler_completes() {
    let dedup = Dedup::new(100, Duration::from_millis(150));
    let key = DedupKey::of(0, &click("A"));
    let Claim::First(first) = dedup.claim(&key) else {
        panic!("first")
    };
    let slot = first.slot().clone();
    std::thread::sleep(Duration::from_millis(100));
    dedup.complete(key, &slot, None, LOCAL);
    std::thread::sleep(Duration::from_millis(100));
    // 200 ms after the claim, 100 ms after completion: still remembered.
    assert!(matches!(dedup.claim(&key), Claim::Done(_)));
    std::thread::sleep(Duration::from_millis(100));
    assert!(matches!(dedup.claim(&key), Claim::First(_)));
}

#[test]
fn past_capacity_the_oldest_entries_go_first() {
    let dedup = Dedup::new(SHARDS as u64 * 4, Duration::from_secs(60));
    let keys: Vec<DedupKey> = (0..10_000u64)
        .map(|i| DedupKey {
            account: 0,
            digest: [i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i],
        })
        .collect();
    for key in &keys {
        dedup.claim(key);
    }
    assert!(dedup.len() <= SHARDS as u64 * 4);
    assert!(matches!(dedup.claim(&keys[9_999]), Claim::Running(_)));
    assert!(matches!(dedup.claim(&keys[0]), Claim::First(_)));
}

#[test]
fn racing_claims_share_one_slot_and_exactly_one_is_first() {
    for round in 0..2000u64 {
        let dedup = Dedup::new(10_000, Duration::from_secs(60));
        let key = DedupKey {
            account: 0,
            digest: [round, round],
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
            Claim::First(first) => first.slot().clone(),
            Claim::Running(s) => s.clone(),
            Claim::Done(_) => panic!("nothing completes here"),
        };
        assert!(
            claims
                .iter()
                .all(|c| Arc::ptr_eq(&slot(c), &slot(&claims[0])))
        );
    }
}

#[tokio::test]
async fn the_claiming_request_counts_as_waiting_from_the_claim() {
    let dedup = Dedup::new(100, Duration::from_secs(60));
    let key = DedupKey::of(0, &click("I"));
    let Claim::First(first) = dedup.claim(&key) else {
        panic!("first")
    };
    // The handler finishes before the request gets to wait (a handler run inline).
    let slot = first.slot().clone();
    assert!(
        !dedup.complete(key, &slot, rendered("now"), LOCAL),
        "the claiming request carries the reply"
    );
    assert_eq!(first.wait(soon(10)).await, Waited::Answer(xml("now")));
}

#[tokio::test]
async fn a_request_that_went_away_is_not_counted_as_waiting() {
    let slot: Arc<Slot> = Arc::default();
    let gone = waiting(&slot);
    tokio::time::sleep(Duration::from_millis(20)).await;
    gone.abort();
    assert!(gone.await.unwrap_err().is_cancelled());
    assert!(
        slot.complete(rendered("cs"), LOCAL),
        "nobody can carry it: push"
    );
    // A waiter that has its answer does not leave twice.
    let slot: Arc<Slot> = Arc::default();
    let waiter = slot.waiter();
    assert!(!slot.complete(rendered("x"), LOCAL));
    assert_eq!(waiter.wait(soon(10)).await, Waited::Answer(xml("x")));
    assert_eq!(slot.lock().waiting, 0);
}

#[test]
fn a_remembered_push_costs_56_bytes_in_the_log() {
    // Key, queue time and record side by side in the log; a finished push's reply is apart.
    assert!(std::mem::size_of::<(LocalKey, Millis, Record)>() <= 56);
}

fn key(i: u64) -> LocalKey {
    LocalKey([i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i])
}

/// The table against a plain model: a map of what is held and the queue order.
#[derive(Debug, Clone)]
enum Op {
    Insert(u64),
    Get(u64),
    PopFront,
    Requeue,
}

fn op() -> impl Strategy<Value = Op> {
    // A small key space, so inserts hit existing records and gets find some.
    prop_oneof![
        4 => (0..400u64).prop_map(Op::Insert),
        2 => (0..400u64).prop_map(Op::Get),
        2 => Just(Op::PopFront),
        1 => Just(Op::Requeue),
    ]
}

fn run_against_model(head: u32, ops: &[Op]) {
    let mut table: Table<u64> = Table::starting_at(head);
    let mut model: std::collections::VecDeque<(u64, u64)> = Default::default(); // (key, queued)
    for (step, op) in ops.iter().enumerate() {
        let step = step as u64;
        match *op {
            Op::Insert(k) => {
                let found = table.read_or_insert(key(k), step, |&v| v, || (k + 1000, ()));
                match model.iter().find(|(mk, _)| *mk == k) {
                    Some(_) => assert!(matches!(found, Found::Existing(v) if v == k + 1000)),
                    None => {
                        assert!(matches!(found, Found::Inserted(())));
                        model.push_back((k, step));
                    }
                }
            }
            Op::Get(k) => {
                let held = model.iter().any(|(mk, _)| *mk == k);
                assert_eq!(table.get(&key(k)).copied(), held.then_some(k + 1000));
                if let Some(value) = table.get_mut(&key(k)) {
                    *value += 0; // reachable mutably too
                }
            }
            Op::PopFront => {
                table.pop_front();
                model.pop_front();
            }
            Op::Requeue => {
                table.requeue_front(step);
                if let Some((k, _)) = model.pop_front() {
                    model.push_back((k, step));
                }
            }
        }
        assert_eq!(table.len(), model.len());
        assert_eq!(
            table.front().map(|&v| v - 1000).zip(table.front_queued()),
            model.front().copied()
        );
        assert_eq!(
            table.front_queued(),
            model.front().map(|&(_, queued)| queued)
        );
    }
    // Everything held is found; everything else is not; the log drains in the model's order.
    for k in 0..400 {
        let held = model.iter().any(|(mk, _)| *mk == k);
        assert_eq!(table.get(&key(k)).is_some(), held, "key {k}");
    }
    while let Some((k, queued)) = model.pop_front() {
        assert_eq!(
            table.front().map(|&v| v - 1000).zip(table.front_queued()),
            Some((k, queued))
        );
        table.pop_front();
    }
    assert_eq!(table.len(), 0);
    assert!(table.front().is_none());
}

proptest! {
    #[test]
    fn the_table_holds_what_a_map_and_a_queue_would(
        ops in proptest::collection::vec(op(), 0..1500),
        near_wrap in any::<bool>(),
    ) {
        // Sequence numbers start anywhere, also just before they wrap.
        run_against_model(if near_wrap { u32::MAX - 300 } else { 0 }, &ops);
    }
}

#[test]
fn the_index_grows_and_shrinks_and_the_log_spans_many_chunks() {
    let mut table: Table<u64> = Table::starting_at(u32::MAX - 5_000);
    let n = 20 * CHUNK as u64;
    for i in 0..n {
        let found = table.read_or_insert(key(i), i, |_| (), || (i, ()));
        assert!(matches!(found, Found::Inserted(())), "record {i} is new");
    }
    assert_eq!(table.len() as u64, n);
    assert!(table.slots() >= table.len() * 4 / 3, "at most 3/4 full");
    // Requeue half (they move to the back), drop the other half.
    for i in 0..n {
        if i % 2 == 0 {
            table.requeue_front(n + i);
        } else {
            table.pop_front();
        }
    }
    assert_eq!(table.len() as u64, n / 2);
    for i in 0..n {
        assert_eq!(
            table.get(&key(i)).copied(),
            (i % 2 == 0).then_some(i),
            "record {i}"
        );
    }
    assert_eq!(
        table.front_queued().zip(table.front().copied()),
        Some((n, 0))
    );
    let full = table.slots();
    while table.len() > 10 {
        table.pop_front();
    }
    assert!(table.slots() < full / 16, "a mostly empty index shrinks");
    assert!(table.slots() >= MIN_SLOTS);
    for i in (n - 20..n).filter(|i| i % 2 == 0) {
        assert_eq!(
            table.get(&key(i)).copied(),
            Some(i),
            "record {i} after shrinking"
        );
    }
}

#[test]
fn keys_with_equal_tags_are_told_apart_by_the_record() {
    // The same high word (tag, home slot), different keys: a chain of colliding entries, one
    // deleted from its middle.
    let same = |i: u64| LocalKey([0xabcd_ef01_0000_0000 | i, i]);
    let mut table: Table<u64> = Table::default();
    for i in 0..40 {
        table.read_or_insert(same(i), i, |_| (), || (i, ()));
    }
    for i in 0..40 {
        assert_eq!(table.get(&same(i)).copied(), Some(i));
    }
    for _ in 0..20 {
        table.pop_front();
    }
    for i in 0..40 {
        assert_eq!(table.get(&same(i)).copied(), (i >= 20).then_some(i));
    }
    // A zero tag is stored as 1 and still found.
    let zero = LocalKey([0x0000_0000_1234_5678, 7]);
    table.read_or_insert(zero, 0, |_| (), || (99, ()));
    assert_eq!(table.get(&zero).copied(), Some(99));
}

#[test]
fn a_shard_holds_at_most_a_billion_records() {
    let dedup = Dedup::new(u64::MAX, Duration::from_secs(60));
    assert_eq!(dedup.capacity_per_shard, MAX_PER_SHARD);
}
