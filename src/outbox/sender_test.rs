use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use wxgate_handlers::TemplateSendJobFinishEvent;

use super::{
    CLIENT_MSG_ID_WINDOW_SECS, SendAccount, Sender, SenderSettings, TemplateReports, Verdict,
    next_beijing_midnight_ms, status_event, wechat_body,
};
use crate::api::{ApiConfig, ApiError, TokenSource, WeChatApi};
use crate::clock;
use crate::cluster::Redis;
use crate::cluster::rate::SharedRate;
use crate::cluster::redis_server::RedisServer;
use crate::config::RedisConfig;
use crate::metrics::Metrics;
use crate::outbox::webhook::{Webhooks, now_ms};
use crate::store::{MessageKind, MessageStatus, NewMessage, OutboxMessage, Outcome, Store};

const ACCOUNT: &str = "demo";
const CLIENT: &str = "shop";
const TEMPLATE_SEND: &str = "/cgi-bin/message/template/send";
const CUSTOM_SEND: &str = "/cgi-bin/message/custom/send";

/// A store on a new SQLite file, the mock WeChat API, and a sender between them.
struct Rig {
    store: Store,
    _dir: tempfile::TempDir,
    wechat: MockServer,
    metrics: Arc<Metrics>,
    work: Arc<Notify>,
    stop: Arc<Notify>,
    sender: Option<JoinHandle<()>>,
}

impl Rig {
    async fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        let store = Store::open(&url).await.unwrap();
        let wechat = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_partial_json(json!({ "force_refresh": false })))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "TOKEN1",
                "expires_in": 7200
            })))
            .mount(&wechat)
            .await;
        Rig {
            store,
            _dir: dir,
            wechat,
            metrics: Arc::new(Metrics::new([ACCOUNT])),
            work: Arc::new(Notify::new()),
            stop: Arc::new(Notify::new()),
            sender: None,
        }
    }

    fn account(&self, send_rate: u32, send_max_attempts: u32, timeout: Duration) -> SendAccount {
        let http = reqwest::Client::builder().timeout(timeout).build().unwrap();
        let config = ApiConfig {
            appid: "wx0123456789abcdef".into(),
            secret: "SeCrEt0123456789abcdef0123456789".into(),
            api_base: self.wechat.uri(),
            token_source: TokenSource::StableToken,
        };
        SendAccount {
            name: ACCOUNT.into(),
            api: Arc::new(WeChatApi::new(http, config)),
            miniprogram: false,
            send_rate,
            send_max_attempts,
            metrics: self.metrics.account(0).unwrap(),
        }
    }

    /// Starts the sender with `account`, telling `webhooks`.
    fn start_with(&mut self, account: SendAccount, webhooks: Arc<Webhooks>) {
        self.sender = Some(Sender::spawn(
            self.store.clone(),
            vec![account],
            webhooks,
            self.metrics.clone(),
            self.work.clone(),
            self.stop.clone(),
            settings(),
        ));
    }

    /// Starts the sender: rate 100, 3 attempts, calls time out after 2 s, no webhooks.
    fn start(&mut self) {
        let account = self.account(100, 3, Duration::from_secs(2));
        self.start_with(account, Arc::new(Webhooks::new([])));
    }

    async fn accept(&self, id: &str, kind: MessageKind, payload: Value) {
        let message = NewMessage {
            id: id.into(),
            account: ACCOUNT.into(),
            client_id: CLIENT.into(),
            kind,
            recipient: "OPENID".into(),
            payload: payload.to_string(),
            idempotency_key: format!("key-{id}"),
            body_hash: "hash".into(),
            created_at: clock::unix_secs_i64(),
        };
        self.store.accept_messages(&[message]).await.unwrap();
        self.work.notify_one();
    }

    async fn message(&self, id: &str) -> OutboxMessage {
        self.store
            .outbox_message(ACCOUNT, CLIENT, id)
            .await
            .unwrap()
            .unwrap()
    }

    /// The message once it has `status` (within 10 s).
    async fn wait_for(&self, id: &str, status: MessageStatus) -> OutboxMessage {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let message = self.message(id).await;
            if message.status == status {
                return message;
            }
            assert!(
                Instant::now() < deadline,
                "{id} never became {status:?}: {message:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Leaves the message `id` as an instance that died mid-call leaves it: `sending`, first
    /// marked `secs_ago`, its lease over.
    async fn crashed_mid_call(&self, id: &str, secs_ago: i64) {
        let claimed = self
            .store
            .claim_messages("dead-instance", now_ms(), 60_000, 10, &[])
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        let marked = self
            .store
            .mark_sending(
                id,
                "dead-instance",
                clock::unix_secs_i64() - secs_ago,
                now_ms() - 1,
            )
            .await
            .unwrap();
        assert!(marked);
    }

    /// Checks the count of sends of `kind` that ended in `result`. The sender counts an
    /// outcome just after recording it, so a count read the moment a status shows may lag:
    /// it is given a few seconds to reach `expected`.
    async fn assert_sends(&self, kind: &str, result: &str, expected: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let count = self.sends(kind, result);
            if count == expected || Instant::now() >= deadline {
                assert_eq!(count, expected, "sends of {kind} ending {result}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn sends(&self, kind: &str, result: &str) -> u64 {
        let line = format!(
            "wxgate_outbox_sends_total{{account=\"{ACCOUNT}\",kind=\"{kind}\",result=\"{result}\"}} "
        );
        let text = self.metrics.render();
        let value = text
            .lines()
            .find_map(|l| l.strip_prefix(line.as_str()))
            .unwrap();
        value.parse().unwrap()
    }

    async fn calls_to(&self, api_path: &str) -> Vec<Value> {
        self.wechat
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|request| request.url.path() == api_path)
            .map(|request| serde_json::from_slice(&request.body).unwrap())
            .collect()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.abort();
        }
    }
}

fn settings() -> SenderSettings {
    SenderSettings {
        owner: "test-sender".into(),
        poll: Duration::from_millis(50),
        depth_every: Duration::from_millis(50),
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        ..SenderSettings::default()
    }
}

fn template() -> Value {
    json!({
        "touser": "OPENID",
        "template_id": "TEMPLATE",
        "data": { "first": { "value": "your order shipped" } }
    })
}

fn custom() -> Value {
    json!({ "touser": "OPENID", "msgtype": "text", "text": { "content": "hi" } })
}

fn wechat_call(api_path: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(api_path))
}

