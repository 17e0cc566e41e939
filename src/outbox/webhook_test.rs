use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    Deliverer, DeliverySettings, SIGNATURE_HEADER, StatusEvent, WebhookTarget, Webhooks, backoff,
    now_ms, signature,
};
use crate::clock;
use crate::store::{MessageKind, MessageStatus, NewMessage, Outcome, Store};

const SECRET: &str = "shop-secret-0123456789";

#[test]
fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
    assert_eq!(
        signature(b"key", b"The quick brown fox jumps over the lazy dog"),
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
}

#[test]
fn retries_wait_longer_each_time_up_to_the_cap() {
    let base = Duration::from_secs(1);
    let max = Duration::from_secs(600);
    let waits: Vec<u64> = (1..=12)
        .map(|attempts| backoff(attempts, base, max).as_secs())
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
    assert_eq!(backoff(u32::MAX, base, max), max);
    assert_eq!(backoff(0, base, max), base);
}

#[test]
fn only_clients_with_a_webhook_get_events() {
    let webhooks = Webhooks::new([target("http://127.0.0.1:9/hook")]);
    assert!(webhooks.has("shop"));
    assert!(!webhooks.has("other"));
    let message = crate::store::OutboxMessage {
        id: "m1".into(),
        account: "demo".into(),
        client_id: "shop".into(),
        kind: MessageKind::Subscribe,
        recipient: "OPENID".into(),
        payload: "{}".into(),
        status: MessageStatus::Delivered,
        attempts: 1,
        errcode: None,
        errmsg: None,
        msgid: Some(3),
        created_at: 1,
        sent_at: Some(2),
        finished_at: Some(3),
        next_attempt_at_ms: 0,
        claimed_at: Some(2),
    };
    let event = StatusEvent::of(&message, 3);
    assert_eq!(webhooks.body_for(&event, "other"), None);
    let body: Value = serde_json::from_str(&webhooks.body_for(&event, "shop").unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "id": "m1", "account": "demo", "kind": "subscribe", "status": "delivered",
            "errcode": null, "errmsg": null, "msgid": 3, "at": 3
        })
    );
    let debug = format!("{webhooks:?} {:?}", target("http://x/"));
    assert!(!debug.contains(SECRET), "{debug}");
}

fn target(url: &str) -> WebhookTarget {
    WebhookTarget {
        client_id: "shop".into(),
        url: url.into(),
        secret: SECRET.into(),
    }
}

/// A store on a new SQLite file with one message of the client "shop".
async fn store_with_message() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let store = Store::open(&url).await.unwrap();
    let message = NewMessage {
        id: "m1".into(),
        account: "demo".into(),
        client_id: "shop".into(),
        kind: MessageKind::Template,
        recipient: "OPENID".into(),
        payload: "{}".into(),
        idempotency_key: "k1".into(),
        body_hash: "hash".into(),
        created_at: clock::unix_secs_i64(),
    };
    store.accept_messages(&[message]).await.unwrap();
    (store, dir)
}

/// Records m1 as sent at `at` with msgid 77, queueing its webhook event.
async fn record_sent(store: &Store, at: i64) -> String {
    let claimed = store
        .claim_messages("sender", now_ms(), 30_000, 10, &[])
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let outcome = Outcome::Sent {
        msgid: Some(77),
        at,
    };
    let mut message = claimed[0].clone();
    message.status = MessageStatus::Sent;
    message.msgid = Some(77);
    let body = StatusEvent::of(&message, at).body();
    assert!(
        store
            .record_outcome("m1", "sender", &outcome, Some(&body))
            .await
            .unwrap()
    );
    body
}

fn settings() -> DeliverySettings {
    DeliverySettings {
        owner: "deliverer".into(),
        poll: Duration::from_millis(50),
        backoff_base: Duration::from_millis(50),
        ..DeliverySettings::default()
    }
}

