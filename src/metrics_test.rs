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
