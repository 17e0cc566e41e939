use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wxgate::Gateway;
use wxgate::handlers::{Context, Handler, Message, Outcome, Reply, async_trait};

use crate::common::*;

#[actix_web::test]
async fn slow_handler_is_answered_success_at_the_deadline_and_its_reply_goes_to_the_retry() {
    // handler_timeout_ms is 1000 in the test config; the handler takes 1.6 s.
    let (gw, seen) = start_counting("", Duration::from_millis(1600)).await;
    let body = text_xml("o_slow", "count me", 11_001);
    let started = Instant::now();
    let (status, reply) = gw.post_plain("demo", &body).await;
    let took = started.elapsed();
    assert_eq!((status, reply.as_str()), (200, "success"));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(1500),
        "{took:?}"
    );

    // A retry arriving while the handler still runs waits for it (it finishes within its own
    // deadline) and gets the real reply; the handler ran once, uncancelled.
    let (status, reply) = gw.post_plain("demo", &body).await;
    assert_eq!(status, 200);
    assert_eq!(xml_field(&reply, "Content").as_deref(), Some("handled #1"));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_handler_failures_total{account="demo",kind="deadline"}"#
        ),
        1.0
    );
}

struct Panicker;

#[async_trait]
impl Handler for Panicker {
    async fn on_text(&self, ctx: &Context<'_>, _text: &wxgate::handlers::TextMessage) -> Outcome {
        if ctx.message().text_content() == Some("boom") {
            panic!("handler bug");
        }
        Outcome::Pass
    }
}

#[actix_web::test]
async fn panicking_handler_answers_success_and_the_server_keeps_serving() {
    let gw = start_with(
        &config_text(""),
        vec![Box::new(|g: Gateway| g.handler(Panicker))],
    )
    .await;
    for i in 0..3 {
        let (status, body) = gw
            .post_plain("demo", &text_xml("o_p", "boom", 12_000 + i))
            .await;
        assert_eq!((status, body.as_str()), (200, "success"));
    }
    // Still serving, rules still work.
    let (_, body) = gw
        .post_plain("demo", &text_xml("o_p", "hello", 12_100))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
    assert_eq!(gw.get("/healthz").await.0, 200);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_handler_failures_total{account="demo",kind="panic"}"#
        ),
        3.0
    );
}

/// Records the raw fields of what it is given.
struct Recorder(Arc<std::sync::Mutex<Vec<Message>>>, Arc<AtomicUsize>);

#[async_trait]
impl Handler for Recorder {
    async fn on_unknown(&self, ctx: &Context<'_>, _msg_type: &str) -> Outcome {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.lock().unwrap().push(ctx.message().clone());
        Reply::Text("unknown seen".into()).into()
    }
}

#[actix_web::test]
async fn unknown_types_reach_handlers_with_every_field() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let recorder = Recorder(seen.clone(), calls.clone());
    let gw = start_with(
        &config_text(""),
        vec![Box::new(move |g: Gateway| g.handler(recorder))],
    )
    .await;
    let body = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_u</FromUserName><CreateTime>{}</CreateTime><MsgType>hologram</MsgType><Depth>3</Depth><Shape><Kind>cube</Kind><Side>2</Side></Shape><MsgId>13001</MsgId></xml>",
        now()
    );
    let (status, reply) = gw.post_plain("demo", &body).await;
    assert_eq!(status, 200);
    assert_eq!(
        xml_field(&reply, "Content").as_deref(),
        Some("unknown seen")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let message = seen.lock().unwrap()[0].clone();
    assert_eq!(message.msg_type(), "hologram");
    assert_eq!(message.raw.text("Depth"), Some("3"));
    assert_eq!(
        message.raw.node("Shape").and_then(|s| s.text("Kind")),
        Some("cube")
    );
    assert_eq!(message.raw.len(), 7);
}

/// Logs a marker before and after waiting.
struct SpanLogger;

#[async_trait]
impl Handler for SpanLogger {
    async fn on_text(&self, _ctx: &Context<'_>, text: &wxgate::handlers::TextMessage) -> Outcome {
        tracing::info!(marker = %format!("{}-before", text.content), "handler log");
        // Pending once: the rest runs in the handler's own task.
        tokio::task::yield_now().await;
        tracing::info!(marker = %format!("{}-after", text.content), "handler log");
        Outcome::Pass
    }
}

#[actix_web::test]
async fn what_handlers_log_carries_the_push_span_before_and_after_they_wait() {
    let gw = start_with(
        &config_text(""),
        vec![Box::new(|g: Gateway| g.handler(SpanLogger))],
    )
    .await;
    let marker = format!("span-check-{}", now());
    let (status, _) = gw
        .post_plain("demo", &text_xml("o_span", &marker, 14_001))
        .await;
    assert_eq!(status, 200);
    for when in ["before", "after"] {
        let wanted = format!("marker={marker}-{when}");
        let found = eventually(Duration::from_secs(5), || {
            let wanted = wanted.clone();
            async move {
                std::fs::read_to_string(log_file())
                    .unwrap_or_default()
                    .lines()
                    .any(|line| line.contains(&wanted))
            }
        })
        .await;
        assert!(found, "no log line with {wanted}");
        let log = std::fs::read_to_string(log_file()).unwrap();
        let line = log.lines().find(|line| line.contains(&wanted)).unwrap();
        assert!(
            line.contains(r#"push{account=demo msg_type="text"}"#),
            "not in the push span: {line}"
        );
    }
}

struct Shop;

#[async_trait]
impl Handler for Shop {
    async fn on_text(&self, _ctx: &Context<'_>, text: &wxgate::handlers::TextMessage) -> Outcome {
        Reply::Text(format!("shop: {}", text.content)).into()
    }
}

#[actix_web::test]
async fn closures_answer_their_type_and_plugins_can_serve_one_account() {
    let gw = start_with(
        &config_text(""),
        vec![Box::new(|g: Gateway| {
            g.handler_for("compat", Shop)
                .on_text(
                    |ctx, text| async move { format!("{} says {}", ctx.account(), text.content) },
                )
                .on_event_scan(
                    |_ctx, scan| async move { Some(format!("scene {}", scan.event_key)) },
                )
        })],
    )
    .await;
    // The config's rules come first, then the plugins in their order.
    let (_, body) = gw
        .post_plain("demo", &text_xml("o_1", "hello", 21_001))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
    let (_, body) = gw.post_plain("demo", &text_xml("o_1", "hi", 21_002)).await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("demo says hi"));
    // The shop plugin serves `compat` only, ahead of the closure there.
    let (_, body) = gw
        .post_plain("compat", &text_xml("o_1", "hi", 21_003))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("shop: hi"));
    let (_, body) = gw
        .post_plain("demo", &event_xml("o_2", now(), "SCAN", "42"))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("scene 42"));
}

#[actix_web::test]
async fn a_plugin_for_an_account_the_config_lacks_stops_the_start() {
    let config = wxgate::Config::parse(&config_text(""), "test.toml").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let error = Gateway::from_config(config)
        .handler_for("nobody", Shop)
        .serve(listener)
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("`nobody`") && message.contains("Shop"),
        "{message}"
    );
}