fn answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn refusal(errcode: i64, errmsg: &str) -> ResponseTemplate {
    answer(json!({ "errcode": errcode, "errmsg": errmsg }))
}

#[tokio::test]
async fn a_template_is_sent_with_its_id_as_client_msg_id() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .and(query_param("access_token", "TOKEN1"))
        .and(body_partial_json(
            json!({ "client_msg_id": "m1", "touser": "OPENID" }),
        ))
        .respond_with(answer(
            json!({ "errcode": 0, "errmsg": "ok", "msgid": 1001 }),
        ))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.msgid, Some(1001));
    assert_eq!(message.attempts, 1);
    assert!(message.sent_at.is_some());
    rig.assert_sends("template", "sent", 1).await;
    assert!(
        rig.metrics
            .render()
            .contains("wxgate_outbox_send_seconds_count 1\n")
    );
}

#[tokio::test]
async fn a_permanent_refusal_fails_after_one_call() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(refusal(43101, "user refuse to accept the msg"))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Failed).await;
    assert_eq!(message.errcode, Some(43101));
    assert_eq!(
        message.errmsg.as_deref(),
        Some("user refuse to accept the msg")
    );
    assert_eq!(message.attempts, 1);
    assert!(message.finished_at.is_some());
    rig.assert_sends("template", "failed", 1).await;
}

#[tokio::test]
async fn a_transient_failure_is_retried_then_sent() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(refusal(-1, "system error"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&rig.wechat)
        .await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok", "msgid": 7 })))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.attempts, 2);
    assert_eq!(message.msgid, Some(7));
    assert_eq!(message.errcode, None);
    rig.assert_sends("template", "retried", 1).await;
    rig.assert_sends("template", "sent", 1).await;
}

