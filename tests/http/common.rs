//! Shared set-up for the black-box HTTP tests: a real gateway on a free loopback port, and a
//! client that signs (and encrypts) pushes exactly as WeChat does.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use wxgate::handlers::{Context, Handler, Outcome, Reply, async_trait};
use wxgate::internals::crypto::{self, AesKey, MsgCipher};
use wxgate::{Config, Gateway};

/// Tencent's sample EncodingAESKey (public; see shared test vectors).
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const APPID: &str = "wx1234567890abcdef";
pub const TOKEN: &str = "callback-token";

/// A config with three accounts: `demo` (plain), `compat` (compatible) and `safe`, each with
/// the rules of the README. `extra` is appended to `[server]`.
pub fn config_text(server_extra: &str) -> String {
    let rules = r#"
  [[accounts.rules]]
  keyword = "hello"
  reply = { text = "world" }
  [[accounts.rules]]
  regex = "^echo (.*)$"
  reply = { text = "$1" }
  [[accounts.rules]]
  event = "subscribe"
  reply = { text = "welcome" }
  [[accounts.rules]]
  event = "click"
  event_key = "MENU_NEWS"
  reply = { news = [ { title = "t", description = "d", pic_url = "https://x/p.png", url = "https://x" } ] }
"#;
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nhandler_timeout_ms = 1000\n{server_extra}\n[dedup]\nttl_secs = 60\ncapacity = 10000\n"
    );
    for (name, mode) in [
        ("demo", "plain"),
        ("compat", "compatible"),
        ("safe", "safe"),
    ] {
        text.push_str(&format!(
            "\n[[accounts]]\nname = \"{name}\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\nencoding_aes_key = \"{AES_KEY}\"\nmode = \"{mode}\"\n{rules}"
        ));
    }
    text
}

/// A running gateway; stopped when dropped.
pub struct TestGateway {
    pub base: String,
    pub client: reqwest::Client,
    handle: ServerHandle,
    served: Option<actix_web::rt::task::JoinHandle<Result<(), wxgate::Error>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

impl TestGateway {
    /// Stops gracefully and waits until the gateway has flushed and closed its store.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(served) = self.served.take() {
            served.await.unwrap().unwrap();
        }
    }
}

/// A `[storage]` section for a fresh database in a new temp dir (kept as long as the gateway).
pub fn temp_storage() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let section = format!(
        "[storage]\ndatabase = \"sqlite://{}\"\n",
        dir.path().join("wxgate.db").display()
    );
    (section, dir)
}

/// Where the gateways of this test binary log, at debug level. scripts/test.sh greps it (and
/// the real-binary tests' logs beside it) for every secret in tests/secrets.txt.
pub fn log_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("test-logs")
        .join("http.log")
}

/// Sends every log line of this process to [`log_file`], once.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let path = log_file();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        // The mock WeChat's own request dumps would hold what the gateway sent it; they are
        // not the gateway's logs.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,wiremock=info"))
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    });
}

