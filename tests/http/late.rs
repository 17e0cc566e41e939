use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::*;

#[actix_web::test]
async fn a_reply_after_the_deadline_is_pushed_through_customer_service_once() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/custom/send"))
        .and(query_param("access_token", "TOKEN_A"))
        .and(body_json(
            json!({ "touser": "o_late", "msgtype": "text", "text": { "content": "handled #1" } }),
        ))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let config = api_config(&wechat.uri(), "http://127.0.0.1:9/", "");
    let (gw, seen) = start_counting_with(&config, Duration::from_millis(1500)).await;

    let body = text_xml("o_late", "count me", 20_001);
    let (status, reply) = gw.post_plain("demo", &body).await;
    assert_eq!(
        (status, reply.as_str()),
        (200, "success"),
        "deadline is 1000 ms"
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            custom_sends(&wechat).await.len() == 1
        })
        .await
    );

    // A retry after the push must not deliver the reply a second time.
    let (status, reply) = gw.post_plain("demo", &body).await;
    assert_eq!((status, reply.as_str()), (200, "success"));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_pushed_replies_total{account="demo",result="ok"}"#
        ),
        1.0
    );
}

#[actix_web::test]
async fn a_retry_waiting_when_the_late_reply_is_ready_gets_it_and_nothing_is_pushed() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(path("/cgi-bin/message/custom/send"))
        .respond_with(ok())
        .expect(0)
        .mount(&wechat)
        .await;
    let config = api_config(&wechat.uri(), "http://127.0.0.1:9/", "");
    let (gw, seen) = start_counting_with(&config, Duration::from_millis(1500)).await;

    let body = text_xml("o_wait", "count me", 20_002);
    let (_, first) = gw.post_plain("demo", &body).await;
    assert_eq!(first, "success");
    let (status, retry) = gw.post_plain("demo", &body).await; // waiting when the handler ends
    assert_eq!(status, 200);
    assert_eq!(xml_field(&retry, "Content").as_deref(), Some("handled #1"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(custom_sends(&wechat).await.is_empty());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn json_pushes_get_their_rule_reply_through_customer_service() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(path("/cgi-bin/message/custom/send"))
        .and(body_json(
            json!({ "touser": "o_mini", "msgtype": "text", "text": { "content": "world" } }),
        ))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let gw = start_with(
        &api_config(&wechat.uri(), "http://127.0.0.1:9/", ""),
        vec![],
    )
    .await;
    let json = format!(
        r#"{{"ToUserName":"gh_mini","FromUserName":"o_mini","CreateTime":{},"MsgType":"text","Content":"hello","MsgId":21001}}"#,
        now()
    );
    assert_eq!(
        gw.post_plain("demo", &json).await,
        (200, "success".to_owned())
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            custom_sends(&wechat).await.len() == 1
        })
        .await
    );
    assert_eq!(
        gw.post_plain("demo", &json).await,
        (200, "success".to_owned()),
        "retry"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(custom_sends(&wechat).await.len(), 1, "pushed once");
}

async fn bot_gateway(
    upstream: &MockServer,
    wechat: &MockServer,
    server_extra: &str,
) -> TestGateway {
    mount_token(wechat, "TOKEN_A").await;
    let config = api_config(
        &wechat.uri(),
        &format!("{}/wechat", upstream.uri()),
        server_extra,
    );
    start_with(&config, vec![]).await
}

#[actix_web::test]
async fn forward_rules_post_every_field_and_use_the_bots_reply() {
    let upstream = MockServer::start().await;
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wechat"))
        .and(body_partial_json(json!({
            "account": "bot",
            "message": { "MsgType": "event", "Event": "pic_weixin", "EventKey": "rselfmenu_1",
                "SendPicsInfo": { "Count": "2", "PicList": { "item": [ { "PicMd5Sum": "a" }, { "PicMd5Sum": "b" } ] } } }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "news": [ { "title": "pics", "url": "https://x" } ] })))
        .expect(1)
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/wechat"))
        .and(body_partial_json(
            json!({ "message": { "Content": "ask the bot", "MsgId": "22001" } }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "text": "from the bot" })))
        .expect(1)
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/wechat"))
        .and(body_partial_json(
            json!({ "message": { "Content": "silence" } }),
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&upstream)
        .await;
    let gw = bot_gateway(&upstream, &wechat, "").await;

    let (_, reply) = gw
        .post_plain("bot", &text_xml("o_b", "ask the bot", 22_001))
        .await;
    assert_eq!(
        xml_field(&reply, "Content").as_deref(),
        Some("from the bot")
    );
    let (_, reply) = gw
        .post_plain("bot", &text_xml("o_b", "local", 22_002))
        .await;
    assert_eq!(
        xml_field(&reply, "Content").as_deref(),
        Some("answered locally"),
        "rules keep their order"
    );
    let (_, reply) = gw
        .post_plain("bot", &text_xml("o_b", "silence", 22_003))
        .await;
    assert_eq!(reply, "success");
    let pics = format!(
        "<xml><ToUserName>gh</ToUserName><FromUserName>o_b</FromUserName><CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>pic_weixin</Event><EventKey>rselfmenu_1</EventKey><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item></PicList></SendPicsInfo></xml>",
        now()
    );
    let (_, reply) = gw.post_plain("bot", &pics).await;
    assert_eq!(xml_field(&reply, "MsgType").as_deref(), Some("news"));
}