#[tokio::test]
async fn transient_failures_fail_after_the_last_attempt() {
    let mut rig = Rig::new().await;
    wechat_call(CUSTOM_SEND)
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Custom, custom()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Failed).await;
    assert_eq!(message.attempts, 3);
    assert_eq!(message.errcode, None);
    assert!(message.errmsg.unwrap().contains("503"));
    rig.assert_sends("custom", "retried", 2).await;
    rig.assert_sends("custom", "failed", 1).await;
}

#[tokio::test]
async fn a_spent_quota_pauses_the_account_and_keeps_its_messages_queued() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(refusal(45009, "reach max api daily quota limit"))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let deadline = Instant::now() + Duration::from_secs(10);
    let first = loop {
        let message = rig.message("m1").await;
        if message.next_attempt_at_ms > now_ms() {
            break message;
        }
        assert!(Instant::now() < deadline, "never requeued: {message:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(first.status, MessageStatus::Queued);
    assert_eq!(first.attempts, 0);
    assert_eq!(first.next_attempt_at_ms, next_beijing_midnight_ms(now_ms()));

    // The account stays paused: the next message is not even tried.
    rig.accept("m2", MessageKind::Template, template()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = rig.message("m2").await;
    assert_eq!(second.status, MessageStatus::Queued);
    assert_eq!(second.attempts, 0);
    assert_eq!(rig.calls_to(TEMPLATE_SEND).await.len(), 1);
    assert!(
        rig.metrics
            .render()
            .contains("wxgate_outbox_depth{account=\"demo\"} 2\n")
    );
}

#[tokio::test]
async fn a_repeated_client_msg_id_is_sent_with_the_first_msgid() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(
            json!({ "errcode": 45065, "errmsg": "clientmsgid exist", "msgid": 4242 }),
        ))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.msgid, Some(4242));
    assert_eq!(message.attempts, 1);
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_within_one_attempt() {
    let mut rig = Rig::new().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(json!({ "force_refresh": true })))
        .respond_with(answer(
            json!({ "access_token": "TOKEN2", "expires_in": 7200 }),
        ))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    wechat_call(TEMPLATE_SEND)
        .and(query_param("access_token", "TOKEN1"))
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    wechat_call(TEMPLATE_SEND)
        .and(query_param("access_token", "TOKEN2"))
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok", "msgid": 9 })))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.attempts, 1);
    assert_eq!(message.msgid, Some(9));
    rig.assert_sends("template", "retried", 0).await;
}

#[tokio::test]
async fn a_template_found_sending_within_ten_minutes_is_sent_again_with_the_same_id() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .and(body_partial_json(json!({ "client_msg_id": "m1" })))
        .respond_with(answer(
            json!({ "errcode": 45065, "errmsg": "clientmsgid exist", "msgid": 31 }),
        ))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.crashed_mid_call("m1", 60).await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.msgid, Some(31));
    // Still the time of the first mark.
    assert!(message.claimed_at.unwrap() <= clock::unix_secs_i64() - 59);
}

#[tokio::test]
async fn a_template_found_sending_after_ten_minutes_is_unknown() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok", "msgid": 1 })))
        .expect(0)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.crashed_mid_call("m1", CLIENT_MSG_ID_WINDOW_SECS + 60)
        .await;
    rig.start();

    let message = rig.wait_for("m1", MessageStatus::Unknown).await;
    assert!(message.finished_at.is_some());
    rig.assert_sends("template", "unknown", 1).await;
}

#[tokio::test]
async fn a_custom_message_found_sending_is_unknown_and_not_sent_again() {
    let mut rig = Rig::new().await;
    wechat_call(CUSTOM_SEND)
        .respond_with(refusal(0, "ok"))
        .expect(0)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Custom, custom()).await;
    rig.crashed_mid_call("m1", 5).await;
    rig.start();

    rig.wait_for("m1", MessageStatus::Unknown).await;
    rig.assert_sends("custom", "unknown", 1).await;
}

