use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wxgate_handlers::Message;

use super::{Delivery, Dispatcher};
use crate::account::Accounts;
use crate::config::Config;
use crate::dedup::Dedup;
use crate::metrics::Metrics;
use crate::outbox::sender::TemplateReports;
use crate::outbox::webhook::{Webhooks, now_ms};
use crate::qr::QrCounter;
use crate::store::{MessageKind, MessageStatus, NewMessage, Outcome, Store};

fn push(msg_id: &str, status: &str) -> Message {
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[OPENID]]></FromUserName>\
         <CreateTime>1395658920</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msg_id}</MsgID>\
         <Status><![CDATA[{status}]]></Status></xml>"
    );
    Message::from_fields(crate::wire::parse_xml(xml.as_bytes()).unwrap()).unwrap()
}

#[tokio::test]
async fn a_template_delivery_report_reaches_the_outbox_and_is_answered_success() {
    let config = Config::parse(
        "[[accounts]]\nname = \"demo\"\nappid = \"wx0123456789abcdef\"\ntoken = \"tok123\"\nmode = \"plain\"\n",
        "test.toml",
    )
    .unwrap();
    let metrics = Metrics::new(["demo"]);
    let accounts = Accounts::build(
        &config.accounts,
        &[],
        &metrics,
        &reqwest::Client::new(),
        Duration::from_secs(1),
        None,
    )
    .unwrap();
    let account = accounts.get("demo").unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("w.db").display()))
        .await
        .unwrap();
    let message = NewMessage {
        id: "m1".into(),
        account: "demo".into(),
        client_id: "shop".into(),
        kind: MessageKind::Template,
        recipient: "OPENID".into(),
        payload: "{}".into(),
        idempotency_key: "k1".into(),
        body_hash: "h".into(),
        created_at: crate::clock::unix_secs_i64(),
    };
    store.accept_messages(&[message]).await.unwrap();
    store
        .claim_messages("sender", now_ms(), 30_000, 1, &[])
        .await
        .unwrap();
    let sent = Outcome::Sent {
        msgid: Some(200163836),
        at: crate::clock::unix_secs_i64(),
    };
    assert!(
        store
            .record_outcome("m1", "sender", &sent, None)
            .await
            .unwrap()
    );
    let dispatcher = Dispatcher::new(
        Dedup::new(1000, Duration::from_secs(60)),
        None,
        QrCounter::default(),
    )
    .with_template_reports(TemplateReports::new(
        store.clone(),
        Arc::new(Webhooks::new([])),
    ));

    let deadline = Instant::now() + Duration::from_secs(5);
    let unknown = dispatcher
        .dispatch(&account, push("1", "success"), deadline, true)
        .await;
    assert_eq!(unknown, Delivery::Success);
    let known = dispatcher
        .dispatch(
            &account,
            push("200163836", "failed: system failed"),
            deadline,
            true,
        )
        .await;
    assert_eq!(known, Delivery::Success);

    let wait_until = Instant::now() + Duration::from_secs(10);
    loop {
        let message = store
            .outbox_message("demo", "shop", "m1")
            .await
            .unwrap()
            .unwrap();
        if message.status == MessageStatus::Failed {
            assert_eq!(message.errmsg.as_deref(), Some("failed: system failed"));
            break;
        }
        assert!(Instant::now() < wait_until, "{message:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