fn start(store: &Store, hook: &MockServer) -> (Arc<Webhooks>, JoinHandle<()>) {
    let webhooks = Arc::new(Webhooks::new([target(&format!("{}/hook", hook.uri()))]));
    let handle = Deliverer::spawn(
        store.clone(),
        webhooks.clone(),
        reqwest::Client::new(),
        settings(),
    );
    (webhooks, handle)
}

/// The bodies the hook received, once it has `count` (within 10 s).
async fn received(hook: &MockServer, count: usize) -> Vec<wiremock::Request> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let requests = hook.received_requests().await.unwrap();
        if requests.len() >= count {
            return requests;
        }
        assert!(
            Instant::now() < deadline,
            "{} requests of {count}",
            requests.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn verify(request: &wiremock::Request) {
    let header = request
        .headers
        .get(SIGNATURE_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&request.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header, expected);
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn a_failing_webhook_gets_each_status_once_it_answers_in_order() {
    let (store, _dir) = store_with_message().await;
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&hook)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&hook)
        .await;
    let now = clock::unix_secs_i64();
    let sent = record_sent(&store, now).await;
    let delivered = store
        .template_finished("demo", 77, "success", now, |message| {
            Some(StatusEvent::of(message, now).body())
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(delivered.status, MessageStatus::Delivered);

    let (_webhooks, handle) = start(&store, &hook);
    let requests = received(&hook, 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    handle.abort();

    let requests = if requests.len() == 4 {
        requests
    } else {
        hook.received_requests().await.unwrap()
    };
    assert_eq!(
        requests.len(),
        4,
        "each event delivered once it is answered"
    );
    for request in &requests {
        verify(request);
    }
    let statuses: Vec<String> = requests
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            body["status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(statuses, ["sent", "sent", "sent", "delivered"]);
    assert_eq!(requests[0].body, sent.as_bytes());
    assert!(
        store
            .claim_webhooks("check", now_ms(), 1000, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_event_older_than_a_day_is_given_up_after_one_more_try() {
    let (store, _dir) = store_with_message().await;
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&hook)
        .await;
    record_sent(&store, clock::unix_secs_i64() - 25 * 60 * 60).await;

    let (_webhooks, handle) = start(&store, &hook);
    received(&hook, 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    handle.abort();

    assert_eq!(hook.received_requests().await.unwrap().len(), 1);
    assert!(
        store
            .claim_webhooks("check", now_ms() + 3_600_000, 1000, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_event_of_a_client_without_a_webhook_is_dropped() {
    let (store, _dir) = store_with_message().await;
    record_sent(&store, clock::unix_secs_i64()).await;
    let handle = Deliverer::spawn(
        store.clone(),
        Arc::new(Webhooks::new([])),
        reqwest::Client::new(),
        settings(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = store
            .claim_webhooks("check", now_ms(), 1, 10)
            .await
            .unwrap();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "never dropped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.abort();
}

#[test]
fn the_clients_with_a_webhook_and_a_secret_get_one() {
    let config = crate::config::Config::parse(
        "[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callback-token\"\n\
         secret = \"app-secret-1\"\n\
         [[clients]]\nid = \"shop\"\nsecret = \"0123456789abcdef-client-secret\"\n\
         accounts = [\"demo\"]\nscopes = [\"send\"]\nwebhook = \"https://shop.example.com/hook\"\n\
         [[clients]]\nid = \"quiet\"\nsecret = \"0123456789abcdef-client-secret\"\n\
         accounts = [\"demo\"]\nscopes = [\"send\"]\n",
        "test.toml",
    )
    .unwrap();
    let webhooks = Webhooks::from_clients(&config.clients);
    assert!(webhooks.has("shop"));
    assert!(!webhooks.has("quiet"));
    let target = webhooks.target("shop").unwrap();
    assert_eq!(target.url, "https://shop.example.com/hook");
    assert_eq!(target.secret, "0123456789abcdef-client-secret");
}