#[tokio::test]
async fn a_custom_message_whose_call_timed_out_is_unknown() {
    let mut rig = Rig::new().await;
    wechat_call(CUSTOM_SEND)
        .respond_with(refusal(0, "ok").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Custom, custom()).await;
    let account = rig.account(100, 3, Duration::from_millis(300));
    rig.start_with(account, Arc::new(Webhooks::new([])));

    rig.wait_for("m1", MessageStatus::Unknown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rig.calls_to(CUSTOM_SEND).await.len(), 1);
}

#[tokio::test]
async fn a_template_whose_call_timed_out_is_sent_again() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(refusal(0, "ok").set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .mount(&rig.wechat)
        .await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(
            json!({ "errcode": 45065, "errmsg": "clientmsgid exist", "msgid": 5 }),
        ))
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    let account = rig.account(100, 3, Duration::from_millis(300));
    rig.start_with(account, Arc::new(Webhooks::new([])));

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    assert_eq!(message.attempts, 2);
    assert_eq!(message.msgid, Some(5));
    let calls = rig.calls_to(TEMPLATE_SEND).await;
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|body| body["client_msg_id"] == "m1"));
}

/// Answers `{"errcode": 0}` at once, noting when.
#[derive(Clone, Default)]
struct Clocked(Arc<Mutex<Vec<Instant>>>);

impl Respond for Clocked {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        refusal(0, "ok")
    }
}

#[tokio::test]
async fn no_second_has_more_calls_than_the_rate_plus_the_bucket() {
    const RATE: u32 = 10;
    const MESSAGES: usize = 45;
    let mut rig = Rig::new().await;
    let clocked = Clocked::default();
    wechat_call(CUSTOM_SEND)
        .respond_with(clocked.clone())
        .mount(&rig.wechat)
        .await;
    for n in 0..MESSAGES {
        rig.accept(&format!("m{n:02}"), MessageKind::Custom, custom())
            .await;
    }
    let account = rig.account(RATE, 3, Duration::from_secs(2));
    rig.start_with(account, Arc::new(Webhooks::new([])));

    for n in 0..MESSAGES {
        rig.wait_for(&format!("m{n:02}"), MessageStatus::Sent).await;
    }
    let times = clocked.0.lock().unwrap().clone();
    assert_eq!(times.len(), MESSAGES);
    assert_no_second_over(&times, 2 * RATE as usize);
    // The bucket (10) went at once, the other 35 at 10 a second.
    let span = times[MESSAGES - 1].duration_since(times[0]);
    assert!(span >= Duration::from_millis(3000), "{span:?}");
}

/// Fails if any second starting at one of `times` (in order) holds more than `most`.
fn assert_no_second_over(times: &[Instant], most: usize) {
    for (i, start) in times.iter().enumerate() {
        let in_a_second = times[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_secs(1))
            .count();
        assert!(in_a_second <= most, "{in_a_second} calls within a second");
    }
}

/// Settings of a sender named `owner` whose rates are shared through `server`, counting
/// Redis failures in `metrics`.
async fn shared_settings(
    server: &RedisServer,
    owner: &str,
    metrics: Arc<Metrics>,
) -> SenderSettings {
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "s:".to_owned(),
            timeout_ms: 1000,
        },
        metrics,
    )
    .unwrap();
    assert!(redis.probe().await);
    SenderSettings {
        owner: owner.into(),
        shared_rate: Some(SharedRate::new(redis)),
        ..settings()
    }
}

