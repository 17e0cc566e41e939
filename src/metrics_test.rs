use super::*;

#[test]
fn renders_every_family_with_account_labels() {
    let metrics = Metrics::new(["demo", "shop"]);
    let demo = metrics.account(0).unwrap();
    demo.message();
    demo.message();
    demo.duplicate();
    demo.rejected(Reason::Stale);
    demo.failure(Failure::Deadline);
    demo.failure(Failure::Error);
    demo.failure(Failure::Error);
    demo.rejected(Reason::Timeout);
    demo.handled_in(Duration::from_millis(3));
    metrics.unknown_account();

    let text = metrics.render();
    assert!(text.contains("wxgate_messages_total{account=\"demo\"} 2\n"));
    assert!(text.contains("wxgate_messages_total{account=\"shop\"} 0\n"));
    assert!(text.contains("wxgate_duplicates_total{account=\"demo\"} 1\n"));
    assert!(text.contains("wxgate_rejected_total{account=\"demo\",reason=\"stale\"} 1\n"));
    assert!(text.contains("wxgate_rejected_total{account=\"demo\",reason=\"signature\"} 0\n"));
    assert!(text.contains("wxgate_handler_failures_total{account=\"demo\",kind=\"deadline\"} 1\n"));
    assert!(text.contains("wxgate_handler_failures_total{account=\"demo\",kind=\"error\"} 2\n"));
    assert!(text.contains("wxgate_handler_failures_total{account=\"shop\",kind=\"panic\"} 0\n"));
    assert!(text.contains("wxgate_rejected_total{account=\"demo\",reason=\"timeout\"} 1\n"));
    assert!(text.contains("wxgate_handling_seconds_bucket{account=\"demo\",le=\"0.0025\"} 0\n"));
    assert!(text.contains("wxgate_handling_seconds_bucket{account=\"demo\",le=\"0.005\"} 1\n"));
    assert!(text.contains("wxgate_handling_seconds_bucket{account=\"demo\",le=\"+Inf\"} 1\n"));
    assert!(text.contains("wxgate_handling_seconds_count{account=\"demo\"} 1\n"));
    assert!(text.contains("wxgate_unknown_account_total 1\n"));
}

#[test]
fn redis_families_appear_once_redis_is_configured() {
    let metrics = Metrics::new(["demo"]);
    assert!(!metrics.render().contains("wxgate_redis"));
    metrics.redis_up(true);
    metrics.redis_error(RedisOp::Claim);
    metrics.redis_error(RedisOp::Claim);
    let text = metrics.render();
    assert!(text.contains("wxgate_redis_up 1\n"), "{text}");
    assert!(text.contains("wxgate_redis_errors_total{op=\"claim\"} 2\n"));
    assert!(text.contains("wxgate_redis_errors_total{op=\"ping\"} 0\n"));
}

#[test]
fn out_of_range_account_is_none() {
    assert!(Metrics::new(["demo"]).account(1).is_none());
}