/// Starts a gateway for `config` (TOML) with extra plugins. Without a `[storage]` section the
/// store is a fresh SQLite file in a temp dir.
pub async fn start_with(
    config: &str,
    handlers: Vec<Box<dyn FnOnce(Gateway) -> Gateway>>,
) -> TestGateway {
    init_logs();
    let (config, dir) = if config.contains("[storage]") {
        (config.to_owned(), None)
    } else {
        let (storage, dir) = temp_storage();
        (format!("{storage}{config}"), Some(dir))
    };
    let config = Config::parse(&config, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut gateway = Gateway::from_config(config);
    for add in handlers {
        gateway = add(gateway);
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let running = gateway.serve(listener).await.unwrap();
    let base = format!("http://{}", running.addr());
    let handle = running.handle();
    let served = actix_web::rt::spawn(running.wait());
    TestGateway {
        base,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        handle,
        served: Some(served),
        _dir: dir,
    }
}

/// Starts the three-account gateway with no extra plugins.
pub async fn start() -> TestGateway {
    start_with(&config_text(""), vec![]).await
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Query for a plain POST or GET: signature over token, timestamp, nonce.
pub fn plain_query(timestamp: u64, nonce: &str) -> String {
    let ts = timestamp.to_string();
    let signature = crypto::sign(&[TOKEN, &ts, nonce]);
    format!("signature={signature}&timestamp={ts}&nonce={nonce}&openid=o_user")
}

pub fn cipher() -> MsgCipher {
    MsgCipher::new(&AesKey::from_encoding_aes_key(AES_KEY).unwrap(), APPID)
}

/// An encrypted push: (query, body) as WeChat sends it in safe mode.
pub fn encrypted_push(plaintext: &str, appid: &str) -> (String, String) {
    let cipher = MsgCipher::new(&AesKey::from_encoding_aes_key(AES_KEY).unwrap(), appid);
    let encrypt = cipher.encrypt(plaintext.as_bytes());
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    );
    (encrypted_query(&encrypt, now(), "1234567"), body)
}

/// Query for an encrypted push with this Encrypt value.
pub fn encrypted_query(encrypt: &str, timestamp: u64, nonce: &str) -> String {
    let ts = timestamp.to_string();
    let signature = crypto::sign(&[TOKEN, &ts, nonce]);
    let msg_signature = crypto::sign(&[TOKEN, &ts, nonce, encrypt]);
    format!(
        "signature={signature}&timestamp={ts}&nonce={nonce}&openid=o_user&encrypt_type=aes&msg_signature={msg_signature}"
    )
}

/// A text message XML from `from` with this MsgId.
pub fn text_xml(from: &str, content: &str, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

/// An event XML.
pub fn event_xml(from: &str, create_time: u64, event: &str, key: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )
}

impl TestGateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a signed plain push to `account`.
    pub async fn post_plain(&self, account: &str, body: &str) -> (u16, String) {
        let url = self.url(&format!("/wx/{account}?{}", plain_query(now(), "998877")));
        self.post_raw(&url, body.to_owned()).await
    }

    /// POSTs `body` to a full URL.
    pub async fn post_raw(&self, url: &str, body: String) -> (u16, String) {
        let response = self.client.post(url).body(body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    pub async fn metrics(&self) -> String {
        self.get("/metrics").await.1
    }
}

/// The value of one metrics line (`name{labels}`), or 0 when absent.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

/// Extracts the text of the first `<Name>` element (CDATA or not) of an XML reply.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    let inner = &xml[start..end];
    Some(
        inner
            .replace("]]]]><![CDATA[>", "]]>")
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>")
            .to_owned(),
    )
}

/// Decrypts an encrypted reply after checking its msg_signature.
pub fn open_reply(xml: &str) -> String {
    let encrypt = xml_field(xml, "Encrypt").expect("Encrypt in reply");
    let signature = xml_field(xml, "MsgSignature").expect("MsgSignature in reply");
    let timestamp = xml_field(xml, "TimeStamp").expect("TimeStamp in reply");
    let nonce = xml_field(xml, "Nonce").expect("Nonce in reply");
    assert!(
        crypto::verify(&signature, &[TOKEN, &timestamp, &nonce, &encrypt]),
        "reply msg_signature must verify"
    );
    String::from_utf8(cipher().decrypt(&encrypt).unwrap()).unwrap()
}

/// A plugin that counts every message it sees and answers with the count, after `delay`.
pub struct Counter {
    pub seen: Arc<AtomicUsize>,
    pub delay: Duration,
}

#[async_trait]
impl Handler for Counter {
    async fn on_message(&self, _ctx: &Context<'_>) -> Outcome {
        let n = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        Reply::Text(format!("handled #{n}")).into()
    }
}

/// A gateway whose only plugin after the rules is a [`Counter`].
pub async fn start_counting(
    server_extra: &str,
    delay: Duration,
) -> (TestGateway, Arc<AtomicUsize>) {
    start_counting_with(&config_text(server_extra), delay).await
}

/// Like [`start_counting`] for a whole config.
pub async fn start_counting_with(config: &str, delay: Duration) -> (TestGateway, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Counter {
        seen: seen.clone(),
        delay,
    };
    let gateway = start_with(config, vec![Box::new(move |g: Gateway| g.handler(counter))]).await;
    (gateway, seen)
}

/// The admin token of the API test configs.
pub const ADMIN: &str = "test-admin-token";

/// A config for API tests: `demo` (plain) and `safe` accounts with a secret and `api_base` at
/// the mock, `nosecret` without one, and `bot`, whose only rule forwards to `upstream`.
pub fn api_config(api_base: &str, upstream: &str, server_extra: &str) -> String {
    format!(
        r#"[server]
listen = "127.0.0.1:0"
handler_timeout_ms = 1000
{server_extra}

[admin]
token = "{ADMIN}"

[[accounts]]
name = "demo"
appid = "{APPID}"
token = "{TOKEN}"
secret = "app-secret-demo"
api_base = "{api_base}"
  [[accounts.rules]]
  keyword = "hello"
  reply = {{ text = "world" }}

[[accounts]]
name = "safe"
appid = "{APPID}"
token = "{TOKEN}"
encoding_aes_key = "{AES_KEY}"
mode = "safe"
secret = "app-secret-safe"
api_base = "{api_base}"

[[accounts]]
name = "nosecret"
appid = "{APPID}"
token = "{TOKEN}"

[[accounts]]
name = "bot"
appid = "{APPID}"
token = "{TOKEN}"
secret = "app-secret-bot"
api_base = "{api_base}"
  [[accounts.rules]]
  keyword = "local"
  reply = {{ text = "answered locally" }}
  [[accounts.rules]]
  forward = "{upstream}"
"#
    )
}

/// Mounts WeChat's token endpoint on `server`, answering `token` for 7200 s.
pub async fn mount_token(server: &wiremock::MockServer, token: &str) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "access_token": token, "expires_in": 7200 })),
        )
        .mount(server)
        .await;
}

/// An admin request with the bearer token.
pub fn admin(gw: &TestGateway, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    gw.client
        .request(method, gw.url(path))
        .header("authorization", format!("Bearer {ADMIN}"))
}

/// Polls `check` every 50 ms until it holds or `within` passes.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// WeChat's answer to a call that worked.
pub fn ok() -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({ "errcode": 0, "errmsg": "ok" }))
}

/// The bodies of the customer-service messages the mock WeChat received, in order.
pub async fn custom_sends(wechat: &wiremock::MockServer) -> Vec<serde_json::Value> {
    wechat
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/cgi-bin/message/custom/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}