#[tokio::test]
async fn two_instances_with_a_shared_rate_share_one_bucket() {
    const RATE: u32 = 10;
    const MESSAGES: usize = 45;
    let server = RedisServer::start();
    let mut rig = Rig::new().await;
    let clocked = Clocked::default();
    wechat_call(CUSTOM_SEND)
        .respond_with(clocked.clone())
        .mount(&rig.wechat)
        .await;
    for n in 0..MESSAGES {
        rig.accept(&format!("m{n:02}"), MessageKind::Custom, custom())
            .await;
    }
    rig.sender = Some(Sender::spawn(
        rig.store.clone(),
        vec![rig.account(RATE, 3, Duration::from_secs(2))],
        Arc::new(Webhooks::new([])),
        rig.metrics.clone(),
        rig.work.clone(),
        rig.stop.clone(),
        shared_settings(&server, "instance-a", rig.metrics.clone()).await,
    ));
    let other = Sender::spawn(
        rig.store.clone(),
        vec![rig.account(RATE, 3, Duration::from_secs(2))],
        Arc::new(Webhooks::new([])),
        rig.metrics.clone(),
        Arc::new(Notify::new()),
        Arc::new(Notify::new()),
        shared_settings(&server, "instance-b", rig.metrics.clone()).await,
    );

    for n in 0..MESSAGES {
        rig.wait_for(&format!("m{n:02}"), MessageStatus::Sent).await;
    }
    other.abort();
    let times = clocked.0.lock().unwrap().clone();
    assert_eq!(times.len(), MESSAGES);
    assert_no_second_over(&times, 2 * RATE as usize);
    // One bucket for both: 10 at once, the other 35 at 10 a second (two buckets would have
    // sent them all within about 1.3 s).
    let span = times[MESSAGES - 1].duration_since(times[0]);
    assert!(span >= Duration::from_millis(3000), "{span:?}");
    assert_eq!(
        server.command(&["EXISTS", "s:send-rate:wx0123456789abcdef"]),
        ":1\r\n"
    );
}

#[tokio::test]
async fn while_redis_is_stopped_an_instance_sends_at_its_own_rate() {
    const RATE: u32 = 10;
    const MESSAGES: usize = 15;
    let mut server = RedisServer::start();
    let mut rig = Rig::new().await;
    let clocked = Clocked::default();
    wechat_call(CUSTOM_SEND)
        .respond_with(clocked.clone())
        .mount(&rig.wechat)
        .await;
    for n in 0..MESSAGES {
        rig.accept(&format!("m{n:02}"), MessageKind::Custom, custom())
            .await;
    }
    let settings = shared_settings(&server, "instance-a", rig.metrics.clone()).await;
    server.stop();
    rig.sender = Some(Sender::spawn(
        rig.store.clone(),
        vec![rig.account(RATE, 3, Duration::from_secs(2))],
        Arc::new(Webhooks::new([])),
        rig.metrics.clone(),
        rig.work.clone(),
        rig.stop.clone(),
        settings,
    ));

    for n in 0..MESSAGES {
        rig.wait_for(&format!("m{n:02}"), MessageStatus::Sent).await;
    }
    let times = clocked.0.lock().unwrap().clone();
    assert_eq!(times.len(), MESSAGES);
    assert_no_second_over(&times, 2 * RATE as usize);
    // The local bucket (10) at once, the other 5 at 10 a second.
    let span = times[MESSAGES - 1].duration_since(times[0]);
    assert!(span >= Duration::from_millis(400), "{span:?}");
    assert!(
        rig.metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"send_rate\"} 1\n")
    );
}

#[tokio::test]
async fn a_delivery_report_moves_a_sent_template_on() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(
            json!({ "errcode": 0, "errmsg": "ok", "msgid": 555 }),
        ))
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    rig.accept("m2", MessageKind::Template, template()).await;
    rig.start();
    rig.wait_for("m1", MessageStatus::Sent).await;
    rig.wait_for("m2", MessageStatus::Sent).await;
    let reports = TemplateReports::new(rig.store.clone(), Arc::new(Webhooks::new([])));

    assert_eq!(reports.record(ACCOUNT, 999, "success").await, None);
    assert_eq!(reports.record("other", 555, "success").await, None);
    let report = TemplateSendJobFinishEvent {
        msg_id: "555".into(),
        status: "failed:user block".into(),
    };
    reports.report(ACCOUNT, &report);
    let failed = rig.wait_for("m1", MessageStatus::Failed).await;
    assert_eq!(failed.errmsg.as_deref(), Some("failed:user block"));
    assert!(failed.finished_at.is_some());
    let delivered = reports.record(ACCOUNT, 555, "success").await.unwrap();
    assert_eq!(delivered.id, "m2");
    assert_eq!(delivered.status, MessageStatus::Delivered);
}