#[test]
fn outbox_families_are_rendered() {
    use crate::store::MessageKind;
    let metrics = Metrics::new(["demo", "shop"]);
    let shop = metrics.account(1).unwrap();
    shop.outbox_depth(7);
    shop.outbox_send(MessageKind::Template, SendResult::Sent);
    shop.outbox_send(MessageKind::Template, SendResult::Sent);
    shop.outbox_send(MessageKind::Custom, SendResult::Unknown);
    metrics.outbox_send_time(Duration::from_millis(80));
    metrics.outbox_send_time(Duration::from_secs(30));

    let text = metrics.render();
    assert!(text.contains("# TYPE wxgate_outbox_depth gauge\n"));
    assert!(text.contains("wxgate_outbox_depth{account=\"shop\"} 7\n"));
    assert!(text.contains("wxgate_outbox_depth{account=\"demo\"} 0\n"));
    assert!(text.contains(
        "wxgate_outbox_sends_total{account=\"shop\",kind=\"template\",result=\"sent\"} 2\n"
    ));
    assert!(text.contains(
        "wxgate_outbox_sends_total{account=\"shop\",kind=\"custom\",result=\"unknown\"} 1\n"
    ));
    assert!(text.contains(
        "wxgate_outbox_sends_total{account=\"demo\",kind=\"subscribe\",result=\"retried\"} 0\n"
    ));
    assert!(text.contains("# TYPE wxgate_outbox_send_seconds histogram\n"));
    assert!(text.contains("wxgate_outbox_send_seconds_bucket{le=\"0.05\"} 0\n"));
    assert!(text.contains("wxgate_outbox_send_seconds_bucket{le=\"0.1\"} 1\n"));
    assert!(text.contains("wxgate_outbox_send_seconds_bucket{le=\"10\"} 1\n"));
    assert!(text.contains("wxgate_outbox_send_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert!(text.contains("wxgate_outbox_send_seconds_count 2\n"));
}

#[test]
fn snapshot_sums_the_accounts_and_labels_every_reason_and_kind() {
    let metrics = Metrics::new(["demo", "shop"]);
    let demo = metrics.account(0).unwrap();
    let shop = metrics.account(1).unwrap();
    for _ in 0..3 {
        demo.message();
    }
    shop.message();
    demo.duplicate();
    demo.rejected(Reason::Signature);
    shop.rejected(Reason::Signature);
    shop.rejected(Reason::Stale);
    demo.failure(Failure::Deadline);
    shop.failure(Failure::Panic);
    demo.pushed(true);
    demo.pushed(false);
    shop.pushed(true);

    let snap = metrics.snapshot(crate::clock::monotonic_millis());
    assert_eq!(snap.accounts.len(), 2);
    assert_eq!(snap.accounts[0].account, "demo");
    assert_eq!(snap.accounts[0].pushes, 3);
    assert_eq!(snap.accounts[0].duplicates, 1);
    assert_eq!(snap.accounts[0].late_replies, 2);
    assert_eq!(snap.accounts[0].rejections["signature"], 1);
    assert_eq!(snap.accounts[0].rejections["stale"], 0);
    assert_eq!(snap.accounts[0].rejections.len(), Reason::ALL.len());
    assert_eq!(snap.total.pushes, 4);
    assert_eq!(snap.total.rejections["signature"], 2);
    assert_eq!(snap.total.rejections_total(), 3);
    assert_eq!(snap.total.handler_failures["deadline"], 1);
    assert_eq!(snap.total.handler_failures["panic"], 1);
    assert_eq!(snap.total.handler_failures_total(), 2);
    assert_eq!(snap.total.late_replies, 3);
    assert_eq!(snap.total.p50_ms, None);
}

#[test]
fn quantiles_interpolate_within_the_bucket() {
    let metrics = Metrics::new(["demo"]);
    let demo = metrics.account(0).unwrap();
    // 98 pushes in (2.5 ms, 5 ms], 2 in (250 ms, 500 ms].
    for _ in 0..98 {
        demo.handled_in(Duration::from_millis(3));
    }
    for _ in 0..2 {
        demo.handled_in(Duration::from_millis(300));
    }
    let snap = metrics.snapshot(crate::clock::monotonic_millis());
    let p50 = snap.accounts[0].p50_ms.unwrap();
    let p99 = snap.accounts[0].p99_ms.unwrap();
    // Rank 50 of the 98 in (2.5, 5]: 2.5 + 2.5 * 50/98.
    assert!((p50 - (2.5 + 2.5 * 50.0 / 98.0)).abs() < 1e-9, "{p50}");
    // Rank 99: the first of the two in (250, 500]: 250 + 250 * 1/2.
    assert!((p99 - 375.0).abs() < 1e-9, "{p99}");
    assert_eq!(snap.total.p99_ms, Some(p99));
}

#[test]
fn slow_pushes_beyond_the_last_bucket_answer_its_bound() {
    let metrics = Metrics::new(["demo"]);
    metrics
        .account(0)
        .unwrap()
        .handled_in(Duration::from_secs(9));
    let snap = metrics.snapshot(0);
    assert_eq!(snap.accounts[0].p50_ms, Some(5000.0));
}

#[test]
fn pushes_per_minute_are_measured_over_the_recent_reads() {
    let metrics = Metrics::new(["demo"]);
    let demo = metrics.account(0).unwrap();
    let start = 1_000_000;
    metrics.snapshot(start);
    for _ in 0..10 {
        demo.message();
    }
    // 10 pushes in 30 s: 20 a minute.
    let snap = metrics.snapshot(start + 30_000);
    assert!((snap.accounts[0].pushes_per_minute - 20.0).abs() < 1e-9);
    assert!((snap.total.pushes_per_minute - 20.0).abs() < 1e-9);
    // Past the window, the first read no longer counts: 0 new pushes since the second.
    let snap = metrics.snapshot(start + 95_000);
    assert_eq!(snap.accounts[0].pushes_per_minute, 0.0);
}

#[test]
fn redis_status_is_unknown_until_configured() {
    let metrics = Metrics::new(["demo"]);
    assert_eq!(metrics.redis_is_up(), None);
    metrics.redis_up(true);
    assert_eq!(metrics.redis_is_up(), Some(true));
    metrics.redis_up(false);
    assert_eq!(metrics.redis_is_up(), Some(false));
}
