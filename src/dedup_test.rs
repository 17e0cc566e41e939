//! The in-memory dedup table and its slots (and the shard map of `dedup/table.rs`).

use std::hash::BuildHasherDefault;

use super::table::{KeyMap, STAGGER_STEPS};
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
fn a_remembered_push_costs_48_bytes_in_the_map() {
    // Key and record side by side in the map's buckets; a finished push's reply is apart.
    assert!(std::mem::size_of::<(LocalKey, Record)>() <= 48);
}

#[test]
fn a_growing_table_keeps_every_record_while_it_moves_them() {
    let record = |expires| Record {
        state: State::Done(Finished {
            reply: None,
            create_time: 0,
            pushed: false,
        }),
        expires,
    };
    let key = |i: u64| LocalKey([i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i]);
    let mut table = Table::default();
    let mut moving_seen = false;
    for i in 0..20_000u64 {
        let found = table.read_or_insert(key(i), |_| (), || (record(i), ()));
        assert!(matches!(found, Found::Inserted(())), "record {i} is new");
        moving_seen |= !table.old.is_empty();
        // Every third record goes again at once, wherever it sits.
        if i % 3 == 0 {
            table.remove(&key(i));
        }
        if i % 997 == 0 || !table.old.is_empty() && i % 7 == 0 {
            for j in 0..=i {
                let found = table.get(&key(j)).map(|r| r.expires);
                assert_eq!(
                    found,
                    (j % 3 != 0).then_some(j),
                    "record {j} after {i} inserts"
                );
                if j % 3 != 0 {
                    // Found where it is, old map or new, and not inserted again.
                    let again = table.read_or_insert(key(j), |r| r.expires, || (record(0), ()));
                    assert!(matches!(again, Found::Existing(e) if e == j), "record {j}");
                }
            }
            assert_eq!(table.len() as u64, i + 1 - (i / 3 + 1));
        }
    }
    assert!(moving_seen, "the table outgrew its map at least once");
    assert!(table.get_mut(&key(1)).is_some());
    assert!(table.get_mut(&key(3)).is_none());
}

#[test]
fn shards_hand_over_between_half_and_all_of_their_capacity() {
    let map = || KeyMap::<Record>::with_capacity_and_hasher(1000, BuildHasherDefault::default());
    let capacity = map().capacity();
    let mut last = 0;
    for stagger in 0..=STAGGER_STEPS {
        let table = Table {
            map: map(),
            stagger,
            ..Table::default()
        };
        let handover = table.handover_at();
        assert!(handover >= capacity / 2 && handover <= capacity);
        assert!(handover >= last, "later shards hand over later");
        last = handover;
    }
    assert_eq!(last, capacity);
    // Every shard of a table gets its own point in the doubling.
    let dedup = Dedup::new(1_000_000, Duration::from_secs(60));
    let staggers: std::collections::BTreeSet<usize> = dedup
        .shards
        .iter()
        .map(|shard| shard.lock().unwrap().table.stagger)
        .collect();
    assert_eq!(staggers.len(), SHARDS);
}