fn stored(kind: MessageKind, payload: &str) -> OutboxMessage {
    OutboxMessage {
        id: "m1".into(),
        account: ACCOUNT.into(),
        client_id: CLIENT.into(),
        kind,
        recipient: "OPENID".into(),
        payload: payload.into(),
        status: MessageStatus::Sending,
        attempts: 2,
        errcode: Some(-1),
        errmsg: Some("system error".into()),
        msgid: None,
        created_at: 1,
        sent_at: None,
        finished_at: None,
        next_attempt_at_ms: 1000,
        claimed_at: Some(1),
    }
}

#[test]
fn templates_carry_their_id_as_client_msg_id() {
    let body = wechat_body(&stored(MessageKind::Template, r#"{"touser":"OPENID"}"#)).unwrap();
    assert_eq!(body, json!({ "touser": "OPENID", "client_msg_id": "m1" }));
    let body = wechat_body(&stored(MessageKind::Custom, r#"{"touser":"OPENID"}"#)).unwrap();
    assert_eq!(body, json!({ "touser": "OPENID" }));
    assert_eq!(wechat_body(&stored(MessageKind::Custom, "[1]")), None);
    assert_eq!(wechat_body(&stored(MessageKind::Custom, "{")), None);
}

#[test]
fn every_error_has_its_verdict() {
    use MessageKind::{Custom, Subscribe, Template};
    let wechat = |errcode| {
        Err(ApiError::WeChat {
            errcode,
            errmsg: "e".into(),
        })
    };
    let transient = |errcode| Verdict::Transient {
        errcode,
        errmsg: "e".into(),
    };
    assert_eq!(
        Verdict::of(Template, Ok(Some(1))),
        Verdict::Sent { msgid: Some(1) }
    );
    assert_eq!(Verdict::of(Custom, wechat(45009)), Verdict::QuotaSpent);
    for errcode in [-1, 40001, 42001] {
        assert_eq!(
            Verdict::of(Custom, wechat(errcode)),
            transient(Some(errcode))
        );
    }
    for errcode in [43101, 40037, 40003, 45015, 47003, 99999] {
        assert_eq!(
            Verdict::of(Subscribe, wechat(errcode)),
            Verdict::Permanent {
                errcode: Some(errcode),
                errmsg: "e".into()
            }
        );
    }
    for status in [500, 502, 503, 429] {
        assert!(matches!(
            Verdict::of(Custom, Err(ApiError::Status(status))),
            Verdict::Transient { errcode: None, .. }
        ));
    }
    assert!(matches!(
        Verdict::of(Custom, Err(ApiError::Status(404))),
        Verdict::Permanent { errcode: None, .. }
    ));
    let maybe_sent = [
        ApiError::Timeout,
        ApiError::Unreachable("connection closed before message completed".into()),
        ApiError::BadResponse("not JSON".into()),
    ];
    for error in maybe_sent {
        assert!(matches!(
            Verdict::of(Template, Err(error.clone())),
            Verdict::Transient { .. }
        ));
        for kind in [Subscribe, Custom] {
            assert!(matches!(
                Verdict::of(kind, Err(error.clone())),
                Verdict::MaybeSent { .. }
            ));
        }
    }
}

#[test]
fn webhook_events_follow_the_outcome() {
    let message = stored(MessageKind::Template, "{}");
    let sent = Outcome::Sent {
        msgid: Some(8),
        at: 100,
    };
    let event = status_event(&message, &sent).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&event.body()).unwrap(),
        json!({
            "id": "m1", "account": "demo", "kind": "template", "status": "sent",
            "errcode": null, "errmsg": null, "msgid": 8, "at": 100
        })
    );
    let failed = Outcome::Failed {
        errcode: Some(43101),
        errmsg: "user refuse".into(),
        at: 101,
        attempts: 3,
    };
    let event = status_event(&message, &failed).unwrap();
    assert_eq!(event.status, MessageStatus::Failed);
    assert_eq!(event.errcode, Some(43101));
    assert_eq!(event.errmsg, Some("user refuse"));
    assert_eq!(event.at, 101);
    let unknown = Outcome::Unknown { at: 102 };
    assert_eq!(
        status_event(&message, &unknown).unwrap().status,
        MessageStatus::Unknown
    );
    let retry = Outcome::Retry {
        attempts: 3,
        errcode: None,
        errmsg: "e".into(),
        next_attempt_at_ms: 0,
    };
    assert_eq!(status_event(&message, &retry), None);
    let requeue = Outcome::Requeue {
        next_attempt_at_ms: 0,
    };
    assert_eq!(status_event(&message, &requeue), None);
}

#[test]
fn quotas_reset_at_midnight_in_beijing() {
    // 2024-05-01 15:59:59.999 UTC is 23:59:59.999 in Beijing.
    let before = 1_714_579_199_999;
    assert_eq!(next_beijing_midnight_ms(before), 1_714_579_200_000);
    // At midnight exactly, the next one is a day later.
    assert_eq!(
        next_beijing_midnight_ms(1_714_579_200_000),
        1_714_579_200_000 + 86_400_000
    );
    // 2024-05-01 00:00 UTC is 08:00 in Beijing: the reset is 16 hours later.
    assert_eq!(
        next_beijing_midnight_ms(1_714_521_600_000),
        1_714_521_600_000 + 16 * 3_600_000
    );
}

#[tokio::test]
async fn each_status_change_queues_the_clients_webhook_event() {
    let mut rig = Rig::new().await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(refusal(-1, "system error"))
        .up_to_n_times(1)
        .mount(&rig.wechat)
        .await;
    wechat_call(TEMPLATE_SEND)
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok", "msgid": 12 })))
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Template, template()).await;
    let webhooks = Arc::new(Webhooks::new([crate::outbox::webhook::WebhookTarget {
        client_id: CLIENT.into(),
        url: "http://127.0.0.1:9/hook".into(),
        secret: "a-client-secret-123".into(),
    }]));
    let account = rig.account(100, 3, Duration::from_secs(2));
    rig.start_with(account, webhooks);

    let message = rig.wait_for("m1", MessageStatus::Sent).await;
    let events = rig
        .store
        .claim_webhooks("check", now_ms(), 1000, 10)
        .await
        .unwrap();
    // The retry left it queued: no event; being sent is one.
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].client_id, CLIENT);
    assert_eq!(
        serde_json::from_str::<Value>(&events[0].body).unwrap(),
        json!({
            "id": "m1", "account": ACCOUNT, "kind": "template", "status": "sent",
            "errcode": null, "errmsg": null, "msgid": 12, "at": message.sent_at.unwrap()
        })
    );
}

