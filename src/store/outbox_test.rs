//! The outbox in the store: accepting under idempotency keys, claims and leases, outcomes,
//! delivery reports, webhook events in order, and senders on two stores sharing one queue.

use std::collections::HashSet;

use crate::store::backend::with_pool;
use crate::store::test_util::{on_every_backend, on_file_and_postgres};
use crate::store::{
    Accepted, IDEMPOTENCY_KEY_TTL_SECS, MessageKind, MessageStatus, NewMessage, OutboxMessage,
    Outcome, Store, StoreError, WebhookEvent,
};

/// A lease long enough never to end during a test.
const LONG: i64 = 3_600_000;

fn message(id: &str, key: &str, created_at: i64) -> NewMessage {
    NewMessage {
        id: id.to_owned(),
        account: "shop".to_owned(),
        client_id: "app".to_owned(),
        kind: MessageKind::Template,
        recipient: "o-alice".to_owned(),
        payload: format!(r#"{{"touser":"o-alice","client_msg_id":"{id}"}}"#),
        idempotency_key: key.to_owned(),
        body_hash: "h1".to_owned(),
        created_at,
    }
}

fn created(accepted: Accepted) -> OutboxMessage {
    match accepted {
        Accepted::Created(message) => message,
        other => panic!("expected Created, got {other:?}"),
    }
}

fn existing(accepted: Accepted) -> (OutboxMessage, bool) {
    match accepted {
        Accepted::Existing { message, same_body } => (message, same_body),
        other => panic!("expected Existing, got {other:?}"),
    }
}

async fn accept_one(store: &Store, new: NewMessage) -> Accepted {
    let mut answers = store.accept_messages(&[new]).await.unwrap();
    assert_eq!(answers.len(), 1);
    answers.remove(0)
}

async fn get(store: &Store, id: &str) -> OutboxMessage {
    store
        .outbox_message("shop", "app", id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("message {id} is stored"))
}

fn ids(messages: &[OutboxMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

/// `(message_id, body)` of each event.
fn events(events: &[WebhookEvent]) -> Vec<(&str, &str)> {
    events
        .iter()
        .map(|e| (e.message_id.as_str(), e.body.as_str()))
        .collect()
}

/// Accepts `id` at second 1 and claims it for `owner` at 1,000 ms.
async fn accepted_and_claimed(store: &Store, id: &str, owner: &str) -> OutboxMessage {
    created(accept_one(store, message(id, id, 1)).await);
    let claimed = store
        .claim_messages(owner, 1_000, LONG, 10, &[])
        .await
        .unwrap();
    assert_eq!(ids(&claimed), [id]);
    claimed.into_iter().next().unwrap()
}

async fn a_message_is_stored_queued_and_found_by_its_client_and_account(store: Store) {
    let new = message("m1", "k1", 100);
    let stored = created(accept_one(&store, new.clone()).await);
    let expected = OutboxMessage {
        id: "m1".to_owned(),
        account: "shop".to_owned(),
        client_id: "app".to_owned(),
        kind: MessageKind::Template,
        recipient: "o-alice".to_owned(),
        payload: new.payload.clone(),
        status: MessageStatus::Queued,
        attempts: 0,
        errcode: None,
        errmsg: None,
        msgid: None,
        created_at: 100,
        sent_at: None,
        finished_at: None,
        next_attempt_at_ms: 100_000,
        claimed_at: None,
    };
    assert_eq!(stored, expected);
    assert_eq!(get(&store, "m1").await, expected);
    assert_eq!(
        store.outbox_message("other", "app", "m1").await.unwrap(),
        None
    );
    assert_eq!(
        store.outbox_message("shop", "else", "m1").await.unwrap(),
        None
    );
    assert_eq!(
        store.outbox_message("shop", "app", "m2").await.unwrap(),
        None
    );
}
on_every_backend!(a_message_is_stored_queued_and_found_by_its_client_and_account);

async fn the_same_key_finds_the_first_message(store: Store) {
    created(accept_one(&store, message("m1", "k1", 100)).await);
    let (found, same_body) = existing(accept_one(&store, message("m2", "k1", 200)).await);
    assert_eq!(found.id, "m1");
    assert!(same_body);

    let mut other_body = message("m3", "k1", 300);
    other_body.body_hash = "h2".to_owned();
    let (found, same_body) = existing(accept_one(&store, other_body).await);
    assert_eq!(found.id, "m1");
    assert!(!same_body);
    assert_eq!(
        store.outbox_message("shop", "app", "m2").await.unwrap(),
        None
    );
    assert_eq!(
        store.outbox_message("shop", "app", "m3").await.unwrap(),
        None
    );

    // The Existing answer is the message as it is now.
    let claimed = store
        .claim_messages("s1", 100_000, LONG, 1, &[])
        .await
        .unwrap();
    assert_eq!(ids(&claimed), ["m1"]);
    assert!(store.mark_sending("m1", "s1", 101, LONG).await.unwrap());
    let (found, _) = existing(accept_one(&store, message("m4", "k1", 400)).await);
    assert_eq!(found.status, MessageStatus::Sending);
}
on_every_backend!(the_same_key_finds_the_first_message);

async fn keys_belong_to_a_client_and_an_account(store: Store) {
    created(accept_one(&store, message("m1", "k1", 100)).await);
    let mut other_client = message("m2", "k1", 100);
    other_client.client_id = "other-app".to_owned();
    created(accept_one(&store, other_client).await);
    let mut other_account = message("m3", "k1", 100);
    other_account.account = "other-shop".to_owned();
    created(accept_one(&store, other_account).await);
}
on_every_backend!(keys_belong_to_a_client_and_an_account);

async fn a_batch_answers_in_order_and_its_first_copy_of_a_key_creates(store: Store) {
    let mut changed = message("m4", "a", 100);
    changed.body_hash = "h2".to_owned();
    let batch = [
        message("m1", "b", 100),
        message("m2", "a", 100),
        message("m3", "b", 100),
        changed,
    ];
    let answers = store.accept_messages(&batch).await.unwrap();
    assert_eq!(answers.len(), 4);
    assert_eq!(created(answers[0].clone()).id, "m1");
    assert_eq!(created(answers[1].clone()).id, "m2");
    let (first, same) = existing(answers[2].clone());
    assert_eq!((first.id.as_str(), same), ("m1", true));
    let (first, same) = existing(answers[3].clone());
    assert_eq!((first.id.as_str(), same), ("m2", false));
    assert!(store.accept_messages(&[]).await.unwrap().is_empty());
}
on_every_backend!(a_batch_answers_in_order_and_its_first_copy_of_a_key_creates);

async fn a_failed_batch_stores_nothing(store: Store) {
    created(accept_one(&store, message("taken", "k0", 100)).await);
    let batch = [message("m1", "k1", 100), message("taken", "k2", 100)];
    let err = store.accept_messages(&batch).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        store.outbox_message("shop", "app", "m1").await.unwrap(),
        None
    );
    // Neither key was kept: both store their message now.
    let batch = [message("m1", "k1", 100), message("m2", "k2", 100)];
    let answers = store.accept_messages(&batch).await.unwrap();
    assert_eq!(created(answers[0].clone()).id, "m1");
    assert_eq!(created(answers[1].clone()).id, "m2");
}
on_every_backend!(a_failed_batch_stores_nothing);

async fn a_key_older_than_a_day_may_be_reused(store: Store) {
    created(accept_one(&store, message("m1", "k1", 1000)).await);
    let day = IDEMPOTENCY_KEY_TTL_SECS;
    let (found, _) = existing(accept_one(&store, message("m2", "k1", 1000 + day - 1)).await);
    assert_eq!(found.id, "m1");
    let reused = created(accept_one(&store, message("m3", "k1", 1000 + day)).await);
    assert_eq!(reused.id, "m3");
    // The key now names the new message, for another day; the old message stays.
    let (found, _) = existing(accept_one(&store, message("m4", "k1", 1000 + day + 5)).await);
    assert_eq!(found.id, "m3");
    assert_eq!(get(&store, "m1").await.status, MessageStatus::Queued);
}
on_every_backend!(a_key_older_than_a_day_may_be_reused);

async fn purging_forgets_old_keys_and_keeps_messages(store: Store) {
    created(accept_one(&store, message("m1", "k1", 100)).await);
    created(accept_one(&store, message("m2", "k2", 200)).await);
    assert_eq!(store.purge_idempotency_keys(100).await.unwrap(), 0);
    assert_eq!(store.purge_idempotency_keys(150).await.unwrap(), 1);
    assert_eq!(store.purge_idempotency_keys(150).await.unwrap(), 0);
    assert_eq!(get(&store, "m1").await.id, "m1");
    // A purged key stores a new message; a kept one still finds its own.
    created(accept_one(&store, message("m3", "k1", 300)).await);
    let (found, _) = existing(accept_one(&store, message("m4", "k2", 300)).await);
    assert_eq!(found.id, "m2");
    assert_eq!(store.purge_idempotency_keys(i64::MAX).await.unwrap(), 2);
}
on_every_backend!(purging_forgets_old_keys_and_keeps_messages);

async fn claims_take_due_messages_oldest_first(store: Store) {
    let mut batch = Vec::new();
    for (n, account) in ["shop", "paused", "shop", "shop", "other"]
        .iter()
        .enumerate()
    {
        let mut new = message(&format!("m{n}"), &format!("k{n}"), 10);
        new.account = (*account).to_owned();
        batch.push(new);
    }
    // Accepted at a later second, but before the others in the table: order is acceptance.
    store.accept_messages(&batch).await.unwrap();
    let mut late = message("late", "k-late", 20);
    late.account = "other".to_owned();
    created(accept_one(&store, late).await);

    assert!(
        store
            .claim_messages("s1", 9_999, LONG, 10, &[])
            .await
            .unwrap()
            .is_empty(),
        "nothing is due before it was accepted"
    );
    assert!(
        store
            .claim_messages("s1", 10_000, LONG, 0, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let paused = ["paused".to_owned(), "nobody".to_owned()];
    let first = store
        .claim_messages("s1", 10_000, LONG, 2, &paused)
        .await
        .unwrap();
    assert_eq!(ids(&first), ["m0", "m2"]);
    assert!(first.iter().all(|m| m.status == MessageStatus::Queued));
    let second = store
        .claim_messages("s2", 10_000, LONG, 10, &paused)
        .await
        .unwrap();
    assert_eq!(
        ids(&second),
        ["m3", "m4"],
        "claimed ones are not taken again"
    );
    let third = store
        .claim_messages("s2", 20_000, LONG, 10, &[])
        .await
        .unwrap();
    assert_eq!(
        ids(&third),
        ["m1", "late"],
        "a paused account is claimed once resumed"
    );
    assert!(
        store
            .claim_messages("s3", 20_000, LONG, 10, &[])
            .await
            .unwrap()
            .is_empty()
    );
    // An unused lease ends: the message is claimable again, by anyone.
    let again = store
        .claim_messages("s3", 10_000 + LONG, LONG, 10, &[])
        .await
        .unwrap();
    assert_eq!(ids(&again), ["m0", "m2", "m3", "m4"]);
    assert!(!store.mark_sending("m0", "s1", 20, LONG).await.unwrap());
    assert!(store.mark_sending("m0", "s3", 20, LONG).await.unwrap());
}
on_every_backend!(claims_take_due_messages_oldest_first);

async fn marking_sending_needs_the_lease_and_keeps_the_first_claim_time(store: Store) {
    accepted_and_claimed(&store, "m1", "s1").await;
    assert!(!store.mark_sending("m1", "s2", 5, 9_000).await.unwrap());
    assert!(!store.mark_sending("nope", "s1", 5, 9_000).await.unwrap());
    assert!(store.mark_sending("m1", "s1", 5, 9_000).await.unwrap());
    let sending = get(&store, "m1").await;
    assert_eq!(sending.status, MessageStatus::Sending);
    assert_eq!(sending.claimed_at, Some(5));
    // Marked again (the lease's owner, or a later one after a crash): the first time stays.
    assert!(store.mark_sending("m1", "s1", 7, 9_500).await.unwrap());
    assert_eq!(get(&store, "m1").await.claimed_at, Some(5));
    // The new lease end holds: not claimable before 9,500 ms, claimable after.
    assert!(
        store
            .claim_messages("s2", 9_499, LONG, 10, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store
        .claim_messages("s2", 9_500, LONG, 10, &[])
        .await
        .unwrap();
    assert_eq!(ids(&taken), ["m1"]);
    assert!(store.mark_sending("m1", "s2", 10, 20_000).await.unwrap());
    assert_eq!(get(&store, "m1").await.claimed_at, Some(5));
}
on_every_backend!(marking_sending_needs_the_lease_and_keeps_the_first_claim_time);

async fn renewing_a_lease_keeps_other_senders_out(store: Store) {
    created(accept_one(&store, message("m1", "k1", 1)).await);
    store
        .claim_messages("s1", 1_000, 30_000, 10, &[])
        .await
        .unwrap();
    assert!(store.mark_sending("m1", "s1", 1, 31_000).await.unwrap());
    assert!(!store.renew_lease("m1", "s2", 90_000).await.unwrap());
    assert!(store.renew_lease("m1", "s1", 61_000).await.unwrap());
    assert!(
        store
            .claim_messages("s2", 31_000, 30_000, 10, &[])
            .await
            .unwrap()
            .is_empty(),
        "the renewed lease still holds"
    );
    assert_eq!(
        ids(&store
            .claim_messages("s2", 61_000, 30_000, 10, &[])
            .await
            .unwrap()),
        ["m1"]
    );
    assert!(!store.renew_lease("m1", "s1", 120_000).await.unwrap());
}
on_every_backend!(renewing_a_lease_keeps_other_senders_out);

async fn a_stopping_sender_releases_what_it_has_not_started(store: Store) {
    for id in ["m1", "m2"] {
        created(accept_one(&store, message(id, id, 1)).await);
    }
    let claimed = store
        .claim_messages("s1", 1_000, 30_000, 10, &[])
        .await
        .unwrap();
    assert_eq!(ids(&claimed), ["m1", "m2"]);
    assert!(store.mark_sending("m1", "s1", 1, 31_000).await.unwrap());
    assert_eq!(store.release_queued_leases("s2").await.unwrap(), 0);
    assert_eq!(store.release_queued_leases("s1").await.unwrap(), 1);
    // m2 is free at once; m1, in the middle of a call, waits for its lease.
    assert_eq!(
        ids(&store
            .claim_messages("s2", 1_001, 30_000, 10, &[])
            .await
            .unwrap()),
        ["m2"]
    );
}
on_every_backend!(a_stopping_sender_releases_what_it_has_not_started);

async fn an_ended_lease_hands_a_sending_message_to_another_sender(store: Store) {
    accepted_and_claimed(&store, "m1", "s1").await;
    assert!(store.mark_sending("m1", "s1", 2, 31_000).await.unwrap());
    // s1 dies mid-call. Its message stays `sending` and is not claimable until the lease ends,
    // even for an account that is paused.
    assert!(
        store
            .claim_messages("s2", 30_999, 30_000, 10, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let found = store
        .claim_messages("s2", 31_000, 30_000, 10, &["shop".to_owned()])
        .await
        .unwrap();
    assert_eq!(ids(&found), ["m1"]);
    assert_eq!(found[0].status, MessageStatus::Sending);
    assert_eq!(found[0].claimed_at, Some(2));
    // The old owner, back late, changes nothing.
    let sent = Outcome::Sent {
        msgid: Some(7),
        at: 40,
    };
    assert!(!store.record_outcome("m1", "s1", &sent, None).await.unwrap());
    assert!(!store.renew_lease("m1", "s1", 99_000).await.unwrap());
    assert!(
        store
            .record_outcome("m1", "s2", &Outcome::Unknown { at: 41 }, None)
            .await
            .unwrap()
    );
    let unknown = get(&store, "m1").await;
    assert_eq!(unknown.status, MessageStatus::Unknown);
    assert_eq!(unknown.finished_at, Some(41));
    assert!(
        store
            .claim_messages("s3", i64::MAX / 2, 30_000, 10, &[])
            .await
            .unwrap()
            .is_empty(),
        "a finished message is never claimed"
    );
}
on_every_backend!(an_ended_lease_hands_a_sending_message_to_another_sender);

async fn sent_counts_the_call_and_queues_a_webhook_event(store: Store) {
    accepted_and_claimed(&store, "m1", "s1").await;
    let retry = Outcome::Retry {
        attempts: 1,
        errcode: Some(-1),
        errmsg: "system error".to_owned(),
        next_attempt_at_ms: 5_000,
    };
    assert!(
        store
            .record_outcome("m1", "s1", &retry, Some("{}"))
            .await
            .unwrap()
    );
    store
        .claim_messages("s1", 5_000, LONG, 10, &[])
        .await
        .unwrap();
    let sent = Outcome::Sent {
        msgid: Some(4242),
        at: 6,
    };
    assert!(!store.record_outcome("m1", "s2", &sent, None).await.unwrap());
    assert!(
        store
            .record_outcome("m1", "s1", &sent, Some(r#"{"status":"sent"}"#))
            .await
            .unwrap()
    );
    let message = get(&store, "m1").await;
    assert_eq!(message.status, MessageStatus::Sent);
    assert_eq!(message.attempts, 2);
    assert_eq!(message.msgid, Some(4242));
    assert_eq!(message.sent_at, Some(6));
    assert_eq!(message.finished_at, None);
    assert_eq!((message.errcode, message.errmsg), (None, None));
    assert!(
        !store.record_outcome("m1", "s1", &sent, None).await.unwrap(),
        "the lease ended with the outcome"
    );
    let queued = store.claim_webhooks("w", 6_000, LONG, 10).await.unwrap();
    assert_eq!(events(&queued), [("m1", r#"{"status":"sent"}"#)]);
    assert_eq!(queued[0].client_id, "app");
    assert_eq!(queued[0].attempts, 0);
    assert_eq!(queued[0].created_at, 6);
}
on_every_backend!(sent_counts_the_call_and_queues_a_webhook_event);

async fn failed_and_unknown_finish_the_message(store: Store) {
    accepted_and_claimed(&store, "m1", "s1").await;
    let failed = Outcome::Failed {
        errcode: Some(43101),
        errmsg: "user refuse to accept the msg".to_owned(),
        at: 9,
        attempts: 1,
    };
    assert!(
        store
            .record_outcome("m1", "s1", &failed, Some("failed"))
            .await
            .unwrap()
    );
    let message = get(&store, "m1").await;
    assert_eq!(message.status, MessageStatus::Failed);
    assert_eq!(message.attempts, 1);
    assert_eq!(message.errcode, Some(43101));
    assert_eq!(
        message.errmsg.as_deref(),
        Some("user refuse to accept the msg")
    );
    assert_eq!(message.finished_at, Some(9));

    created(accept_one(&store, message_with_id("m2")).await);
    store
        .claim_messages("s1", 1_000, LONG, 10, &[])
        .await
        .unwrap();
    assert!(store.mark_sending("m2", "s1", 1, LONG).await.unwrap());
    assert!(
        store
            .record_outcome("m2", "s1", &Outcome::Unknown { at: 10 }, Some("unknown"))
            .await
            .unwrap()
    );
    let message = get(&store, "m2").await;
    assert_eq!(message.status, MessageStatus::Unknown);
    assert_eq!(message.attempts, 0);
    assert_eq!(message.finished_at, Some(10));

    let queued = store.claim_webhooks("w", 10_000, LONG, 10).await.unwrap();
    assert_eq!(events(&queued), [("m1", "failed"), ("m2", "unknown")]);
    assert_eq!(queued[1].created_at, 10);
}
on_every_backend!(failed_and_unknown_finish_the_message);

fn message_with_id(id: &str) -> NewMessage {
    message(id, id, 1)
}

async fn retry_and_requeue_go_back_to_the_queue_without_webhooks(store: Store) {
    accepted_and_claimed(&store, "m1", "s1").await;
    assert!(store.mark_sending("m1", "s1", 1, LONG).await.unwrap());
    let retry = Outcome::Retry {
        attempts: 3,
        errcode: None,
        errmsg: "timed out".to_owned(),
        next_attempt_at_ms: 8_000,
    };
    assert!(
        store
            .record_outcome("m1", "s1", &retry, Some("never"))
            .await
            .unwrap()
    );
    let message = get(&store, "m1").await;
    assert_eq!(message.status, MessageStatus::Queued);
    assert_eq!(message.attempts, 3);
    assert_eq!(message.errcode, None);
    assert_eq!(message.errmsg.as_deref(), Some("timed out"));
    assert_eq!(message.next_attempt_at_ms, 8_000);
    assert!(
        store
            .claim_messages("s2", 7_999, LONG, 10, &[])
            .await
            .unwrap()
            .is_empty(),
        "not due before its next attempt, although its lease ended"
    );
    assert_eq!(
        ids(&store
            .claim_messages("s2", 8_000, LONG, 10, &[])
            .await
            .unwrap()),
        ["m1"]
    );

    let requeue = Outcome::Requeue {
        next_attempt_at_ms: 86_400_000,
    };
    assert!(
        store
            .record_outcome("m1", "s2", &requeue, Some("never"))
            .await
            .unwrap()
    );
    let message = get(&store, "m1").await;
    assert_eq!(message.status, MessageStatus::Queued);
    assert_eq!(message.attempts, 3);
    assert_eq!(message.next_attempt_at_ms, 86_400_000);
    assert!(
        store
            .claim_webhooks("w", i64::MAX / 2, LONG, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
on_every_backend!(retry_and_requeue_go_back_to_the_queue_without_webhooks);

/// A template sent with `msgid` 77 (webhook event queued, and delivered).
async fn sent_template(store: &Store, id: &str, msgid: i64) {
    accepted_and_claimed(store, id, "s1").await;
    let sent = Outcome::Sent {
        msgid: Some(msgid),
        at: 5,
    };
    assert!(store.record_outcome(id, "s1", &sent, None).await.unwrap());
}

async fn delivery_reports_finish_a_sent_template(store: Store) {
    sent_template(&store, "m1", 77).await;
    let body = |m: &OutboxMessage| Some(format!("{}:{}", m.id, m.status.as_str()));
    let delivered = store
        .template_finished("shop", 77, "success", 50, body)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(delivered.status, MessageStatus::Delivered);
    assert_eq!(delivered.finished_at, Some(50));
    assert_eq!(delivered.errmsg, None);
    assert_eq!(get(&store, "m1").await, delivered);

    // WeChat repeats the push: the message is answered as it is, with no second event.
    let again = store
        .template_finished("shop", 77, "failed:user block", 60, body)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, delivered);

    sent_template(&store, "m2", 78).await;
    let failed = store
        .template_finished("shop", 78, "failed:user block", 70, |_| None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.errmsg.as_deref(), Some("failed:user block"));
    assert_eq!(failed.finished_at, Some(70));

    let queued = store.claim_webhooks("w", 100_000, LONG, 10).await.unwrap();
    assert_eq!(events(&queued), [("m1", "m1:delivered")]);
    assert_eq!(queued[0].created_at, 50);
}
on_every_backend!(delivery_reports_finish_a_sent_template);

async fn a_delivery_report_for_an_unknown_msgid_finds_nothing(store: Store) {
    sent_template(&store, "m1", 77).await;
    let body = |_: &OutboxMessage| Some("x".to_owned());
    let unknown = store
        .template_finished("shop", 78, "success", 50, body)
        .await
        .unwrap();
    assert_eq!(unknown, None);
    let other_account = store
        .template_finished("other", 77, "success", 50, body)
        .await
        .unwrap();
    assert_eq!(other_account, None);
    assert_eq!(get(&store, "m1").await.status, MessageStatus::Sent);

    // A subscribe message with a msgid is not a template.
    let mut subscribe = message("m2", "k2", 1);
    subscribe.kind = MessageKind::Subscribe;
    created(accept_one(&store, subscribe).await);
    store
        .claim_messages("s1", 1_000, LONG, 10, &[])
        .await
        .unwrap();
    let sent = Outcome::Sent {
        msgid: Some(79),
        at: 5,
    };
    assert!(store.record_outcome("m2", "s1", &sent, None).await.unwrap());
    let subscribe = store
        .template_finished("shop", 79, "success", 50, body)
        .await
        .unwrap();
    assert_eq!(subscribe, None);
    assert!(
        store
            .claim_webhooks("w", i64::MAX / 2, LONG, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
on_every_backend!(a_delivery_report_for_an_unknown_msgid_finds_nothing);

async fn webhook_events_go_in_order_per_message(store: Store) {
    // m1: sent, then delivered; m2: failed. Events 1 (m1), 2 (m2), 3 (m1).
    sent_template_with_event(&store, "m1", 77).await;
    created(accept_one(&store, message_with_id("m2")).await);
    store
        .claim_messages("s1", 1_000, LONG, 10, &[])
        .await
        .unwrap();
    let failed = Outcome::Failed {
        errcode: Some(40003),
        errmsg: "invalid openid".to_owned(),
        at: 6,
        attempts: 1,
    };
    assert!(
        store
            .record_outcome("m2", "s1", &failed, Some("m2 failed"))
            .await
            .unwrap()
    );
    store
        .template_finished("shop", 77, "success", 7, |_| {
            Some("m1 delivered".to_owned())
        })
        .await
        .unwrap();

    let first = store.claim_webhooks("w1", 10_000, 5_000, 10).await.unwrap();
    assert_eq!(
        events(&first),
        [("m1", "m1 sent"), ("m2", "m2 failed")],
        "m1's second event waits for its first"
    );
    assert!(
        store
            .claim_webhooks("w2", 10_000, 5_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased events are not handed out twice, and m1's next still waits"
    );
    // m1's first event fails: retried later, and its next event still waits.
    store.webhook_retry(first[0].id, 1, 20_000).await.unwrap();
    store.webhook_done(first[1].id).await.unwrap();
    assert!(
        store
            .claim_webhooks("w2", 19_999, 5_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store.claim_webhooks("w2", 20_000, 5_000, 10).await.unwrap();
    assert_eq!(events(&retried), [("m1", "m1 sent")]);
    assert_eq!(retried[0].attempts, 1);
    // The lease of an event whose delivery hangs ends; then another claim takes it again.
    let reclaimed = store.claim_webhooks("w3", 25_000, 5_000, 10).await.unwrap();
    assert_eq!(events(&reclaimed), [("m1", "m1 sent")]);
    store.webhook_done(reclaimed[0].id).await.unwrap();
    let next = store.claim_webhooks("w3", 25_000, 5_000, 10).await.unwrap();
    assert_eq!(events(&next), [("m1", "m1 delivered")]);
    assert_eq!(next[0].created_at, 7);
    store.webhook_done(next[0].id).await.unwrap();
    assert!(
        store
            .claim_webhooks("w3", i64::MAX / 2, 5_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_webhooks("w3", 25_000, 5_000, 0)
            .await
            .unwrap()
            .is_empty()
    );
}
on_every_backend!(webhook_events_go_in_order_per_message);

/// Like [`sent_template`], with the webhook event "ID sent".
async fn sent_template_with_event(store: &Store, id: &str, msgid: i64) {
    accepted_and_claimed(store, id, "s1").await;
    let sent = Outcome::Sent {
        msgid: Some(msgid),
        at: 5,
    };
    let body = format!("{id} sent");
    assert!(
        store
            .record_outcome(id, "s1", &sent, Some(&body))
            .await
            .unwrap()
    );
}

async fn the_depth_counts_unfinished_messages_per_account(store: Store) {
    assert!(store.outbox_depth().await.unwrap().is_empty());
    let mut batch = Vec::new();
    for (n, account) in ["shop", "zoo", "shop", "shop"].iter().enumerate() {
        let mut new = message(&format!("m{n}"), &format!("k{n}"), 1);
        new.account = (*account).to_owned();
        batch.push(new);
    }
    store.accept_messages(&batch).await.unwrap();
    assert_eq!(
        store.outbox_depth().await.unwrap(),
        [("shop".to_owned(), 3), ("zoo".to_owned(), 1)]
    );
    store
        .claim_messages("s1", 1_000, LONG, 2, &[])
        .await
        .unwrap();
    assert!(store.mark_sending("m0", "s1", 1, LONG).await.unwrap());
    assert!(
        store
            .record_outcome("m1", "s1", &Outcome::Unknown { at: 2 }, None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.outbox_depth().await.unwrap(),
        [("shop".to_owned(), 3)],
        "sending counts, finished does not"
    );
}
on_every_backend!(the_depth_counts_unfinished_messages_per_account);

async fn the_console_reads_counts_by_status_and_the_latest_messages(store: Store) {
    let zero: Vec<(MessageStatus, u64)> = MessageStatus::ALL.iter().map(|s| (*s, 0)).collect();
    assert_eq!(store.outbox_status_counts("shop").await.unwrap(), zero);
    assert!(
        store
            .recent_outbox_messages("shop", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut batch = Vec::new();
    for (n, account) in ["shop", "zoo", "shop", "shop"].iter().enumerate() {
        let mut new = message(&format!("m{n}"), &format!("k{n}"), 1);
        new.account = (*account).to_owned();
        batch.push(new);
    }
    store.accept_messages(&batch).await.unwrap();
    store
        .claim_messages("s1", 1_000, LONG, 2, &[])
        .await
        .unwrap();
    assert!(store.mark_sending("m0", "s1", 1, LONG).await.unwrap());
    assert!(
        store
            .record_outcome("m0", "s1", &Outcome::Sent { msgid: None, at: 2 }, None)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_outcome("m1", "s1", &Outcome::Unknown { at: 2 }, None)
            .await
            .unwrap()
    );
    let counts = store.outbox_status_counts("shop").await.unwrap();
    assert_eq!(
        counts,
        [
            (MessageStatus::Queued, 2),
            (MessageStatus::Sending, 0),
            (MessageStatus::Sent, 1),
            (MessageStatus::Delivered, 0),
            (MessageStatus::Failed, 0),
            (MessageStatus::Unknown, 0),
        ]
    );
    let zoo = store.outbox_status_counts("zoo").await.unwrap();
    assert_eq!(
        zoo[MessageStatus::ALL.len() - 1],
        (MessageStatus::Unknown, 1)
    );
    let recent = store.recent_outbox_messages("shop", 10).await.unwrap();
    assert_eq!(
        ids(&recent),
        ["m3", "m2", "m0"],
        "newest first, this account only"
    );
    assert_eq!(recent[2].status, MessageStatus::Sent);
    let latest = store.recent_outbox_messages("shop", 2).await.unwrap();
    assert_eq!(ids(&latest), ["m3", "m2"]);
}
on_every_backend!(the_console_reads_counts_by_status_and_the_latest_messages);

/// Two gateway instances (two stores on one database) claiming at once from one queue: every
/// message is handed to exactly one of them.
async fn two_stores_never_claim_one_message_twice(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    let total = 120;
    let batch: Vec<NewMessage> = (0..total)
        .map(|n| message(&format!("m{n:03}"), &format!("k{n}"), 1))
        .collect();
    one.accept_messages(&batch).await.unwrap();

    let claimers: Vec<_> = [
        ("a", one.clone()),
        ("b", two.clone()),
        ("c", one),
        ("d", two),
    ]
    .into_iter()
    .map(|(owner, store)| {
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store
                    .claim_messages(owner, 1_000, LONG, 3, &[])
                    .await
                    .unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                for message in claimed {
                    assert!(
                        store
                            .mark_sending(&message.id, owner, 1, LONG)
                            .await
                            .unwrap()
                    );
                    mine.push(message.id);
                }
            }
        })
    })
    .collect();
    let mut seen = HashSet::new();
    for claimer in claimers {
        for id in claimer.await.unwrap() {
            assert!(seen.insert(id.clone()), "{id} was claimed twice");
        }
    }
    assert_eq!(seen.len(), total);
}
on_file_and_postgres!(two_stores_never_claim_one_message_twice);

/// Two instances accepting one key at once, each in batches: one message in all.
async fn two_stores_accepting_one_key_store_one_message(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let store = if n % 2 == 0 { one.clone() } else { two.clone() };
            tokio::spawn(async move {
                // Each batch also takes keys of its own, in another order than its neighbour.
                let batch = [
                    message(&format!("own-{n}"), &format!("own-{n}"), 1),
                    message(&format!("m{n}"), "shared", 1),
                    message(&format!("x-{n}"), &format!("k-{}", n % 3), 1),
                ];
                store.accept_messages(&batch).await
            })
        })
        .collect();
    let mut created_ids = Vec::new();
    let mut shared = HashSet::new();
    for task in tasks {
        let answers = task.await.unwrap().unwrap();
        for answer in &answers {
            if let Accepted::Created(message) = answer {
                created_ids.push(message.id.clone());
            }
        }
        let id = match &answers[1] {
            Accepted::Created(message) | Accepted::Existing { message, .. } => message.id.clone(),
        };
        shared.insert(id);
    }
    assert_eq!(
        shared.len(),
        1,
        "one message for the shared key: {shared:?}"
    );
    assert_eq!(
        created_ids.len(),
        20 + 1 + 3,
        "own keys, the shared key, three k-N keys: {created_ids:?}"
    );
    let stored: i64 = with_pool!(one, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_messages")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(stored, 24);
}
on_file_and_postgres!(two_stores_accepting_one_key_store_one_message);

#[test]
fn kinds_and_statuses_read_what_they_write() {
    for kind in [
        MessageKind::Template,
        MessageKind::Subscribe,
        MessageKind::Custom,
    ] {
        assert_eq!(kind.as_str().parse::<MessageKind>(), Ok(kind));
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::json!(kind.as_str())
        );
    }
    for status in [
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Failed,
        MessageStatus::Unknown,
    ] {
        assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::json!(status.as_str())
        );
    }
    assert!("Template".parse::<MessageKind>().is_err());
    assert!("done".parse::<MessageStatus>().is_err());
}
