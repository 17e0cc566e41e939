use crate::common::*;

#[actix_web::test]
async fn healthz_is_ok() {
    let gw = start().await;
    assert_eq!(gw.get("/healthz").await, (200, "ok".to_owned()));
    // Load balancers probe with HEAD.
    let head = gw.client.head(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.text().await.unwrap(), "");
}

#[actix_web::test]
async fn metrics_count_messages_duplicates_rejections_and_time() {
    let gw = start().await;
    let body = text_xml("o_metrics", "hello", 7_000_000_001);
    assert_eq!(gw.post_plain("demo", &body).await.0, 200);
    assert_eq!(gw.post_plain("demo", &body).await.0, 200);
    assert_eq!(gw.post_plain("demo", "<xml><broken></xml>").await.0, 400);

    let text = gw.metrics().await;
    assert_eq!(
        metric(&text, r#"wxgate_messages_total{account="demo"}"#),
        2.0
    );
    assert_eq!(
        metric(&text, r#"wxgate_duplicates_total{account="demo"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            r#"wxgate_rejected_total{account="demo",reason="parse"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(&text, r#"wxgate_messages_total{account="safe"}"#),
        0.0
    );
    assert_eq!(
        metric(&text, r#"wxgate_handling_seconds_count{account="demo"}"#),
        2.0
    );
    assert!(text.contains("# TYPE wxgate_handling_seconds histogram"));
    for reason in [
        "signature",
        "decrypt",
        "appid",
        "parse",
        "too_large",
        "stale",
        "bad_request",
    ] {
        assert!(
            text.contains(&format!(
                r#"wxgate_rejected_total{{account="demo",reason="{reason}"}}"#
            )),
            "{reason}"
        );
    }
}