#[actix_web::test]
async fn upstream_failures_answer_success_and_are_counted_by_reason() {
    let upstream = MockServer::start().await;
    let wechat = MockServer::start().await;
    let answer = |content: &'static str, response: ResponseTemplate| {
        Mock::given(method("POST"))
            .and(path("/wechat"))
            .and(body_partial_json(
                json!({ "message": { "Content": content } }),
            ))
            .respond_with(response)
    };
    answer("status", ResponseTemplate::new(500))
        .mount(&upstream)
        .await;
    answer(
        "body",
        ResponseTemplate::new(200).set_body_string("not json"),
    )
    .mount(&upstream)
    .await;
    answer(
        "shape",
        ResponseTemplate::new(200).set_body_json(json!({ "txt": "typo" })),
    )
    .mount(&upstream)
    .await;
    answer(
        "slow",
        ResponseTemplate::new(200)
            .set_body_json(json!({ "text": "too late" }))
            .set_delay(Duration::from_millis(800)),
    )
    .mount(&upstream)
    .await;
    let gw = bot_gateway(&upstream, &wechat, "upstream_timeout_ms = 300").await;
    for (i, content) in ["status", "body", "shape", "slow"].iter().enumerate() {
        let started = Instant::now();
        let (status, reply) = gw
            .post_plain("bot", &text_xml("o_f", content, 23_000 + i as u64))
            .await;
        assert_eq!((status, reply.as_str()), (200, "success"), "{content}");
        assert!(
            started.elapsed() < Duration::from_millis(990),
            "{content}: {:?}",
            started.elapsed()
        );
    }

    // An upstream that refuses connections.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = api_config(
        &wechat.uri(),
        &format!("http://127.0.0.1:{refused}/wechat"),
        "",
    );
    let gw2 = start_with(&config, vec![]).await;
    assert_eq!(
        gw2.post_plain("bot", &text_xml("o_f", "anyone?", 23_100))
            .await
            .1,
        "success"
    );

    let metrics = gw.metrics().await;
    let failures = |reason: &str| {
        metric(
            &metrics,
            &format!(r#"wxgate_upstream_failures_total{{account="bot",reason="{reason}"}}"#),
        )
    };
    assert_eq!(failures("status"), 1.0);
    assert_eq!(failures("body"), 2.0);
    assert_eq!(failures("timeout"), 1.0);
    let metrics2 = gw2.metrics().await;
    assert_eq!(
        metric(
            &metrics2,
            r#"wxgate_upstream_failures_total{account="bot",reason="connect"}"#
        ),
        1.0
    );
}

#[actix_web::test]
async fn a_slow_bot_shows_the_deadline_the_late_push_and_a_waiting_retry() {
    let upstream = MockServer::start().await;
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wechat"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let content = body["message"]["Content"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            ResponseTemplate::new(200)
                .set_body_json(json!({ "text": format!("bot says {content}") }))
                .set_delay(Duration::from_millis(1500))
        })
        .mount(&upstream)
        .await;
    Mock::given(path("/cgi-bin/message/custom/send"))
        .and(body_json(json!({ "touser": "o_slow", "msgtype": "text", "text": { "content": "bot says pushed" } })))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let gw = bot_gateway(&upstream, &wechat, "").await;

    // No retry: the deadline answers success and the bot's answer is pushed.
    let started = Instant::now();
    let (_, reply) = gw
        .post_plain("bot", &text_xml("o_slow", "pushed", 24_001))
        .await;
    assert_eq!(reply, "success");
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert!(
        eventually(Duration::from_secs(5), || async {
            custom_sends(&wechat).await.len() == 1
        })
        .await
    );

    // A retry waiting when the bot answers gets the reply passively; nothing more is pushed.
    let body = text_xml("o_slow", "passive", 24_002);
    let (_, first) = gw.post_plain("bot", &body).await;
    assert_eq!(first, "success");
    let (_, retry) = gw.post_plain("bot", &body).await;
    assert_eq!(
        xml_field(&retry, "Content").as_deref(),
        Some("bot says passive")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(custom_sends(&wechat).await.len(), 1);
    assert_eq!(
        upstream.received_requests().await.unwrap().len(),
        2,
        "the bot was asked once per push"
    );
}
