//! The send API and its outbox, black box: the real binary, a mock of WeChat's message APIs
//! that counts calls by `client_msg_id` and answers a repeat as WeChat does (tests/real/
//! wechat_send.rs), and apps calling `POST/GET /api/accounts/{account}/messages` with HTTP
//! Basic.
//!
//! Covered: the order of the checks (401 before anything, 404, 403, then the request), the
//! `Idempotency-Key` rules, 400 for bodies that are not the JSON expected and 422 with every
//! broken rule, 202 then 200 for the same key and JSON value, 409 for another body, 50
//! concurrent copies making one message, keys scoped per client and account, messages visible
//! only to their client and account; then delivery: `kill -9` at random moments during a
//! stream of 1,000 template sends (SQLite file) with every accepted message delivered exactly
//! once, two instances sharing one PostgreSQL queue (one killed mid-call, the other finishing),
//! the send rate, permanent and transient errors, the daily quota, `TEMPLATESENDJOBFINISH`,
//! the webhook and its signature, each kind's API; and no client secret or access token in any
//! log line.

#[path = "support/postgres.rs"]
mod postgres_server;
mod real;
#[path = "support/redis.rs"]
mod redis_server;
#[path = "real/wechat_send.rs"]
mod wechat_send;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::Mac as _;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use real::*;
use wechat_send::*;

// ---------------------------------------------------------------------------------------------
// The gateway
// ---------------------------------------------------------------------------------------------

/// A client with the `send` scope for `demo` and `mini` (its secret is in tests/secrets.txt).
const SHOP: &str = "shop";
const SHOP_SECRET: &str = "SendClientS3cret-shop-7c2d0e";
/// A client with the `send` scope for `demo` and `other`.
const CRM: &str = "crm";
const CRM_SECRET: &str = "SendClientS3cret-crm-91ab55";
/// A confidential client with the `login` scope only.
const PORTAL: &str = "portal";
const PORTAL_SECRET: &str = "SendClientS3cret-portal-44e0f1";
/// A public client (no secret) with the `login` scope.
const SPA: &str = "spa";

/// The official account most tests send for.
const DEMO: &str = "demo";
/// A second official account (for `crm` only).
const OTHER: &str = "other";
/// A mini program (for `shop` only).
const MINI: &str = "mini";

/// `[sessions] key` (mini programs need one): base64 of a value in tests/secrets.txt.
const SESSIONS_KEY: &str = "TXBTZXNzaW9uc0tleUZvclRlc3RzLTAxMjM0NTY3ODk=";

/// The send settings of a gateway's accounts.
#[derive(Clone, Debug)]
struct Settings {
    send_rate: u32,
    send_max_attempts: u32,
    /// `shop`'s webhook.
    webhook: Option<String>,
    /// Sections added to the config (`[tokens]`, `[redis]`).
    extra: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            send_rate: 1000,
            send_max_attempts: 8,
            webhook: None,
            extra: String::new(),
        }
    }
}

/// A gateway's config: the accounts `demo`, `other` (official) and `mini` (mini program), all
/// against `api_base`, and the clients `shop`, `crm`, `portal` and `spa`.
fn config(listen: u16, storage: &str, api_base: &str, s: &Settings) -> String {
    let rate = s.send_rate;
    let attempts = s.send_max_attempts;
    let webhook = s
        .webhook
        .as_ref()
        .map(|url| format!("webhook = \"{url}\""))
        .unwrap_or_default();
    let account = |name: &str, appid: &str, kind: &str| {
        format!(
            r#"
[[accounts]]
name = "{name}"
{kind}
appid = "{appid}"
token = "{TOKEN}"
secret = "{SECRET}"
api_base = "{api_base}"
send_rate = {rate}
send_max_attempts = {attempts}
"#
        )
    };
    format!(
        r#"{storage}
[server]
listen = "127.0.0.1:{listen}"
public_url = "http://127.0.0.1:{listen}"

[sessions]
key = "{SESSIONS_KEY}"

{extra}
{demo}{other}{mini}
[[clients]]
id = "{SHOP}"
secret = "{SHOP_SECRET}"
accounts = ["{DEMO}", "{MINI}"]
scopes = ["send"]
{webhook}

[[clients]]
id = "{CRM}"
secret = "{CRM_SECRET}"
accounts = ["{DEMO}", "{OTHER}"]
scopes = ["send"]

[[clients]]
id = "{PORTAL}"
secret = "{PORTAL_SECRET}"
accounts = ["{DEMO}"]
redirect_uris = ["https://portal.example.com/cb"]
scopes = ["login"]

[[clients]]
id = "{SPA}"
accounts = ["{DEMO}"]
redirect_uris = ["https://spa.example.com/cb"]
scopes = ["login"]
"#,
        demo = account(DEMO, APPID, ""),
        other = account(OTHER, OTHER_APPID, ""),
        mini = account(MINI, MINI_APPID, "kind = \"miniprogram\""),
        extra = s.extra,
    )
}

/// `[storage]` for the PostgreSQL database at `url`.
fn postgres_storage(url: &str) -> String {
    format!("[storage]\ndatabase = \"{url}\"\n")
}

/// The usual set-up: the mock, one gateway on a SQLite file, an HTTP client.
struct Env {
    wechat: WeChatSend,
    gateway: Gateway,
    api: Api,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn start(log: &str, settings: Settings) -> Env {
        let wechat = WeChatSend::start().await;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let text = config(port, &storage(dir.path()), &wechat.uri(), &settings);
        let gateway = Gateway::start(dir.path(), &text, port, log).await;
        Env {
            wechat,
            gateway,
            api: Api::new(),
            _dir: dir,
        }
    }

    fn base(&self) -> &str {
        &self.gateway.base
    }

    /// `client` sends `body` for `account` under `key`.
    async fn send(&self, client: Client, account: &str, key: &str, body: &Value) -> Reply {
        self.api
            .post(
                self.base(),
                account,
                client.auth(),
                Some(key),
                &body.to_string(),
            )
            .await
    }

    /// `client` sends `body` for `account` under a fresh key: 202; the message's id.
    async fn accepted(&self, client: Client, account: &str, body: &Value) -> String {
        let key = format!("k-{}", random_hex());
        let reply = self.send(client, account, &key, body).await;
        assert_eq!(reply.status, 202, "{body}: {reply:?}");
        reply.id()
    }

    async fn status(&self, client: Client, account: &str, id: &str, wanted: &[&str]) -> Value {
        self.api
            .wait_status(self.base(), client, account, id, wanted, SEND_DEADLINE)
            .await
    }

    fn assert_clean(&self) {
        assert_clean(std::slice::from_ref(&self.gateway.log), &self.wechat);
    }
}

/// How long a message may take to reach its end in the tests without retries.
const SEND_DEADLINE: Duration = Duration::from_secs(30);

/// Checks that no client secret, access token or AppSecret is in the logs, and that the mock
/// refused nothing.
fn assert_clean(logs: &[PathBuf], wechat: &WeChatSend) {
    let mut secrets = wechat.secrets();
    for (id, secret) in [
        (SHOP, SHOP_SECRET),
        (CRM, CRM_SECRET),
        (PORTAL, PORTAL_SECRET),
    ] {
        secrets.push(("client secret", secret.to_owned()));
        secrets.push(("Basic credentials", basic(id, secret)));
    }
    for log in logs {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(!text.is_empty(), "no gateway log at {log:?}");
        for (what, value) in &secrets {
            let line = text.lines().find(|line| line.contains(value.as_str()));
            assert!(
                line.is_none(),
                "the gateway logged a {what} ({log:?}): {}",
                line.unwrap_or_default()
            );
        }
    }
    assert_eq!(
        wechat.complaints(),
        Vec::<String>::new(),
        "the mock of WeChat refused requests"
    );
}

// ---------------------------------------------------------------------------------------------
// The apps' side
// ---------------------------------------------------------------------------------------------

/// A client's credentials.
#[derive(Clone, Copy, Debug)]
struct Client(&'static str, &'static str);

const SHOP_CLIENT: Client = Client(SHOP, SHOP_SECRET);
const CRM_CLIENT: Client = Client(CRM, CRM_SECRET);

impl Client {
    fn auth(self) -> Auth {
        Auth::Basic(self.0.to_owned(), self.1.to_owned())
    }
}

/// `base64(id:secret)`.
fn basic(id: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

/// What a request carries in `Authorization`.
#[derive(Clone, Debug)]
enum Auth {
    None,
    Basic(String, String),
    Raw(String),
}

/// What the gateway answered.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
    body: Value,
}

impl Reply {
    /// The message id of a 202 or 200.
    fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {self:?}"))
            .to_owned()
    }
}

/// An HTTP client of the send API.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
}

