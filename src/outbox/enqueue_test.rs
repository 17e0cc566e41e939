//! Plugins' messages: the send API's JSON and rules, stored under the reserved client,
//! idempotent by key.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_handlers::Outbox as _;
use wxgate_handlers::api::{
    MiniProgramLink, SubscribeMessage, SubscribeValue, TemplateMessage, TemplateValue,
};
use wxgate_handlers::outbox::{EnqueueError, OutgoingMessage, Problem};
use wxgate_handlers::{Article, Reply, Transfer};

use super::{PLUGIN_CLIENT_ID, PluginOutbox, request_body};
use crate::config::AccountKind;
use crate::outbox::Outbox;
use crate::outbox::accept::Acceptor;
use crate::outbox::request;
use crate::store::{MessageKind, MessageStatus, Store};

/// A store in a new SQLite file, an outbox over it, and the plugins' outbox of `shop`, of
/// `kind`.
struct Fixture {
    store: Store,
    outbox: Outbox,
    plugins: PluginOutbox,
    accepting: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn fixture(kind: AccountKind) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let store = Store::open(&url).await.unwrap();
    let (acceptor, accepting) = Acceptor::start(store.clone());
    let outbox = Outbox {
        acceptor,
        work: Arc::new(tokio::sync::Notify::new()),
    };
    let plugins = PluginOutbox::new(outbox.clone(), Arc::from("shop"), kind);
    Fixture {
        store,
        outbox,
        plugins,
        accepting,
        _dir: dir,
    }
}

fn shipped(to: &str) -> TemplateMessage {
    TemplateMessage {
        to_user: to.to_owned(),
        template_id: "SHIPPED".into(),
        url: Some("https://shop.example.com/orders/1042".into()),
        miniprogram: None,
        client_msg_id: None,
        data: [
            (
                "first".to_owned(),
                TemplateValue {
                    value: "Your order has shipped".into(),
                    color: Some("#173177".into()),
                },
            ),
            ("keyword1".to_owned(), TemplateValue::new("1042")),
        ]
        .into(),
    }
}

fn subscribe(to: &str, thing: &str) -> SubscribeMessage {
    SubscribeMessage {
        to_user: to.to_owned(),
        template_id: "ARRIVED".into(),
        page: Some("pages/order?id=1042".into()),
        miniprogram: None,
        data: [(
            "thing1".to_owned(),
            SubscribeValue {
                value: thing.to_owned(),
            },
        )]
        .into(),
    }
}

/// Whether the sender was woken (a notice is waiting).
async fn woken(outbox: &Outbox) -> bool {
    tokio::time::timeout(Duration::from_millis(100), outbox.work.notified())
        .await
        .is_ok()
}

#[test]
fn each_kind_becomes_the_send_apis_json() {
    assert_eq!(
        request_body(&shipped("o_user").into()),
        json!({
            "kind": "template",
            "to": "o_user",
            "template_id": "SHIPPED",
            "url": "https://shop.example.com/orders/1042",
            "data": {
                "first": {"value": "Your order has shipped", "color": "#173177"},
                "keyword1": {"value": "1042"}
            }
        })
    );
    let mut linked = subscribe("o_user", "tea");
    linked.page = None;
    linked.miniprogram = Some(MiniProgramLink {
        appid: "wxapp".into(),
        pagepath: "index".into(),
    });
    assert_eq!(
        request_body(&linked.into()),
        json!({
            "kind": "subscribe",
            "to": "o_user",
            "template_id": "ARRIVED",
            "miniprogram": {"appid": "wxapp", "pagepath": "index"},
            "data": {"thing1": {"value": "tea"}}
        })
    );
    let mini = OutgoingMessage::Subscribe {
        message: subscribe("o_user", "tea"),
        miniprogram_state: Some("trial".into()),
        lang: Some("en_US".into()),
    };
    assert_eq!(
        request_body(&mini),
        json!({
            "kind": "subscribe",
            "to": "o_user",
            "template_id": "ARRIVED",
            "page": "pages/order?id=1042",
            "miniprogram_state": "trial",
            "lang": "en_US",
            "data": {"thing1": {"value": "tea"}}
        })
    );
    assert_eq!(
        request_body(&OutgoingMessage::custom("o_user", Reply::Text("hi".into()))),
        json!({"kind": "custom", "to": "o_user", "reply": {"text": "hi"}})
    );
}

#[tokio::test]
async fn a_template_is_stored_queued_as_the_send_api_stores_it_and_wakes_the_sender() {
    let f = fixture(AccountKind::Official).await;
    let queued = f
        .plugins
        .enqueue("shipped-1042", shipped("o_user").into())
        .await
        .unwrap();
    assert!(!queued.existing);
    assert_eq!(queued.id.len(), 32, "{}", queued.id);
    assert!(woken(&f.outbox).await);

    let stored = f
        .store
        .outbox_message("shop", PLUGIN_CLIENT_ID, &queued.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.kind, MessageKind::Template);
    assert_eq!(stored.status, MessageStatus::Queued);
    assert_eq!(stored.recipient, "o_user");
    assert_eq!(stored.attempts, 0);
    // The payload is what the send API stores for the same JSON body.
    let app_body = br##"{"data": {"keyword1": {"value": "1042"},
        "first": {"color": "#173177", "value": "Your order has shipped"}},
        "url": "https://shop.example.com/orders/1042", "template_id": "SHIPPED",
        "to": "o_user", "kind": "template"}"##;
    let app = request::parse(app_body, AccountKind::Official).unwrap();
    let payload: Value = serde_json::from_str(&stored.payload).unwrap();
    assert_eq!(payload, app.payload);
    assert_eq!(payload["touser"], "o_user");
    assert!(payload.get("client_msg_id").is_none(), "{payload}");
    // No app reads it: it belongs to the reserved client.
    for client in ["plugin", "shop"] {
        let other = f.store.outbox_message("shop", client, &queued.id).await;
        assert_eq!(other.unwrap(), None);
    }
}

