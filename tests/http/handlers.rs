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

/// Enqueues an "order shipped" template for the text `ship ORDER` (or `ship ORDER as ITEM`:
/// the same key with another message), keyed by the order; answers `ID new`, `ID again`, or
/// `refused: ...`.
fn shipping(g: Gateway) -> Gateway {
    use wxgate::handlers::api::{TemplateMessage, TemplateValue};
    g.on_text(|ctx, text| async move {
        let order = text.content.strip_prefix("ship ")?;
        let (order, item) = order.split_once(" as ").unwrap_or((order, "parcel"));
        let message = TemplateMessage {
            to_user: ctx.message().from_user.clone(),
            template_id: "ORDER_SHIPPED".to_owned(),
            url: Some(format!("https://shop.example.com/orders/{order}")),
            miniprogram: None,
            client_msg_id: None,
            data: [
                (
                    "first".to_owned(),
                    TemplateValue::new(format!("{item} shipped")),
                ),
                ("keyword1".to_owned(), TemplateValue::new(order)),
            ]
            .into(),
        };
        let key = format!("shipped-{order}");
        Some(match ctx.outbox().enqueue(&key, message.into()).await {
            Ok(queued) if queued.existing => format!("{} again", queued.id),
            Ok(queued) => format!("{} new", queued.id),
            Err(error) => format!("refused: {error}"),
        })
    })
}

/// A gateway of `api_config` at `wechat` with the [`shipping`] plugin, on a store the test
/// opens too.
async fn shipping_gateway(
    wechat: &wiremock::MockServer,
) -> (
    TestGateway,
    wxgate::internals::store::Store,
    tempfile::TempDir,
) {
    let (storage, dir) = temp_storage();
    let config = format!(
        "{storage}{}",
        api_config(&wechat.uri(), "http://127.0.0.1:9/", "")
    );
    let gw = start_with(&config, vec![Box::new(shipping)]).await;
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let store = wxgate::internals::store::Store::open(&url).await.unwrap();
    (gw, store, dir)
}

/// The reply's text.
async fn push_text(gw: &TestGateway, account: &str, content: &str, msg_id: u64) -> String {
    let (status, body) = gw
        .post_plain(account, &text_xml("o_buyer", content, msg_id))
        .await;
    assert_eq!(status, 200, "{body}");
    xml_field(&body, "Content").unwrap_or_else(|| panic!("no reply: {body}"))
}

#[actix_web::test]
async fn a_plugin_enqueues_a_template_which_is_stored_queued_once_per_key() {
    use wxgate::internals::outbox::enqueue::PLUGIN_CLIENT_ID;
    use wxgate::internals::store::{MessageKind, MessageStatus};

    // WeChat gives no access token: the sender cannot send, the message stays queued.
    let wechat = wiremock::MockServer::start().await;
    let (gw, store, _dir) = shipping_gateway(&wechat).await;

    let reply = push_text(&gw, "demo", "ship 1042", 31_001).await;
    let (id, how) = reply.split_once(' ').unwrap();
    assert_eq!((id.len(), how), (32, "new"), "{reply}");
    // The message was stored before the push was answered.
    let stored = store
        .outbox_message("demo", PLUGIN_CLIENT_ID, id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.status, MessageStatus::Queued);
    assert_eq!(stored.kind, MessageKind::Template);
    assert_eq!(stored.recipient, "o_buyer");
    let payload: serde_json::Value = serde_json::from_str(&stored.payload).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({
            "touser": "o_buyer",
            "template_id": "ORDER_SHIPPED",
            "url": "https://shop.example.com/orders/1042",
            "data": {
                "first": {"value": "parcel shipped"},
                "keyword1": {"value": "1042"}
            }
        })
    );

    // Another push with the same key and message: the same message, nothing new stored.
    let reply = push_text(&gw, "demo", "ship 1042", 31_002).await;
    assert_eq!(reply, format!("{id} again"));
    // The same key with another message is refused.
    let reply = push_text(&gw, "demo", "ship 1042 as box", 31_003).await;
    assert!(
        reply.starts_with("refused:") && reply.contains(id),
        "{reply}"
    );
    // Another key is another message.
    let reply = push_text(&gw, "demo", "ship 1043", 31_004).await;
    assert!(reply.ends_with(" new") && !reply.starts_with(id), "{reply}");
    let depth = store.outbox_depth().await.unwrap();
    assert_eq!(depth, [("demo".to_owned(), 2)]);
    // No app reads it.
    let (status, _) = gw.get(&format!("/api/accounts/demo/messages/{id}")).await;
    assert_eq!(status, 401);

    // An account without a secret has no outbox.
    let reply = push_text(&gw, "nosecret", "ship 1", 31_005).await;
    assert!(
        reply.starts_with("refused:") && reply.contains("no outbox"),
        "{reply}"
    );
    store.close().await;
}

#[actix_web::test]
async fn a_plugins_template_is_delivered_by_the_sender() {
    use wiremock::matchers::{method, path};
    use wxgate::internals::outbox::enqueue::PLUGIN_CLIENT_ID;
    use wxgate::internals::store::MessageStatus;

    let wechat = wiremock::MockServer::start().await;
    mount_token(&wechat, "TOKEN_S").await;
    wiremock::Mock::given(method("POST"))
        .and(path("/cgi-bin/message/template/send"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"errcode": 0, "errmsg": "ok", "msgid": 200228332}),
            ),
        )
        .mount(&wechat)
        .await;
    let (gw, store, _dir) = shipping_gateway(&wechat).await;

    let reply = push_text(&gw, "demo", "ship 7", 32_001).await;
    let id = reply.strip_suffix(" new").expect(&reply).to_owned();
    let sent = eventually(Duration::from_secs(10), || {
        let (store, id) = (&store, &id);
        async move {
            let message = store.outbox_message("demo", PLUGIN_CLIENT_ID, id).await;
            message
                .unwrap()
                .is_some_and(|m| m.status == MessageStatus::Sent)
        }
    })
    .await;
    assert!(sent, "not sent");
    let message = store
        .outbox_message("demo", PLUGIN_CLIENT_ID, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.msgid, Some(200228332));
    let sends: Vec<serde_json::Value> = wechat
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/cgi-bin/message/template/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["client_msg_id"], id.as_str());
    assert_eq!(sends[0]["touser"], "o_buyer");
    assert_eq!(sends[0]["data"]["keyword1"]["value"], "7");
    store.close().await;
}