impl Api {
    fn new() -> Api {
        Api {
            http: reqwest::Client::builder()
                .pool_idle_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    fn with_auth(request: reqwest::RequestBuilder, auth: &Auth) -> reqwest::RequestBuilder {
        match auth {
            Auth::None => request,
            Auth::Basic(id, secret) => request.basic_auth(id, Some(secret)),
            Auth::Raw(value) => request.header(reqwest::header::AUTHORIZATION, value),
        }
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    /// `POST {base}/api/accounts/{account}/messages`, the key given as raw header bytes.
    async fn try_post_raw(
        &self,
        base: &str,
        account: &str,
        auth: Auth,
        key: Option<HeaderValue>,
        body: &[u8],
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .http
            .post(format!("{base}/api/accounts/{account}/messages"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        request = Api::with_auth(request, &auth);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        Ok(Api::reply(request.send().await?).await)
    }

    async fn post_raw(
        &self,
        base: &str,
        account: &str,
        auth: Auth,
        key: Option<HeaderValue>,
        body: &str,
    ) -> Reply {
        self.try_post_raw(base, account, auth, key, body.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("POST to {account}: {e}"))
    }

    async fn post(
        &self,
        base: &str,
        account: &str,
        auth: Auth,
        key: Option<&str>,
        body: &str,
    ) -> Reply {
        let key = key.map(|k| HeaderValue::from_str(k).unwrap());
        self.post_raw(base, account, auth, key, body).await
    }

    /// `GET {base}/api/accounts/{account}/messages/{id}`.
    async fn try_get(
        &self,
        base: &str,
        account: &str,
        auth: Auth,
        id: &str,
    ) -> Result<Reply, reqwest::Error> {
        let request = self
            .http
            .get(format!("{base}/api/accounts/{account}/messages/{id}"));
        Ok(Api::reply(Api::with_auth(request, &auth).send().await?).await)
    }

    async fn get(&self, base: &str, account: &str, auth: Auth, id: &str) -> Reply {
        self.try_get(base, account, auth, id)
            .await
            .unwrap_or_else(|e| panic!("GET {id}: {e}"))
    }

    /// Polls the message until its status is one of `wanted`; its last view.
    async fn wait_status(
        &self,
        base: &str,
        client: Client,
        account: &str,
        id: &str,
        wanted: &[&str],
        within: Duration,
    ) -> Value {
        eventually(within, || async {
            // A poll that fails in transit (a kept-alive connection the server closed as the
            // request went out) is polled again; only the deadline fails the test.
            let reply = self
                .try_get(base, account, client.auth(), id)
                .await
                .map_err(|e| format!("GET {id}: {e}"))?;
            if reply.status == 200
                && wanted.contains(&reply.body["status"].as_str().unwrap_or_default())
            {
                Ok(reply.body)
            } else {
                Err(format!("message {id} is not {wanted:?}: {reply:?}"))
            }
        })
        .await
    }
}

/// Polls `probe` every 50 ms until it answers `Ok`, failing with its last `Err` after `within`.
async fn eventually<T, F, Fut>(within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(last) => assert!(
                started.elapsed() < within,
                "not so after {within:?}: {last}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn random_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// A fresh openid with `prefix`.
fn openid(prefix: &str) -> String {
    format!("o{prefix}_{}", random_hex())
}

/// A template message to `to`.
fn template(to: &str, n: usize) -> Value {
    json!({
        "kind": "template",
        "to": to,
        "template_id": "TPL_order_moved_0001",
        "url": format!("https://shop.example.com/orders/{n}"),
        "data": {
            "first": { "value": format!("Order {n} has moved"), "color": "#173177" },
            "keyword1": { "value": "shipped" },
        },
    })
}

/// A subscription message to `to`.
fn subscribe(to: &str) -> Value {
    json!({
        "kind": "subscribe",
        "to": to,
        "template_id": "SUB_tpl_0001",
        "page": "pages/order/index",
        "data": { "thing1": { "value": "Your order" }, "time2": { "value": "2026-12-07 10:00" } },
    })
}

/// The fields of `GET .../messages/{id}`.
const VIEW_FIELDS: [&str; 11] = [
    "id",
    "kind",
    "to",
    "status",
    "attempts",
    "errcode",
    "errmsg",
    "msgid",
    "created_at",
    "sent_at",
    "finished_at",
];

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn assert_json_error(reply: &Reply, status: u16, what: &str) {
    assert_eq!(reply.status, status, "{what}: {reply:?}");
    assert!(
        reply.body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{what}: no JSON error: {reply:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The API's contract
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn credentials_are_checked_before_anything_else() {
    let env = Env::start("send-401", Settings::default()).await;
    let good = template("oUser401", 1).to_string();
    let auths = [
        ("no Authorization", Auth::None),
        ("a wrong secret", Auth::Basic(SHOP.into(), "wrong".into())),
        ("an empty secret", Auth::Basic(SHOP.into(), String::new())),
        (
            "another client's secret",
            Auth::Basic(SHOP.into(), CRM_SECRET.into()),
        ),
        (
            "an unknown client",
            Auth::Basic("nobody".into(), SHOP_SECRET.into()),
        ),
        (
            "a public client, no secret",
            Auth::Basic(SPA.into(), String::new()),
        ),
        (
            "a public client, some secret",
            Auth::Basic(SPA.into(), "x".into()),
        ),
        (
            "a login client, wrong secret",
            Auth::Basic(PORTAL.into(), "wrong".into()),
        ),
        ("a bearer", Auth::Raw(format!("Bearer {SHOP_SECRET}"))),
        ("not base64", Auth::Raw("Basic !!!".into())),
        (
            "no colon",
            Auth::Raw(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{SHOP}{SHOP_SECRET}"))
            )),
        ),
    ];
    let requests: [(&str, &str, Option<&str>, &str); 5] = [
        ("a good request", DEMO, Some("k401"), &good),
        ("an unknown account", "nosuch", Some("k401"), &good),
        ("another client's account", OTHER, Some("k401"), &good),
        ("no Idempotency-Key", DEMO, None, &good),
        ("a body that is not JSON", DEMO, Some("k401"), "{not json"),
    ];
    for (who, auth) in &auths {
        for (what, account, key, body) in &requests {
            let reply = env
                .api
                .post(env.base(), account, auth.clone(), *key, body)
                .await;
            let context = format!("{who}, {what}");
            assert_json_error(&reply, 401, &context);
            let challenge = reply
                .headers
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(
                challenge.to_ascii_lowercase().starts_with("basic"),
                "{context}: WWW-Authenticate {challenge:?}"
            );
        }
        for account in [DEMO, "nosuch"] {
            let reply = env
                .api
                .get(env.base(), account, auth.clone(), "0123456789abcdef")
                .await;
            assert_json_error(&reply, 401, &format!("{who}, GET on {account}"));
        }
    }
    // Nothing was stored under the key: another body is a new message, not a conflict.
    let reply = env
        .api
        .post(
            env.base(),
            DEMO,
            SHOP_CLIENT.auth(),
            Some("k401"),
            &template("oUser401", 2).to_string(),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    env.assert_clean();
}

#[tokio::test]
async fn unknown_or_foreign_accounts_are_404_and_without_the_send_scope_403() {
    let env = Env::start("send-404-403", Settings::default()).await;
    let good = template("oUser404", 1).to_string();
    let cases: [(&str, Client, &str, u16); 7] = [
        ("shop on an unknown account", SHOP_CLIENT, "nosuch", 404),
        ("shop on crm's account", SHOP_CLIENT, OTHER, 404),
        ("crm on shop's mini program", CRM_CLIENT, MINI, 404),
        (
            "portal (login only) on its account",
            Client(PORTAL, PORTAL_SECRET),
            DEMO,
            403,
        ),
        (
            "portal on an account it may not use",
            Client(PORTAL, PORTAL_SECRET),
            OTHER,
            404,
        ),
        (
            "portal on an unknown account",
            Client(PORTAL, PORTAL_SECRET),
            "nosuch",
            404,
        ),
        (
            "portal, account name in another case",
            Client(PORTAL, PORTAL_SECRET),
            "DEMO",
            404,
        ),
    ];
    for (what, client, account, status) in cases {
        // Before the request's own checks: no key, a body that is not JSON.
        for (key, body) in [
            (Some("k-404"), good.as_str()),
            (None, good.as_str()),
            (Some("k-404"), "{not json"),
            (Some("bad key"), good.as_str()),
        ] {
            let reply = env
                .api
                .post(env.base(), account, client.auth(), key, body)
                .await;
            assert_json_error(&reply, status, &format!("{what}, key {key:?}, {body}"));
        }
        let reply = env
            .api
            .get(env.base(), account, client.auth(), "0123456789abcdef")
            .await;
        assert_json_error(&reply, status, &format!("GET, {what}"));
    }
    env.assert_clean();
}

#[tokio::test]
async fn idempotency_key_is_1_to_255_visible_ascii_characters() {
    let env = Env::start("send-key", Settings::default()).await;
    let refused: Vec<(&str, Option<HeaderValue>)> = vec![
        ("missing", None),
        ("empty", Some(HeaderValue::from_static(""))),
        (
            "256 characters",
            Some(HeaderValue::from_str(&"k".repeat(256)).unwrap()),
        ),
        (
            "1000 characters",
            Some(HeaderValue::from_str(&"k".repeat(1000)).unwrap()),
        ),
        ("with a space", Some(HeaderValue::from_static("order 42"))),
        (
            "with a tab",
            Some(HeaderValue::from_str("order\t42").unwrap()),
        ),
        (
            "non-ASCII (é in UTF-8)",
            Some(HeaderValue::from_bytes("ordé".as_bytes()).unwrap()),
        ),
        (
            "a byte 0x80",
            Some(HeaderValue::from_bytes(b"order\x80").unwrap()),
        ),
        (
            "a byte 0xFF",
            Some(HeaderValue::from_bytes(b"\xff").unwrap()),
        ),
    ];
    for (n, (what, key)) in refused.into_iter().enumerate() {
        let body = template("oUserKey", n).to_string();
        let reply = env
            .api
            .post_raw(env.base(), DEMO, SHOP_CLIENT.auth(), key, &body)
            .await;
        assert_json_error(&reply, 400, &format!("key {what}"));
    }
    let printable: String = (0x21u8..=0x7e).map(char::from).collect();
    let accepted = [
        ("1 character", "!".to_owned()),
        ("255 characters", "k".repeat(255)),
        ("every character from 0x21 to 0x7E", printable),
    ];
    let mut ids = HashSet::new();
    for (n, (what, key)) in accepted.iter().enumerate() {
        let body = template("oUserKey", 100 + n).to_string();
        let reply = env
            .api
            .post(env.base(), DEMO, SHOP_CLIENT.auth(), Some(key), &body)
            .await;
        assert_eq!(reply.status, 202, "key {what}: {reply:?}");
        assert!(ids.insert(reply.id()), "key {what}: an id seen before");
        let again = env
            .api
            .post(env.base(), DEMO, SHOP_CLIENT.auth(), Some(key), &body)
            .await;
        assert_eq!(again.status, 200, "key {what} again: {again:?}");
        assert_eq!(again.id(), reply.id(), "key {what} again");
    }
    env.assert_clean();
}

#[tokio::test]
async fn bodies_that_are_not_the_json_expected_are_400_and_store_nothing() {
    let env = Env::start("send-400", Settings::default()).await;
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty", b"".to_vec()),
        ("not JSON", b"kind=template".to_vec()),
        ("truncated", br#"{"kind": "template", "to": "o1""#.to_vec()),
        ("not UTF-8", b"{\"kind\": \"\xff\"}".to_vec()),
        ("an array", br#"[{"kind": "template"}]"#.to_vec()),
        ("a string", br#""template""#.to_vec()),
        ("null", b"null".to_vec()),
        ("a number", b"42".to_vec()),
        (
            "`to` a number",
            br#"{"kind":"template","to":5,"template_id":"t","data":{"a":{"value":"v"}}}"#.to_vec(),
        ),
        (
            "`kind` a number",
            br#"{"kind":1,"to":"o1","template_id":"t","data":{"a":{"value":"v"}}}"#.to_vec(),
        ),
        (
            "`data` an array",
            br#"{"kind":"template","to":"o1","template_id":"t","data":[]}"#.to_vec(),
        ),
        (
            "a value a number",
            br#"{"kind":"template","to":"o1","template_id":"t","data":{"a":{"value":5}}}"#.to_vec(),
        ),
        (
            "`template_id` an object",
            br#"{"kind":"template","to":"o1","template_id":{},"data":{"a":{"value":"v"}}}"#
                .to_vec(),
        ),
        (
            "`miniprogram` a string",
            br#"{"kind":"template","to":"o1","template_id":"t","miniprogram":"wx","data":{}}"#
                .to_vec(),
        ),
        (
            "`reply` a string",
            br#"{"kind":"custom","to":"o1","reply":"hi"}"#.to_vec(),
        ),
        (
            "a text reply a number",
            br#"{"kind":"custom","to":"o1","reply":{"text":5}}"#.to_vec(),
        ),
    ];
    for (what, body) in &bad {
        let reply = env
            .api
            .try_post_raw(
                env.base(),
                DEMO,
                SHOP_CLIENT.auth(),
                Some(HeaderValue::from_static("k-400")),
                body,
            )
            .await
            .unwrap();
        assert_json_error(&reply, 400, what);
    }
    // Only accepted messages are stored under a key.
    let reply = env
        .send(SHOP_CLIENT, DEMO, "k-400", &template("oUser400", 1))
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    env.assert_clean();
}

/// The paths of a 422's problems.
fn problem_paths(reply: &Reply) -> BTreeSet<String> {
    reply.body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems: {reply:?}"))
        .iter()
        .map(|p| {
            assert!(
                p["message"].as_str().is_some_and(|m| !m.is_empty()),
                "a problem without a message: {p}"
            );
            p["path"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

#[tokio::test]
async fn rule_breaks_are_422_with_every_problem_at_once() {
    let env = Env::start("send-422", Settings::default()).await;
    let over = |n: usize| "一".repeat(n);
    let digits = |n: usize| "7".repeat(n);
    let all_over = json!({
        "kind": "subscribe",
        "to": "",
        "data": {
            "thing1": { "value": over(21) },
            "thing2": { "value": over(20) },
            "number1": { "value": digits(33) },
            "letter1": { "value": "a".repeat(33) },
            "symbol1": { "value": "%".repeat(6) },
            "character_string1": { "value": "c".repeat(33) },
            "phone_number1": { "value": digits(18) },
            "car_number1": { "value": over(9) },
            "name1": { "value": over(11) },
            "phrase1": { "value": over(6) },
            "time1": { "value": over(100) },
        },
    });
    let at_limit = json!({
        "kind": "subscribe",
        "to": "oUser422",
        "template_id": "SUB_tpl",
        "data": {
            "thing1": { "value": over(20) },
            "number1": { "value": digits(32) },
            "letter1": { "value": "a".repeat(32) },
            "symbol1": { "value": "%".repeat(5) },
            "character_string1": { "value": "c".repeat(32) },
            "phone_number1": { "value": digits(17) },
            "car_number1": { "value": over(8) },
            "name1": { "value": over(10) },
            "phrase1": { "value": over(5) },
        },
    });
    let to_129 = "中".repeat(43); // 129 bytes, 43 characters
    let to_128 = format!("{}ab", "中".repeat(42));
    let cases: Vec<(&str, &str, Value, BTreeSet<String>)> = vec![
        (
            "every subscribe limit, no to, no template_id",
            DEMO,
            all_over,
            set(&[
                "to",
                "template_id",
                "data.thing1.value",
                "data.number1.value",
                "data.letter1.value",
                "data.symbol1.value",
                "data.character_string1.value",
                "data.phone_number1.value",
                "data.car_number1.value",
                "data.name1.value",
                "data.phrase1.value",
            ]),
        ),
        (
            "an unknown kind",
            DEMO,
            json!({ "kind": "sms", "to": "o1", "text": "hi" }),
            set(&["kind"]),
        ),
        (
            "no kind",
            DEMO,
            json!({ "to": "o1", "template_id": "t", "data": {} }),
            set(&["kind"]),
        ),
        (
            "a template without template_id, data and to",
            DEMO,
            json!({ "kind": "template" }),
            set(&["to", "template_id", "data"]),
        ),
        (
            "`to` of 129 bytes",
            DEMO,
            template(&to_129, 1),
            set(&["to"]),
        ),
        (
            "a template for a mini program",
            MINI,
            template("o1", 1),
            set(&["kind"]),
        ),
        (
            "a custom message without a reply",
            DEMO,
            json!({ "kind": "custom", "to": "o1" }),
            set(&["reply"]),
        ),
    ];
    for (n, (what, account, body, paths)) in cases.into_iter().enumerate() {
        let key = format!("k-422-{n}");
        let reply = env.send(SHOP_CLIENT, account, &key, &body).await;
        assert_json_error(&reply, 422, what);
        assert_eq!(problem_paths(&reply), paths, "{what}: {reply:?}");
        // The key stays free.
        let reply = env
            .send(SHOP_CLIENT, DEMO, &key, &template("oUser422", n))
            .await;
        assert_eq!(reply.status, 202, "{what}, then a good body: {reply:?}");
    }
    // Refusals whose path is within `reply`.
    for (what, reply_value) in [
        (
            "transfer_customer_service",
            json!({ "transfer_customer_service": {} }),
        ),
        (
            "news with two articles",
            json!({ "news": [
                { "title": "a", "description": "d", "pic_url": "https://x/p.png", "url": "https://x" },
                { "title": "b", "description": "d", "pic_url": "https://x/p.png", "url": "https://x" },
            ] }),
        ),
        (
            "two replies",
            json!({ "text": "hi", "image": { "media_id": "M" } }),
        ),
    ] {
        let body = json!({ "kind": "custom", "to": "o1", "reply": reply_value });
        let reply = env
            .send(
                SHOP_CLIENT,
                DEMO,
                &format!("k-422-{}", what.replace(' ', "-")),
                &body,
            )
            .await;
        assert_json_error(&reply, 422, what);
        let paths = problem_paths(&reply);
        assert!(
            !paths.is_empty() && paths.iter().all(|p| p.starts_with("reply")),
            "{what}: {reply:?}"
        );
    }
    // At the limits: accepted.
    for (what, account, body) in [
        ("every subscribe value at its limit", DEMO, at_limit.clone()),
        ("the same for the mini program", MINI, at_limit),
        ("`to` of 128 bytes", DEMO, template(&to_128, 1)),
    ] {
        let reply = env
            .send(
                SHOP_CLIENT,
                account,
                &format!("k-ok-{}", what.replace(' ', "-")),
                &body,
            )
            .await;
        assert_eq!(reply.status, 202, "{what}: {reply:?}");
    }
    env.assert_clean();
}

#[tokio::test]
async fn every_customer_service_reply_the_api_can_send_is_accepted() {
    let env = Env::start("send-custom-kinds", Settings::default()).await;
    let replies = [
        ("text", json!({ "text": "hi" })),
        ("image", json!({ "image": { "media_id": "MEDIA_1" } })),
        ("voice", json!({ "voice": { "media_id": "MEDIA_2" } })),
        (
            "video",
            json!({ "video": { "media_id": "MEDIA_3", "title": "t", "description": "d" } }),
        ),
        (
            "music",
            json!({ "music": {
                "title": "t",
                "description": "d",
                "music_url": "https://x/m.mp3",
                "hq_music_url": "https://x/hq.mp3",
                "thumb_media_id": "MEDIA_5",
            } }),
        ),
        (
            "news with one article",
            json!({ "news": [{ "title": "a", "description": "d", "pic_url": "https://x/p.png", "url": "https://x" }] }),
        ),
        (
            "miniprogrampage",
            json!({ "miniprogrampage": {
                "title": "Your order",
                "appid": MINI_APPID,
                "pagepath": "pages/order/index",
                "thumb_media_id": "MEDIA_4",
            } }),
        ),
    ];
    let mut refused = Vec::new();
    for (what, reply_value) in replies {
        let body = json!({ "kind": "custom", "to": "oUserCustom", "reply": reply_value });
        let reply = env
            .send(
                SHOP_CLIENT,
                DEMO,
                &format!("k-custom-{}", what.replace(' ', "-")),
                &body,
            )
            .await;
        if reply.status != 202 {
            refused.push(format!("{what}: {} {}", reply.status, reply.text));
        }
    }
    assert!(refused.is_empty(), "refused: {refused:#?}");
    env.assert_clean();
}

#[tokio::test]
async fn same_key_and_json_value_is_200_another_body_409() {
    let env = Env::start("send-idem", Settings::default()).await;
    let first = r##"{"kind":"template","to":"oUserIdem","template_id":"TPL_1","url":"https://shop.example.com/o/1","data":{"first":{"value":"Moved","color":"#173177"},"keyword1":{"value":"shipped"}}}"##;
    let reordered = "{ \"data\" : {\n  \"keyword1\": {\"value\": \"shipped\"},\n  \"first\": {\"color\": \"#173177\", \"value\": \"Moved\"} },\n\t\"url\": \"https://shop.example.com/o/1\", \"template_id\": \"TPL_1\", \"to\": \"oUserIdem\", \"kind\": \"template\" }\n";
    let reply = env
        .api
        .post(env.base(), DEMO, SHOP_CLIENT.auth(), Some("order-1"), first)
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    assert_eq!(reply.body["status"], "queued", "{reply:?}");
    let id = reply.id();
    assert!(!id.is_empty());
    let again = env
        .api
        .post(
            env.base(),
            DEMO,
            SHOP_CLIENT.auth(),
            Some("order-1"),
            reordered,
        )
        .await;
    assert_eq!(again.status, 200, "same JSON, other key order: {again:?}");
    assert_eq!(again.id(), id);
    assert_eq!(keys(&again.body), keys(&reply.body), "{again:?}");
    for (what, other) in [
        ("another value", first.replace("Moved", "Lost")),
        (
            "without url",
            first.replace(r#""url":"https://shop.example.com/o/1","#, ""),
        ),
        (
            "another recipient",
            first.replace("oUserIdem", "oUserIdem2"),
        ),
        (
            "an extra color",
            first.replace(
                r#"{"value":"shipped"}"#,
                r##"{"value":"shipped","color":"#000000"}"##,
            ),
        ),
    ] {
        assert_ne!(other, first, "{what}");
        let reply = env
            .api
            .post(
                env.base(),
                DEMO,
                SHOP_CLIENT.auth(),
                Some("order-1"),
                &other,
            )
            .await;
        assert_json_error(&reply, 409, what);
    }
    // The first message is untouched.
    let again = env
        .api
        .post(env.base(), DEMO, SHOP_CLIENT.auth(), Some("order-1"), first)
        .await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.id(), id);
    let view = env.api.get(env.base(), DEMO, SHOP_CLIENT.auth(), &id).await;
    assert_eq!(view.status, 200, "{view:?}");
    assert_eq!(view.body["to"], "oUserIdem");
    env.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_identical_requests_make_one_message() {
    let env = Env::start("send-fifty", Settings::default()).await;
    let to = openid("Fifty");
    let body = template(&to, 50).to_string();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let api = env.api.clone();
        let base = env.base().to_owned();
        let body = body.clone();
        tasks.spawn(async move {
            api.post(&base, DEMO, SHOP_CLIENT.auth(), Some("fifty-1"), &body)
                .await
        });
    }
    let mut statuses = HashMap::new();
    let mut ids = HashSet::new();
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.unwrap();
        *statuses.entry(reply.status).or_insert(0) += 1;
        if reply.status == 200 || reply.status == 202 {
            ids.insert(reply.id());
        }
    }
    assert_eq!(
        statuses,
        HashMap::from([(202, 1), (200, 49)]),
        "the answers' statuses"
    );
    assert_eq!(ids.len(), 1, "ids: {ids:?}");
    let id = ids.into_iter().next().unwrap();
    // One message, sent once.
    let view = env.status(SHOP_CLIENT, DEMO, &id, &["sent"]).await;
    assert_eq!(
        env.wechat.calls_to(&to).len(),
        1,
        "{:?}",
        env.wechat.calls_to(&to)
    );
    assert_eq!(env.wechat.deliveries(&id), 1);
    assert_eq!(view["msgid"].as_i64(), env.wechat.msgid_of(&id), "{view}");
    env.assert_clean();
}

#[tokio::test]
async fn keys_are_scoped_per_client_and_per_account() {
    let env = Env::start("send-scope", Settings::default()).await;
    let body = template("oUserScope", 1);
    let sub = subscribe("oUserScope");
    let key = "order-42";
    let first = [
        ("shop on demo", SHOP_CLIENT, DEMO, &body),
        ("shop on mini", SHOP_CLIENT, MINI, &sub),
        ("crm on demo", CRM_CLIENT, DEMO, &body),
        ("crm on other", CRM_CLIENT, OTHER, &body),
    ];
    let mut ids = HashMap::new();
    for (what, client, account, body) in first {
        let reply = env.send(client, account, key, body).await;
        assert_eq!(reply.status, 202, "{what}: {reply:?}");
        ids.insert(what, reply.id());
    }
    let distinct: HashSet<&String> = ids.values().collect();
    assert_eq!(distinct.len(), 4, "{ids:?}");
    for (what, client, account, body) in first {
        let reply = env.send(client, account, key, body).await;
        assert_eq!(reply.status, 200, "{what} again: {reply:?}");
        assert_eq!(reply.id(), ids[what], "{what} again");
    }
    env.assert_clean();
}

#[tokio::test]
async fn a_message_is_seen_only_by_its_client_on_its_account() {
    let env = Env::start("send-get", Settings::default()).await;
    let before = now().parse::<i64>().unwrap();
    let id = env
        .accepted(SHOP_CLIENT, DEMO, &template("oUserGet", 1))
        .await;
    let view = env.api.get(env.base(), DEMO, SHOP_CLIENT.auth(), &id).await;
    assert_eq!(view.status, 200, "{view:?}");
    assert_eq!(keys(&view.body), set(&VIEW_FIELDS), "{view:?}");
    assert_eq!(view.body["id"], id.as_str());
    assert_eq!(view.body["kind"], "template");
    assert_eq!(view.body["to"], "oUserGet");
    assert!(view.body["attempts"].is_u64(), "{view:?}");
    let created = view.body["created_at"].as_i64().unwrap_or_default();
    assert!(
        (before - 1..=before + 5).contains(&created),
        "created_at {created}, now {before}"
    );
    for (what, client, account, id) in [
        ("crm, same account", CRM_CLIENT, DEMO, id.as_str()),
        ("shop, its other account", SHOP_CLIENT, MINI, id.as_str()),
        ("crm, its other account", CRM_CLIENT, OTHER, id.as_str()),
        (
            "shop, an unknown id",
            SHOP_CLIENT,
            DEMO,
            "0123456789abcdef0123456789abcdef",
        ),
        (
            "shop, an id with a quote",
            SHOP_CLIENT,
            DEMO,
            "x'%20OR%20'1'='1",
        ),
    ] {
        let reply = env.api.get(env.base(), account, client.auth(), id).await;
        assert_json_error(&reply, 404, what);
        assert!(!reply.text.contains("oUserGet"), "{what}: {reply:?}");
    }
    // Sent: the times and the msgid.
    let view = env.status(SHOP_CLIENT, DEMO, &id, &["sent"]).await;
    assert_eq!(view["msgid"].as_i64(), env.wechat.msgid_of(&id), "{view}");
    assert!(
        view["sent_at"].as_i64().unwrap_or_default() >= created,
        "{view}"
    );
    assert_eq!(view["attempts"], 1, "{view}");
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_kind_goes_to_its_api() {
    let env = Env::start("send-kinds", Settings::default()).await;
    let to = openid("Kinds");
    let t = env.accepted(SHOP_CLIENT, DEMO, &template(&to, 7)).await;
    let s = env.accepted(SHOP_CLIENT, DEMO, &subscribe(&to)).await;
    let mut mini_body = subscribe(&to);
    mini_body["miniprogram_state"] = "trial".into();
    mini_body["lang"] = "en_US".into();
    let m = env.accepted(SHOP_CLIENT, MINI, &mini_body).await;
    let c = env
        .accepted(
            SHOP_CLIENT,
            DEMO,
            &json!({ "kind": "custom", "to": to, "reply": { "text": "你好 hi" } }),
        )
        .await;
    for (id, account) in [(&t, DEMO), (&s, DEMO), (&m, MINI), (&c, DEMO)] {
        env.status(SHOP_CLIENT, account, id, &["sent"]).await;
    }
    let calls = env.wechat.calls_to(&to);
    let by_path =
        |p: &str| -> Vec<Call> { calls.iter().filter(|c| c.path == p).cloned().collect() };
    let [template_call] = by_path(TEMPLATE).try_into().expect("one template call");
    assert_eq!(template_call.client_msg_id.as_deref(), Some(t.as_str()));
    assert_eq!(template_call.appid, APPID);
    assert_eq!(template_call.body["template_id"], "TPL_order_moved_0001");
    assert_eq!(
        template_call.body["url"],
        "https://shop.example.com/orders/7"
    );
    assert_eq!(
        template_call.body["data"]["first"],
        json!({ "value": "Order 7 has moved", "color": "#173177" })
    );
    let [biz] = by_path(BIZSEND).try_into().expect("one bizsend call");
    assert_eq!(biz.appid, APPID);
    assert_eq!(biz.body["template_id"], "SUB_tpl_0001");
    assert_eq!(biz.body["page"], "pages/order/index");
    assert_eq!(biz.body["data"]["thing1"]["value"], "Your order");
    let [mini] = by_path(SUBSCRIBE)
        .try_into()
        .expect("one subscribe/send call");
    assert_eq!(mini.appid, MINI_APPID);
    assert_eq!(mini.body["page"], "pages/order/index");
    assert_eq!(mini.body["miniprogram_state"], "trial");
    assert_eq!(mini.body["lang"], "en_US");
    let [custom] = by_path(CUSTOM).try_into().expect("one custom call");
    assert_eq!(custom.body["msgtype"], "text");
    assert_eq!(custom.body["text"]["content"], "你好 hi");
    env.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn permanent_and_transient_errors_end_as_described() {
    let env = Env::start(
        "send-errors",
        Settings {
            send_max_attempts: 4,
            ..Settings::default()
        },
    )
    .await;
    let wechat = &env.wechat;
    // Permanent refusals: failed after that one call, with WeChat's errcode and errmsg.
    let mut permanent = Vec::new();
    for code in [43101, 40037, 40003, 45015, 47003, 40036] {
        let to = openid(&format!("Perm{code}"));
        wechat.always(&to, Answer::Errcode(code));
        let id = env.accepted(SHOP_CLIENT, DEMO, &template(&to, 1)).await;
        permanent.push((code, to, id));
    }
    let sub_to = openid("PermSub");
    wechat.always(&sub_to, Answer::Errcode(43101));
    let sub_id = env.accepted(SHOP_CLIENT, DEMO, &subscribe(&sub_to)).await;
    // -1 once, then delivered.
    let busy = openid("Busy");
    wechat.plan(&busy, &[Answer::Errcode(-1)]);
    let busy_id = env.accepted(SHOP_CLIENT, DEMO, &template(&busy, 1)).await;
    // 5xx until send_max_attempts.
    let down = openid("Down");
    wechat.always(&down, Answer::Status(503));
    let down_id = env.accepted(SHOP_CLIENT, DEMO, &template(&down, 1)).await;
    // A rejected access token: refreshed, called again, not an attempt.
    let stale = openid("Stale");
    wechat.plan(&stale, &[Answer::RejectToken(40001)]);
    let stale_id = env.accepted(SHOP_CLIENT, DEMO, &template(&stale, 1)).await;
    // The daily quota of `other`: its messages stay queued, no attempt counted.
    let quota = openid("Quota");
    wechat.always(&quota, Answer::Errcode(45009));
    let quota_id = env.accepted(CRM_CLIENT, OTHER, &template(&quota, 1)).await;

    for (code, to, id) in &permanent {
        let view = env.status(SHOP_CLIENT, DEMO, id, &["failed", "sent"]).await;
        assert_eq!(view["status"], "failed", "errcode {code}: {view}");
        assert_eq!(view["errcode"], *code, "{view}");
        assert_eq!(view["errmsg"], errmsg(*code), "{view}");
        assert_eq!(view["attempts"], 1, "errcode {code}: {view}");
        assert!(view["finished_at"].is_i64(), "errcode {code}: {view}");
        assert_eq!(wechat.calls_to(to).len(), 1, "errcode {code}: calls");
    }
    let view = env
        .status(SHOP_CLIENT, DEMO, &sub_id, &["failed", "sent"])
        .await;
    assert_eq!(view["status"], "failed", "{view}");
    assert_eq!(view["errcode"], 43101, "{view}");
    assert_eq!(wechat.calls_to(&sub_to).len(), 1);

    let view = env.status(SHOP_CLIENT, DEMO, &busy_id, &["sent"]).await;
    assert_eq!(view["attempts"], 2, "-1 then delivered: {view}");
    let calls = wechat.calls_to(&busy);
    assert_eq!(calls.len(), 2, "{calls:?}");
    let gap = calls[1].at - calls[0].at;
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}");
    assert_eq!(view["msgid"].as_i64(), wechat.msgid_of(&busy_id));

    let view = env.status(SHOP_CLIENT, DEMO, &stale_id, &["sent"]).await;
    let calls = wechat.calls_to(&stale);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_ne!(
        calls[0].token, calls[1].token,
        "the same access token again"
    );
    assert_eq!(
        view["attempts"], 1,
        "a refreshed access token counts no attempt: {view}"
    );

    let view = env
        .api
        .wait_status(
            env.base(),
            SHOP_CLIENT,
            DEMO,
            &down_id,
            &["failed"],
            Duration::from_secs(40),
        )
        .await;
    assert_eq!(view["attempts"], 4, "{view}");
    let calls = wechat.calls_to(&down);
    assert_eq!(calls.len(), 4, "5xx until send_max_attempts: {calls:?}");
    for (n, pair) in calls.windows(2).enumerate() {
        let gap = pair[1].at - pair[0].at;
        let least = Duration::from_millis(900) * (1 << n);
        assert!(gap >= least, "retry {} after {gap:?}, not {least:?}", n + 1);
    }

    // By now the quota's account has been paused for seconds: one call, still queued.
    let calls = wechat.calls_to(&quota);
    assert_eq!(calls.len(), 1, "45009 calls: {calls:?}");
    let since = calls[0].at.elapsed();
    assert!(since >= Duration::from_secs(5), "paused for only {since:?}");
    let view = env
        .api
        .get(env.base(), OTHER, CRM_CLIENT.auth(), &quota_id)
        .await;
    assert_eq!(view.body["status"], "queued", "45009: {view:?}");
    assert_eq!(
        view.body["attempts"], 0,
        "45009 counts no attempt: {view:?}"
    );
    // The whole account waits, other recipients too; the other accounts do not.
    let later = openid("QuotaLater");
    let later_id = env.accepted(CRM_CLIENT, OTHER, &template(&later, 1)).await;
    let demo_id = env.accepted(CRM_CLIENT, DEMO, &template(&later, 2)).await;
    env.status(CRM_CLIENT, DEMO, &demo_id, &["sent"]).await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        let view = env
            .api
            .get(env.base(), OTHER, CRM_CLIENT.auth(), &later_id)
            .await;
        assert_eq!(view.body["status"], "queued", "paused account: {view:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let other_calls: Vec<Call> = wechat
        .calls_to(&later)
        .into_iter()
        .filter(|c| c.appid == OTHER_APPID)
        .collect();
    assert!(
        other_calls.is_empty(),
        "the paused account sent: {other_calls:?}"
    );
    assert_eq!(wechat.calls_to(&quota).len(), 1, "45009 called again");

    // The metrics: results per account and kind, the call times, the queue's depth.
    eventually(Duration::from_secs(15), || async {
        let text = env
            .api
            .http
            .get(format!("{}/metrics", env.base()))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let value = |line: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
                .unwrap_or(-1.0)
        };
        let sends = |kind: &str, result: &str| {
            value(&format!(
                "wxgate_outbox_sends_total{{account=\"{DEMO}\",kind=\"{kind}\",result=\"{result}\"}}"
            ))
        };
        let got = (
            sends("template", "failed"),
            sends("subscribe", "failed"),
            sends("template", "retried"),
            sends("template", "sent"),
            value(&format!("wxgate_outbox_depth{{account=\"{OTHER}\"}}")),
            value("wxgate_outbox_send_seconds_count"),
        );
        // failed: 6 permanent + the 5xx one; retried: -1 once, 5xx three times (the rejected
        // token is no retry); sent: busy, stale, the `demo` one; depth: the two paused.
        let calls = wechat.calls().len() as f64;
        if got.0 == 7.0
            && got.1 == 1.0
            && got.2 >= 4.0
            && got.3 == 3.0
            && got.4 == 2.0
            && got.5 >= calls - 1.0
        {
            Ok(())
        } else {
            Err(format!(
                "metrics (failed, subscribe failed, retried, sent, depth of {OTHER}, calls timed) \
                 {got:?}, {calls} calls:\n{}",
                text.lines()
                    .filter(|l| l.starts_with("wxgate_outbox"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ))
        }
    })
    .await;
    env.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_send_rate_holds() {
    const RATE: usize = 5;
    const MESSAGES: usize = 40;
    let env = Env::start(
        "send-rate",
        Settings {
            send_rate: RATE as u32,
            ..Settings::default()
        },
    )
    .await;
    let to = openid("Rate");
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        ids.push(env.accepted(SHOP_CLIENT, DEMO, &template(&to, n)).await);
    }
    for id in &ids {
        env.api
            .wait_status(
                env.base(),
                SHOP_CLIENT,
                DEMO,
                id,
                &["sent"],
                Duration::from_secs(60),
            )
            .await;
    }
    let times: Vec<Instant> = env.wechat.calls_to(&to).iter().map(|c| c.at).collect();
    assert_eq!(times.len(), MESSAGES);
    assert_rate(&times, RATE);
    env.assert_clean();
}

/// Asserts that the calls at `times` keep a rate of `rate` a second with a bucket of `rate`.
fn assert_rate(times: &[Instant], rate: usize) {
    // No second with more than send_rate calls plus the bucket (send_rate).
    for (i, start) in times.iter().enumerate() {
        let in_second = times[i..]
            .iter()
            .take_while(|t| **t - *start < Duration::from_secs(1))
            .count();
        assert!(
            in_second <= 2 * rate,
            "{in_second} calls within a second from call {i}"
        );
    }
    // Over any stretch, at most the bucket plus the rate times its length (one call of slack
    // for the network's jitter).
    for i in 0..times.len() {
        for j in i + 1..times.len() {
            let span = (times[j] - times[i]).as_secs_f64();
            let calls = (j - i + 1) as f64;
            assert!(
                calls <= rate as f64 + rate as f64 * span + 1.0,
                "{calls} calls in {span:.2} s (calls {i} to {j})"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_send_rate_is_shared_by_instances_through_redis() {
    const RATE: usize = 5;
    const MESSAGES: usize = 40;
    let redis = redis_server::RedisServer::start();
    let wechat = WeChatSend::start().await;
    let second_front = wechat.add_front().await;
    let storage = postgres_storage(&postgres_server::fresh_database_url());
    let settings = Settings {
        send_rate: RATE as u32,
        extra: format!(
            "[tokens]\nbackend = \"redis\"\n\n[redis]\nurl = \"{}\"\nkey_prefix = \"wxgate-send:\"\n",
            redis.url()
        ),
        ..Settings::default()
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let a = Gateway::start(
        dir_a.path(),
        &config(port_a, &storage, &wechat.uri(), &settings),
        port_a,
        "send-redis-rate-a",
    )
    .await;
    let b = Gateway::start(
        dir_b.path(),
        &config(port_b, &storage, &second_front, &settings),
        port_b,
        "send-redis-rate-b",
    )
    .await;
    let api = Api::new();
    let to = openid("SharedRate");
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        let reply = api
            .post(
                base,
                DEMO,
                SHOP_CLIENT.auth(),
                Some(&format!("rate-{n}")),
                &template(&to, n).to_string(),
            )
            .await;
        assert_eq!(reply.status, 202, "{reply:?}");
        ids.push(reply.id());
    }
    for id in &ids {
        api.wait_status(
            &a.base,
            SHOP_CLIENT,
            DEMO,
            id,
            &["sent"],
            Duration::from_secs(60),
        )
        .await;
    }
    let calls = wechat.calls_to(&to);
    assert_eq!(calls.len(), MESSAGES);
    let fronts: HashSet<usize> = calls.iter().map(|c| c.front).collect();
    assert_eq!(fronts.len(), 2, "one instance sent everything");
    let times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    assert_rate(&times, RATE);
    assert_clean(&[a.log.clone(), b.log.clone()], &wechat);
}

/// The XML of a `TEMPLATESENDJOBFINISH` push.
fn job_finished(to: &str, msgid: i64, status: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
         <FromUserName><![CDATA[{to}]]></FromUserName><CreateTime>{}</CreateTime>\
         <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>\
         <MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status></xml>",
        now()
    )
}

/// A signed plain push to `/wx/demo`.
async fn push(api: &Api, base: &str, xml: String) -> Reply {
    let response = api
        .http
        .post(format!(
            "{base}/wx/{DEMO}?{}",
            plain_query(&format!("n{}", random_hex()))
        ))
        .header(reqwest::header::CONTENT_TYPE, "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    Api::reply(response).await
}

/// `sha256=` and the hex HMAC-SHA256 of `body` with `secret`.
fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn job_finished_pushes_and_the_webhook_tell_the_app() {
    let hook = WebhookSink::start(&[500, 503]).await;
    let env = Env::start(
        "send-webhook",
        Settings {
            webhook: Some(hook.url()),
            ..Settings::default()
        },
    )
    .await;
    let to = openid("Hook");
    let delivered = env.accepted(SHOP_CLIENT, DEMO, &template(&to, 1)).await;
    let sent = env.status(SHOP_CLIENT, DEMO, &delivered, &["sent"]).await;
    let msgid = sent["msgid"].as_i64().expect("a msgid");
    assert_eq!(Some(msgid), env.wechat.msgid_of(&delivered));
    let blocked = env.accepted(SHOP_CLIENT, DEMO, &template(&to, 2)).await;
    let blocked_msgid = env.status(SHOP_CLIENT, DEMO, &blocked, &["sent"]).await["msgid"]
        .as_i64()
        .expect("a msgid");

    let reply = push(&env.api, env.base(), job_finished(&to, msgid, "success")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = push(
        &env.api,
        env.base(),
        job_finished(&to, blocked_msgid, "failed:user block"),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = push(
        &env.api,
        env.base(),
        job_finished(&to, 987_654_321_012, "success"),
    )
    .await;
    assert_eq!(reply.status, 200, "an unknown MsgID: {reply:?}");
    assert_eq!(reply.text, "success", "an unknown MsgID: {reply:?}");

    let view = env
        .status(SHOP_CLIENT, DEMO, &delivered, &["delivered"])
        .await;
    assert!(view["finished_at"].is_i64(), "{view}");
    assert_eq!(view["msgid"], msgid);
    let view = env.status(SHOP_CLIENT, DEMO, &blocked, &["failed"]).await;
    assert_eq!(view["errmsg"], "failed:user block", "{view}");
    assert!(view["finished_at"].is_i64(), "{view}");

    // The webhook: every try signed; each event answered 5xx twice, retried until 2xx; each
    // message's statuses in order.
    let wanted = [
        (&delivered, "sent"),
        (&delivered, "delivered"),
        (&blocked, "sent"),
        (&blocked, "failed"),
    ];
    let received = eventually(Duration::from_secs(30), || async {
        let received = hook.received();
        let ok: Vec<(String, String)> = received
            .iter()
            .filter(|h| h.answered == 200)
            .filter_map(|h| serde_json::from_slice::<Value>(&h.body).ok())
            .map(|b| {
                (
                    b["id"].as_str().unwrap_or_default().to_owned(),
                    b["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        if wanted
            .iter()
            .all(|(id, status)| ok.contains(&((*id).clone(), (*status).to_owned())))
        {
            Ok(received)
        } else {
            Err(format!("the webhook got {ok:?}"))
        }
    })
    .await;
    for hook in &received {
        assert_eq!(hook.method, "POST");
        assert_eq!(
            hook.signature.as_deref(),
            Some(signature(SHOP_SECRET, &hook.body).as_str()),
            "the signature of {}",
            String::from_utf8_lossy(&hook.body)
        );
    }
    // Each event: two failures, then 2xx, and no more tries; retried after a pause.
    let mut events: Vec<(Value, Vec<&Hook>)> = Vec::new();
    for hook in &received {
        let body: Value = serde_json::from_slice(&hook.body).unwrap();
        match events.iter_mut().find(|(b, _)| *b == body) {
            Some((_, tries)) => tries.push(hook),
            None => events.push((body, vec![hook])),
        }
    }
    assert_eq!(events.len(), 4, "{events:#?}");
    for (body, tries) in &events {
        let answered: Vec<u16> = tries.iter().map(|h| h.answered).collect();
        assert_eq!(answered, [500, 503, 200], "{body}");
        for pair in tries.windows(2) {
            let gap = pair[1].at - pair[0].at;
            assert!(
                gap >= Duration::from_millis(900),
                "{body}: retried after {gap:?}"
            );
        }
        assert_eq!(
            keys(body),
            set(&[
                "id", "account", "kind", "status", "errcode", "errmsg", "msgid", "at"
            ]),
            "{body}"
        );
        assert_eq!(body["account"], DEMO, "{body}");
        assert_eq!(body["kind"], "template", "{body}");
        assert!(body["at"].is_i64(), "{body}");
    }
    // In order per message: the next status is not posted before the first was taken.
    for id in [&delivered, &blocked] {
        let mine: Vec<&(Value, Vec<&Hook>)> = events
            .iter()
            .filter(|(b, _)| b["id"] == id.as_str())
            .collect();
        let statuses: Vec<&str> = mine
            .iter()
            .map(|(b, _)| b["status"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(statuses.len(), 2, "{id}: {statuses:?}");
        assert_eq!(statuses[0], "sent", "{id}: {statuses:?}");
        let taken = mine[0].1.last().unwrap().at;
        assert!(mine[1].1[0].at >= taken, "{id}: {statuses:?} out of order");
    }
    assert_eq!(events[0].0["status"], "sent");
    let bodies: Vec<Value> = events.iter().map(|(b, _)| b.clone()).collect();
    let failed = bodies
        .iter()
        .find(|b| b["id"] == blocked.as_str() && b["status"] == "failed")
        .expect("the failed event");
    assert_eq!(failed["errmsg"], "failed:user block", "{failed}");
    let sent_event = bodies
        .iter()
        .find(|b| b["id"] == delivered.as_str() && b["status"] == "sent")
        .unwrap();
    assert_eq!(sent_event["msgid"], msgid, "{sent_event}");
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Crashes and many instances
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_crash_mid_call_templates_are_resent_and_other_kinds_become_unknown() {
    let hook = WebhookSink::start(&[]).await;
    let wechat = WeChatSend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let settings = Settings {
        webhook: Some(hook.url()),
        ..Settings::default()
    };
    let text = config(port, &storage(dir.path()), &wechat.uri(), &settings);
    let mut gateway = Gateway::start(dir.path(), &text, port, "send-crash-0").await;
    let mut logs = vec![gateway.log.clone()];
    let api = Api::new();
    let (to_t, to_c, to_s) = (openid("CrashT"), openid("CrashC"), openid("CrashS"));
    for to in [&to_t, &to_c, &to_s] {
        wechat.plan(to, &[Answer::Late(Duration::from_secs(25))]);
    }
    let mut ids = Vec::new();
    for (n, body) in [
        template(&to_t, 1),
        json!({ "kind": "custom", "to": to_c, "reply": { "text": "hi" } }),
        subscribe(&to_s),
    ]
    .iter()
    .enumerate()
    {
        let reply = api
            .post(
                &gateway.base,
                DEMO,
                SHOP_CLIENT.auth(),
                Some(&format!("crash-{n}")),
                &body.to_string(),
            )
            .await;
        assert_eq!(reply.status, 202, "{reply:?}");
        ids.push(reply.id());
    }
    // All three reached WeChat; the answers are late: kill -9 now.
    eventually(Duration::from_secs(10), || async {
        let seen = [&to_t, &to_c, &to_s]
            .iter()
            .filter(|to| !wechat.calls_to(to).is_empty())
            .count();
        if seen == 3 {
            Ok(())
        } else {
            Err(format!("{seen} of 3 messages reached WeChat"))
        }
    })
    .await;
    gateway.signal("KILL");
    assert!(
        gateway
            .exited_within(Duration::from_secs(10))
            .await
            .is_some()
    );
    gateway = Gateway::start(dir.path(), &text, port, "send-crash-1").await;
    logs.push(gateway.log.clone());

    let within = Duration::from_secs(90);
    let view = api
        .wait_status(&gateway.base, SHOP_CLIENT, DEMO, &ids[0], &["sent"], within)
        .await;
    assert_eq!(
        wechat.deliveries(&ids[0]),
        1,
        "{:?}",
        wechat.calls_to(&to_t)
    );
    assert_eq!(view["msgid"].as_i64(), wechat.msgid_of(&ids[0]), "{view}");
    for (id, to, kind) in [(&ids[1], &to_c, "custom"), (&ids[2], &to_s, "subscribe")] {
        let view = api
            .wait_status(
                &gateway.base,
                SHOP_CLIENT,
                DEMO,
                id,
                &["unknown", "sent", "failed"],
                within,
            )
            .await;
        assert_eq!(view["status"], "unknown", "{kind}: {view}");
        assert_eq!(
            wechat.calls_to(to).len(),
            1,
            "a {kind} message was sent again"
        );
    }
    // The app is told: sent, unknown, unknown.
    eventually(Duration::from_secs(15), || async {
        let got: BTreeSet<(String, String)> = hook
            .received()
            .iter()
            .filter_map(|h| serde_json::from_slice::<Value>(&h.body).ok())
            .map(|b| {
                (
                    b["id"].as_str().unwrap_or_default().to_owned(),
                    b["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let wanted: BTreeSet<(String, String)> = [
            (ids[0].clone(), "sent".to_owned()),
            (ids[1].clone(), "unknown".to_owned()),
            (ids[2].clone(), "unknown".to_owned()),
        ]
        .into();
        if got == wanted {
            Ok(())
        } else {
            Err(format!("the webhook got {got:?}"))
        }
    })
    .await;
    drop(gateway);
    assert_clean(&logs, &wechat);
}

/// What the app got for one key: every answer (status, id).
type Answers = Arc<Mutex<HashMap<String, Vec<(u16, String)>>>>;

/// Sends `body` under `key` until the gateway answers 202 or 200 (connection errors and 5xx
/// are retried with the same key, as an app would); records every answer.
async fn send_until_answered(
    api: &Api,
    base: &str,
    key: &str,
    body: &str,
    answers: &Answers,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let auth = SHOP_CLIENT.auth();
        match api
            .try_post_raw(
                base,
                DEMO,
                auth,
                Some(HeaderValue::from_str(key).unwrap()),
                body.as_bytes(),
            )
            .await
        {
            Ok(reply) if reply.status == 202 || reply.status == 200 => {
                answers
                    .lock()
                    .unwrap()
                    .entry(key.to_owned())
                    .or_default()
                    .push((reply.status, reply.id()));
                return Ok(());
            }
            Ok(reply) if reply.status < 500 => {
                return Err(format!("{key}: {reply:?}"));
            }
            _ => {}
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!("{key}: no answer in 120 s"));
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_1000_template_sends_loses_and_doubles_nothing() {
    const MESSAGES: usize = 1000;
    const KILLS: usize = 8;
    let wechat = WeChatSend::start().await;
    wechat.set_delay(Duration::ZERO, Duration::from_millis(60));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let settings = Settings {
        send_rate: 150,
        send_max_attempts: 100,
        ..Settings::default()
    };
    let text = config(port, &storage(dir.path()), &wechat.uri(), &settings);
    let mut gateway = Gateway::start(dir.path(), &text, port, "send-kill-0").await;
    let mut logs = vec![gateway.log.clone()];
    let base = gateway.base.clone();
    let api = Api::new();
    let answers: Answers = Arc::default();
    let bodies: Arc<HashMap<String, (String, String)>> = Arc::new(
        (0..MESSAGES)
            .map(|n| {
                let to = format!("oKill_{:02}", n % 50);
                (
                    format!("kill-{n:04}"),
                    (to.clone(), template(&to, n).to_string()),
                )
            })
            .collect(),
    );

    // The app: a steady stream, 16 requests at a time, each retried until answered.
    let stream = {
        let (api, base, answers, bodies) =
            (api.clone(), base.clone(), answers.clone(), bodies.clone());
        tokio::spawn(async move {
            let permits = Arc::new(tokio::sync::Semaphore::new(16));
            let mut tasks = tokio::task::JoinSet::new();
            let mut keys: Vec<&String> = bodies.keys().collect();
            keys.sort();
            for key in keys {
                let permit = permits.clone().acquire_owned().await.unwrap();
                let (api, base, answers, key) =
                    (api.clone(), base.clone(), answers.clone(), key.clone());
                let body = bodies[&key].1.clone();
                tasks.spawn(async move {
                    let result = send_until_answered(&api, &base, &key, &body, &answers).await;
                    drop(permit);
                    result
                });
                tokio::time::sleep(Duration::from_millis(6)).await;
            }
            let mut failures = Vec::new();
            while let Some(result) = tasks.join_next().await {
                if let Err(e) = result.unwrap() {
                    failures.push(e);
                }
            }
            failures
        })
    };

    // kill -9 at random moments, while requests come in and while the sender works.
    for round in 1..=KILLS {
        let wait = rand::random_range(300..1500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        gateway.signal("KILL");
        assert!(
            gateway
                .exited_within(Duration::from_secs(10))
                .await
                .is_some(),
            "kill -9 did not end the gateway"
        );
        gateway = Gateway::start(dir.path(), &text, port, &format!("send-kill-{round}")).await;
        logs.push(gateway.log.clone());
    }
    let failures = stream.await.unwrap();
    assert!(failures.is_empty(), "requests refused: {failures:#?}");

    // Every key got one message, whatever the crashes: every answer names the same id.
    let answers = answers.lock().unwrap().clone();
    assert_eq!(answers.len(), MESSAGES);
    let mut ids: HashMap<String, String> = HashMap::new();
    for (key, got) in &answers {
        let first = &got[0].1;
        assert!(got.iter().all(|(_, id)| id == first), "{key}: {got:?}");
        ids.insert(first.clone(), key.clone());
    }
    assert_eq!(ids.len(), MESSAGES, "two keys with one id");
    let accepted_202 = answers
        .values()
        .filter(|got| got.iter().any(|(s, _)| *s == 202))
        .count();
    assert!(
        accepted_202 > MESSAGES / 2,
        "only {accepted_202} answered 202"
    );

    // Every message ends sent (or delivered); a message in the hands of a killed instance waits
    // for its lease (30 s).
    let mut pending: Vec<String> = ids.keys().cloned().collect();
    let mut views: HashMap<String, Value> = HashMap::new();
    let started = Instant::now();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for id in pending {
            let reply = api.get(&base, DEMO, SHOP_CLIENT.auth(), &id).await;
            assert_eq!(reply.status, 200, "{id} ({}) lost: {reply:?}", ids[&id]);
            match reply.body["status"].as_str() {
                Some("sent" | "delivered") => {
                    views.insert(id, reply.body);
                }
                Some("queued" | "sending") => still.push(id),
                _ => panic!("{id} ({}) ended {reply:?}", ids[&id]),
            }
        }
        pending = still;
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{} messages not sent after 180 s, e.g. {:?}",
            pending.len(),
            pending.first()
        );
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    // Exactly once at WeChat, and the msgid of that delivery.
    let calls = wechat.calls();
    let mut delivered: HashMap<String, usize> = HashMap::new();
    for call in &calls {
        if call.delivered {
            let id = call.client_msg_id.clone().unwrap_or_default();
            *delivered.entry(id).or_default() += 1;
        }
    }
    let mut problems = Vec::new();
    for (id, key) in &ids {
        let count = delivered.get(id).copied().unwrap_or(0);
        if count != 1 {
            problems.push(format!("{key} ({id}) delivered {count} times"));
        }
        let to = &bodies[key].0;
        if wechat.calls_with(id).iter().any(|c| &c.to != to) {
            problems.push(format!("{key} ({id}) went to another user"));
        }
        if views[id]["msgid"].as_i64() != wechat.msgid_of(id) {
            problems.push(format!(
                "{key} ({id}): msgid {} but WeChat's is {:?}",
                views[id]["msgid"],
                wechat.msgid_of(id)
            ));
        }
    }
    for id in delivered.keys() {
        if !ids.contains_key(id) {
            problems.push(format!("a message no key was answered with was sent: {id}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems: {problems:#?}",
        problems.len()
    );
    let resends = calls.iter().filter(|c| c.errcode == Some(45065)).count();
    eprintln!(
        "{KILLS} kills: {} calls for {MESSAGES} messages, {resends} answered 45065",
        calls.len()
    );
    assert_clean(&logs, &wechat);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgresql_share_the_queue_and_finish_a_killed_ones_work() {
    let wechat = WeChatSend::start().await;
    let second_front = wechat.add_front().await;
    wechat.set_delay(Duration::ZERO, Duration::from_millis(20));
    let storage = postgres_storage(&postgres_server::fresh_database_url());
    let settings = Settings {
        send_rate: 100,
        ..Settings::default()
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let a = Gateway::start(
        dir_a.path(),
        &config(port_a, &storage, &wechat.uri(), &settings),
        port_a,
        "send-pg-a",
    )
    .await;
    let b = Gateway::start(
        dir_b.path(),
        &config(port_b, &storage, &second_front, &settings),
        port_b,
        "send-pg-b",
    )
    .await;
    let logs = vec![a.log.clone(), b.log.clone()];
    let api = Api::new();

    // 200 messages, half through each instance: each sent once, both instances sending.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let base = if n % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let api = api.clone();
        tasks.spawn(async move {
            let to = format!("oShared_{:02}", n % 20);
            let reply = api
                .post(
                    &base,
                    DEMO,
                    SHOP_CLIENT.auth(),
                    Some(&format!("shared-{n}")),
                    &template(&to, n).to_string(),
                )
                .await;
            assert_eq!(reply.status, 202, "{reply:?}");
            (n, reply.id())
        });
    }
    let mut numbered = Vec::new();
    while let Some(id) = tasks.join_next().await {
        numbered.push(id.unwrap());
    }
    numbered.sort();
    let ids: Vec<String> = numbered.into_iter().map(|(_, id)| id).collect();
    // A key is the client's on the account, whichever instance it comes to.
    for (n, id) in ids.iter().enumerate().take(6) {
        let other = if n % 2 == 0 { &b.base } else { &a.base };
        let to = format!("oShared_{:02}", n % 20);
        let reply = api
            .post(
                other,
                DEMO,
                SHOP_CLIENT.auth(),
                Some(&format!("shared-{n}")),
                &template(&to, n).to_string(),
            )
            .await;
        assert_eq!(
            reply.status, 200,
            "shared-{n} on the other instance: {reply:?}"
        );
        assert_eq!(&reply.id(), id, "shared-{n} on the other instance");
    }
    for (n, id) in ids.iter().enumerate() {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        api.wait_status(base, SHOP_CLIENT, DEMO, id, &["sent"], SEND_DEADLINE)
            .await;
    }
    let mut fronts = [0usize; 2];
    for id in &ids {
        let calls = wechat.calls_with(id);
        assert_eq!(calls.len(), 1, "{id} sent {} times: {calls:?}", calls.len());
        assert!(calls[0].delivered);
        fronts[calls[0].front] += 1;
    }
    assert!(
        fronts[0] > 0 && fronts[1] > 0,
        "one instance sent everything: {fronts:?}"
    );

    // One instance killed mid-call: the other finishes its messages, none twice.
    let slow: Vec<String> = (0..10).map(|n| format!("oSlow_{n}")).collect();
    for to in &slow {
        wechat.plan(to, &[Answer::Late(Duration::from_secs(25))]);
    }
    let mut slow_ids = Vec::new();
    for (n, to) in slow.iter().enumerate() {
        let reply = api
            .post(
                &a.base,
                DEMO,
                SHOP_CLIENT.auth(),
                Some(&format!("slow-{n}")),
                &template(to, n).to_string(),
            )
            .await;
        assert_eq!(reply.status, 202, "{reply:?}");
        slow_ids.push(reply.id());
    }
    let first = eventually(Duration::from_secs(10), || async {
        slow_ids
            .iter()
            .find_map(|id| wechat.calls_with(id).first().cloned())
            .ok_or_else(|| "no call for the slow messages".to_owned())
    })
    .await;
    let (mut victim, survivor) = if first.front == 0 { (a, b) } else { (b, a) };
    victim.signal("KILL");
    assert!(
        victim
            .exited_within(Duration::from_secs(10))
            .await
            .is_some()
    );
    let killed_at = Instant::now();
    for id in &slow_ids {
        let view = api
            .wait_status(
                &survivor.base,
                SHOP_CLIENT,
                DEMO,
                id,
                &["sent"],
                Duration::from_secs(120),
            )
            .await;
        assert_eq!(
            wechat.deliveries(id),
            1,
            "{id}: {:?}",
            wechat.calls_with(id)
        );
        assert_eq!(view["msgid"].as_i64(), wechat.msgid_of(id), "{view}");
    }
    let taken_over: Vec<Call> = slow_ids
        .iter()
        .flat_map(|id| wechat.calls_with(id))
        .filter(|c| c.front != first.front && c.errcode == Some(45065))
        .collect();
    assert!(
        !taken_over.is_empty(),
        "no message of the killed instance was resent by the other (calls: {:?})",
        slow_ids
            .iter()
            .map(|id| wechat.calls_with(id))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "the survivor finished {} messages {:?} after the kill",
        taken_over.len(),
        killed_at.elapsed()
    );
    drop(survivor);
    drop(victim);
    assert_clean(&logs, &wechat);
}