#[tokio::test]
async fn the_same_key_answers_the_first_message_or_refuses_another() {
    let f = fixture(AccountKind::Official).await;
    let first = f
        .plugins
        .enqueue("k", shipped("o_user").into())
        .await
        .unwrap();
    assert!(woken(&f.outbox).await);
    let again = f
        .plugins
        .enqueue("k", shipped("o_user").into())
        .await
        .unwrap();
    assert_eq!(
        (again.id.as_str(), again.existing),
        (first.id.as_str(), true)
    );
    assert!(!woken(&f.outbox).await, "nothing new to send");

    let refused = f.plugins.enqueue("k", shipped("o_other").into()).await;
    assert_eq!(refused, Err(EnqueueError::KeyReused { id: first.id }));

    // Another key is another message; another account's key space is its own.
    let second = f
        .plugins
        .enqueue("k2", shipped("o_user").into())
        .await
        .unwrap();
    assert!(!second.existing);
    let elsewhere = PluginOutbox::new(f.outbox.clone(), Arc::from("other"), AccountKind::Official);
    let there = elsewhere
        .enqueue("k", shipped("o_other").into())
        .await
        .unwrap();
    assert!(!there.existing);
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_stored() {
    let f = fixture(AccountKind::Official).await;
    let mut template = shipped("");
    template.client_msg_id = Some("mine".into());
    let Err(EnqueueError::Invalid(problems)) = f.plugins.enqueue("bad key", template.into()).await
    else {
        panic!("accepted");
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["key", "client_msg_id", "to"], "{problems:?}");

    // The send API's rules, word for word.
    let long = "x".repeat(21);
    let Err(EnqueueError::Invalid(problems)) = f
        .plugins
        .enqueue("k", subscribe("o_user", &long).into())
        .await
    else {
        panic!("accepted");
    };
    assert_eq!(
        problems,
        [Problem::new(
            "data.thing1.value",
            "is 21 characters long, more than 20 for a `thing` value"
        )]
    );
    let transfer = OutgoingMessage::custom(
        "o_user",
        Reply::TransferCustomerService(Transfer::default()),
    );
    let Err(EnqueueError::Invalid(problems)) = f.plugins.enqueue("k", transfer).await else {
        panic!("accepted");
    };
    assert_eq!(problems[0].path, "reply.transfer_customer_service");
    let article = Article {
        title: "t".into(),
        description: String::new(),
        pic_url: String::new(),
        url: String::new(),
    };
    let two = OutgoingMessage::custom("o_user", Reply::News(vec![article.clone(), article]));
    let Err(EnqueueError::Invalid(problems)) = f.plugins.enqueue("k", two).await else {
        panic!("accepted");
    };
    assert_eq!(problems[0].path, "reply.news");
    let mini_fields = OutgoingMessage::Subscribe {
        message: subscribe("o_user", "tea"),
        miniprogram_state: Some("formal".into()),
        lang: None,
    };
    let Err(EnqueueError::Invalid(problems)) = f.plugins.enqueue("k", mini_fields).await else {
        panic!("accepted");
    };
    assert_eq!(problems[0].path, "miniprogram_state");

    assert!(!woken(&f.outbox).await);
    // The key is still free.
    let ok = f
        .plugins
        .enqueue(
            "k",
            OutgoingMessage::custom("o_user", Reply::Text("hi".into())),
        )
        .await
        .unwrap();
    assert!(!ok.existing);
}

#[tokio::test]
async fn a_mini_program_sends_subscribe_messages_with_its_own_fields_and_no_templates() {
    let f = fixture(AccountKind::MiniProgram).await;
    let Err(EnqueueError::Invalid(problems)) =
        f.plugins.enqueue("t", shipped("o_user").into()).await
    else {
        panic!("accepted");
    };
    assert_eq!(problems[0].path, "kind");

    let message = OutgoingMessage::Subscribe {
        message: subscribe("o_user", "tea"),
        miniprogram_state: Some("trial".into()),
        lang: Some("zh_CN".into()),
    };
    let queued = f.plugins.enqueue("s", message).await.unwrap();
    let stored = f
        .store
        .outbox_message("shop", PLUGIN_CLIENT_ID, &queued.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.kind, MessageKind::Subscribe);
    let payload: Value = serde_json::from_str(&stored.payload).unwrap();
    assert_eq!(
        payload,
        json!({
            "touser": "o_user",
            "template_id": "ARRIVED",
            "page": "pages/order?id=1042",
            "miniprogram_state": "trial",
            "lang": "zh_CN",
            "data": {"thing1": {"value": "tea"}}
        })
    );
}

#[tokio::test]
async fn a_stopped_outbox_is_a_store_error() {
    let f = fixture(AccountKind::Official).await;
    f.accepting.abort();
    let _ = f.accepting.await;
    let result = f
        .plugins
        .enqueue(
            "k",
            OutgoingMessage::custom("o_user", Reply::Text("hi".into())),
        )
        .await;
    assert!(
        matches!(&result, Err(EnqueueError::Store(message)) if message.contains("stopped")),
        "{result:?}"
    );
}