#[tokio::test]
async fn a_stopping_sender_finishes_the_call_in_flight_and_claims_no_more() {
    let mut rig = Rig::new().await;
    wechat_call(CUSTOM_SEND)
        .respond_with(refusal(0, "ok").set_delay(Duration::from_millis(500)))
        .mount(&rig.wechat)
        .await;
    rig.accept("m1", MessageKind::Custom, custom()).await;
    rig.start();
    let deadline = Instant::now() + Duration::from_secs(10);
    while rig.calls_to(CUSTOM_SEND).await.is_empty() {
        assert!(Instant::now() < deadline, "never called");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    rig.stop.notify_one();
    rig.accept("m2", MessageKind::Custom, custom()).await;
    tokio::time::timeout(Duration::from_secs(5), rig.sender.take().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rig.message("m1").await.status, MessageStatus::Sent);
    assert_eq!(rig.message("m2").await.status, MessageStatus::Queued);
}

#[test]
fn a_send_account_takes_its_rate_and_attempts_from_the_config() {
    let config = crate::config::Config::parse(
        "[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callback-token\"\n\
         secret = \"app-secret-1\"\nsend_rate = 7\nsend_max_attempts = 3\n",
        "test.toml",
    )
    .unwrap();
    let api = Arc::new(WeChatApi::new(
        reqwest::Client::new(),
        ApiConfig::new("wx1234567890abcdef", "app-secret-1"),
    ));
    let metrics = Metrics::new(["demo"]);
    let account = SendAccount::new(&config.accounts[0], api, metrics.account(0).unwrap());
    assert_eq!(account.name, "demo");
    assert!(!account.miniprogram);
    assert_eq!((account.send_rate, account.send_max_attempts), (7, 3));
    assert!(!format!("{account:?}").contains("app-secret-1"));
}
