//! Mini-program sessions at the edge, black box: the real binary, a mock of WeChat
//! (tests/real/wechat_mp.rs) and the mini program's calls as its app and back end make them.
//! The gateway keeps every session_key; the app sees a session bearer, an id_token and the
//! decrypted data.
//!
//! Covered: login (new user, returning user, with and without unionid, id_token checked against
//! the JWKS, every WeChat refusal answered with its errcode and never retried, WeChat failing or
//! silent, bad requests, throttling), phone number (its watermark checked), decrypt (WeChat's
//! documented vector, the watermark's appid and age, bad padding and input, a changed
//! session_key), verify, logout, expiry, unauthenticated calls refused before the body is read,
//! two instances sharing sessions through PostgreSQL, the SQLite file holding no session_key,
//! and no secret in any log line.

#[path = "support/postgres.rs"]
mod postgres_server;
mod real;
#[path = "real/wechat_mp.rs"]
mod wechat_mp;

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use sha1::Digest as _;

use real::*;
use wechat_mp::*;

/// The default session lifetime (30 days).
const DEFAULT_TTL_SECS: u64 = 2_592_000;
/// The default watermark window (a day).
const DEFAULT_WATERMARK_AGE_SECS: i64 = 86_400;
/// How long the tests' HTTP clients keep an idle connection: below the gateway's keep-alive.
const POOL_IDLE: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// The gateway
// ---------------------------------------------------------------------------------------------

/// One gateway instance.
struct Instance {
    gateway: Gateway,
    /// `{public_url}/oidc/{MINI}`.
    issuer: String,
    _dir: tempfile::TempDir,
}

impl Instance {
    /// Starts an instance on `listen` (also its `public_url`) with `storage`, `sessions` lines
    /// under `[sessions]` and `extra` sections.
    async fn start(
        log: &str,
        listen: u16,
        storage: &str,
        wechat: &WeChatMp,
        sessions: &str,
        extra: &str,
    ) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let text = gateway_config(listen, listen, storage, &wechat.uri(), sessions, extra);
        let gateway = Gateway::start(dir.path(), &text, listen, log).await;
        Instance {
            issuer: format!("http://127.0.0.1:{listen}/oidc/{MINI}"),
            gateway,
            _dir: dir,
        }
    }

    /// `{base}/mp/{account}/{op}`.
    fn mp(&self, account: &str, op: &str) -> String {
        format!("{}/mp/{account}/{op}", self.gateway.base)
    }
}

/// What the gateway answered.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    body: Value,
}

/// The mini program and its back end: one HTTP client, and every session bearer it was given
/// (for the log checks).
struct App {
    http: reqwest::Client,
    bearers: Mutex<Vec<String>>,
}

impl App {
    fn new() -> App {
        App {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(POOL_IDLE)
                .timeout(Duration::from_secs(40))
                .build()
                .unwrap(),
            bearers: Mutex::new(Vec::new()),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
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

    /// `POST /mp/{account}/{op}` with `body` (JSON text) and, when given, `Authorization`.
    async fn post(
        &self,
        at: &Instance,
        account: &str,
        op: &str,
        authorization: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = self
            .http
            .post(at.mp(account, op))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        if let Some(authorization) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        self.send(request).await
    }

    /// `POST /mp/{account}/login` with `body`; keeps the session bearer it gives.
    async fn login_raw(&self, at: &Instance, account: &str, body: &str) -> Reply {
        let reply = self.post(at, account, "login", None, body).await;
        if let Some(session) = reply.body.get("session").and_then(Value::as_str) {
            self.bearers.lock().unwrap().push(session.to_owned());
        }
        reply
    }

    /// Logs `openid` in on `account` with a fresh code for which WeChat gives `session_key`.
    async fn login(
        &self,
        wechat: &WeChatMp,
        at: &Instance,
        account: &str,
        openid: &str,
        session_key: &str,
        unionid: Option<&str>,
    ) -> Login {
        let code = wechat.login_code(openid, session_key, unionid);
        let reply = self
            .login_raw(at, account, &json!({ "code": code }).to_string())
            .await;
        assert_eq!(
            reply.status,
            200,
            "login of {openid}: {reply:?}; the mock's complaints: {:?}",
            wechat.complaints()
        );
        let session = reply.body["session"]
            .as_str()
            .unwrap_or_else(|| panic!("a session: {reply:?}"))
            .to_owned();
        Login {
            session,
            session_key: session_key.to_owned(),
            reply,
        }
    }

    /// A call with `Authorization: Bearer {session}`.
    async fn with(
        &self,
        at: &Instance,
        account: &str,
        op: &str,
        session: &str,
        body: &Value,
    ) -> Reply {
        self.post(
            at,
            account,
            op,
            Some(&format!("Bearer {session}")),
            &body.to_string(),
        )
        .await
    }

    async fn decrypt(&self, at: &Instance, session: &str, sealed: &Sealed) -> Reply {
        self.with(
            at,
            MINI,
            "decrypt",
            session,
            &json!({ "encrypted_data": sealed.data, "iv": sealed.iv }),
        )
        .await
    }

    async fn verify(&self, at: &Instance, session: &str, raw_data: &str, signature: &str) -> Reply {
        self.with(
            at,
            MINI,
            "verify",
            session,
            &json!({ "raw_data": raw_data, "signature": signature }),
        )
        .await
    }

    /// `verify` with the right signature for `session_key`: 204 while the session lives.
    async fn session_works(&self, at: &Instance, login: &Login) -> u16 {
        let raw = r#"{"nickName":"Band","gender":1}"#;
        self.verify(
            at,
            &login.session,
            raw,
            &raw_signature(raw, &login.session_key),
        )
        .await
        .status
    }

    async fn logout(&self, at: &Instance, session: &str) -> Reply {
        self.post(at, MINI, "logout", Some(&format!("Bearer {session}")), "")
            .await
    }

    fn bearers(&self) -> Vec<String> {
        self.bearers.lock().unwrap().clone()
    }
}

/// A login that worked.
#[derive(Debug)]
struct Login {
    session: String,
    session_key: String,
    reply: Reply,
}

/// The usual set-up: the mock, one instance on SQLite, the app.
struct Env {
    wechat: WeChatMp,
    one: Instance,
    app: App,
    _db: tempfile::TempDir,
}

impl Env {
    async fn start(log: &str, sessions: &str) -> Env {
        let wechat = WeChatMp::start().await;
        let db = tempfile::tempdir().unwrap();
        let one = Instance::start(
            log,
            free_port(),
            &sqlite_storage(db.path()),
            &wechat,
            sessions,
            "",
        )
        .await;
        Env {
            wechat,
            one,
            app: App::new(),
            _db: db,
        }
    }

    async fn login(&self, openid: &str, session_key: &str, unionid: Option<&str>) -> Login {
        self.app
            .login(&self.wechat, &self.one, MINI, openid, session_key, unionid)
            .await
    }

    /// A new user with a fresh session_key.
    async fn new_user(&self) -> Login {
        self.login(&new_openid(), &new_session_key(), None).await
    }

    /// No secret in this instance's log, and nothing the mock refused.
    fn assert_clean(&self) {
        assert_clean(&[&self.one], &self.wechat, &self.app);
    }
}

/// Checks that no code, session_key, access token, ticket or session bearer the test used is
/// in the instances' logs, and that the mock refused nothing.
fn assert_clean(instances: &[&Instance], wechat: &WeChatMp, app: &App) {
    let mut secrets = wechat.secrets();
    secrets.extend(app.bearers().into_iter().map(|b| ("session bearer", b)));
    secrets.push(("sessions key", sessions_key()));
    secrets.push(("AppSecret", MP_SECRET.to_owned()));
    for instance in instances {
        let log = std::fs::read_to_string(&instance.gateway.log).unwrap_or_default();
        assert!(
            !log.is_empty(),
            "no gateway log at {:?}",
            instance.gateway.log
        );
        for (what, value) in &secrets {
            assert!(!value.is_empty(), "{what} is empty");
            let line = log.lines().find(|line| line.contains(value.as_str()));
            assert!(
                line.is_none(),
                "the gateway logged a {what} ({:?}): {}",
                instance.gateway.log,
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
// Crypto the mini program's side does (independently of the gateway's code)
// ---------------------------------------------------------------------------------------------

/// Data as `wx.getUserInfo` and friends give it: base64 `encryptedData` and `iv`.
#[derive(Clone, Debug)]
struct Sealed {
    data: String,
    iv: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// AES-128-CBC with PKCS#7 under `session_key`, a random iv, as WeChat encrypts user data.
fn seal(session_key: &str, plaintext: &[u8]) -> Sealed {
    use cbc::cipher::{BlockEncryptMut as _, KeyIvInit as _, block_padding::Pkcs7};
    let key = unb64(session_key);
    let iv: [u8; 16] = rand::random();
    let data = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
        .unwrap()
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    Sealed {
        data: b64(&data),
        iv: b64(&iv),
    }
}

/// `blocks` (a whole number of AES blocks) encrypted without any padding.
fn seal_unpadded(session_key: &str, blocks: &[u8]) -> Sealed {
    use cbc::cipher::{BlockEncryptMut as _, KeyIvInit as _, block_padding::NoPadding};
    assert_eq!(blocks.len() % 16, 0);
    let key = unb64(session_key);
    let iv: [u8; 16] = rand::random();
    let data = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
        .unwrap()
        .encrypt_padded_vec_mut::<NoPadding>(blocks);
    Sealed {
        data: b64(&data),
        iv: b64(&iv),
    }
}

/// The data WeChat's documented vector holds, decrypted here with the `aes`/`cbc` crates.
fn vector_plaintext() -> Value {
    use cbc::cipher::{BlockDecryptMut as _, KeyIvInit as _, block_padding::Pkcs7};
    let plain = cbc::Decryptor::<aes::Aes128>::new_from_slices(
        &unb64(VECTOR_SESSION_KEY),
        &unb64(VECTOR_IV),
    )
    .unwrap()
    .decrypt_padded_vec_mut::<Pkcs7>(&unb64(VECTOR_ENCRYPTED))
    .unwrap();
    let value: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(value["openId"], VECTOR_OPENID, "{value}");
    assert_eq!(value["watermark"]["appid"], MP_APPID, "{value}");
    value
}

fn vector() -> Sealed {
    Sealed {
        data: VECTOR_ENCRYPTED.to_owned(),
        iv: VECTOR_IV.to_owned(),
    }
}

fn now_secs() -> i64 {
    now().parse().unwrap()
}

/// User data as WeChat encrypts it, with a watermark of `appid` at `timestamp`.
fn user_data(openid: &str, appid: &str, timestamp: i64) -> Value {
    json!({
        "openId": openid,
        "nickName": "微信用户",
        "gender": 0,
        "language": "zh_CN",
        "avatarUrl": "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132",
        "watermark": { "timestamp": timestamp, "appid": appid },
    })
}

/// `sha1(raw_data + session_key)` in hex, as the mini-program documentation says.
fn raw_signature(raw_data: &str, session_key: &str) -> String {
    hex::encode(sha1::Sha1::digest(
        format!("{raw_data}{session_key}").as_bytes(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Small checks
// ---------------------------------------------------------------------------------------------

/// An error answer: `status` and `{"error": "<non-empty>", ...}`.
fn assert_error(reply: &Reply, status: u16, what: &str) {
    assert_eq!(reply.status, status, "{what}: {reply:?}");
    assert!(
        reply.body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{what}: errors are JSON {{\"error\": \"...\"}}: {reply:?}"
    );
}

/// An error answer carrying WeChat's errcode.
fn assert_errcode(reply: &Reply, status: u16, errcode: i64, what: &str) {
    assert_error(reply, status, what);
    assert_eq!(
        reply.body["errcode"].as_i64(),
        Some(errcode),
        "{what}: WeChat's errcode: {reply:?}"
    );
}

/// A session bearer: 256 random bits as 43 base64url characters.
fn assert_bearer(session: &str) {
    assert!(
        session.len() == 43
            && session
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "a session is 43 base64url characters (256 bits): {session:?}"
    );
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Checks `id_token` against the JWKS of `issuer`: signature, `iss`, `sub`, `aud`, `exp`.
async fn check_id_token(http: &reqwest::Client, issuer: &str, id_token: &str, openid: &str) {
    let (status, jwks) = get_json(http, &format!("{issuer}/jwks")).await;
    assert_eq!(status, 200, "the JWKS of {issuer}: {jwks}");
    let claims = wxgate::internals::identity::jwt::verify_with_jwks(id_token, &jwks)
        .unwrap_or_else(|e| panic!("the id_token does not verify with {issuer}/jwks: {e:?}"));
    assert_eq!(claims["iss"], issuer, "{claims:?}");
    assert_eq!(claims["sub"], openid, "{claims:?}");
    let aud_ok = match &claims["aud"] {
        Value::String(aud) => aud == MP_APPID,
        Value::Array(auds) => auds == &[Value::from(MP_APPID)],
        _ => false,
    };
    assert!(aud_ok, "aud is the mini program's appid: {claims:?}");
    let exp = claims["exp"]
        .as_i64()
        .unwrap_or_else(|| panic!("exp: {claims:?}"));
    assert!(exp > now_secs(), "the id_token is not expired: {claims:?}");
}

#[test]
fn the_tests_own_crypto_agrees_with_wechats_documentation() {
    // The vector decrypts here to WeChat's documented user (checked inside), and data sealed
    // here opens again: the oracle is right before the gateway is checked against it.
    let plain = vector_plaintext();
    assert_eq!(plain["nickName"], "Band", "{plain}");
    assert_eq!(plain["watermark"]["timestamp"], 1477314187, "{plain}");
    let key = new_session_key();
    let sealed = seal(&key, b"{\"a\":1}");
    use cbc::cipher::{BlockDecryptMut as _, KeyIvInit as _, block_padding::Pkcs7};
    let opened = cbc::Decryptor::<aes::Aes128>::new_from_slices(&unb64(&key), &unb64(&sealed.iv))
        .unwrap()
        .decrypt_padded_vec_mut::<Pkcs7>(&unb64(&sealed.data))
        .unwrap();
    assert_eq!(opened, b"{\"a\":1}");
}

// ---------------------------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn login_gives_a_session_and_an_id_token_that_verifies() {
    let env = Env::start("mp-login", "").await;

    // The mini program's accounts are OpenID Connect issuers too.
    let (status, doc) = get_json(
        &env.app.http,
        &format!("{}/.well-known/openid-configuration", env.one.issuer),
    )
    .await;
    assert_eq!(status, 200, "discovery of a mini program: {doc}");
    assert_eq!(doc["issuer"], env.one.issuer, "{doc}");

    let openid = new_openid();
    let unionid = format!("oMpUnion_{}", random_alnum(20));
    let session_key = new_session_key();
    let code = env.wechat.login_code(&openid, &session_key, Some(&unionid));
    let reply = env
        .app
        .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let session = reply.body["session"].as_str().expect("a session");
    assert_bearer(session);
    assert_eq!(reply.body["openid"], openid, "{reply:?}");
    assert_eq!(reply.body["unionid"], unionid, "{reply:?}");
    assert_eq!(
        reply.body["expires_in"].as_u64(),
        Some(DEFAULT_TTL_SECS),
        "sessions last 30 days by default: {reply:?}"
    );
    assert!(
        !reply.text.contains(&session_key) && !reply.text.contains(&code),
        "the answer holds neither the session_key nor the code: {}",
        reply.text
    );
    let id_token = reply.body["id_token"].as_str().expect("an id_token");
    check_id_token(&env.app.http, &env.one.issuer, id_token, &openid).await;

    // One jscode2session call, with the mini program's credentials and the code.
    let calls = env.wechat.requests("/sns/jscode2session").await;
    assert_eq!(calls.len(), 1, "one jscode2session call");
    let query: std::collections::HashMap<String, String> =
        calls[0].url.query_pairs().into_owned().collect();
    assert_eq!(query.get("appid").map(String::as_str), Some(MP_APPID));
    assert_eq!(query.get("js_code"), Some(&code));

    // The session works.
    let login = Login {
        session: session.to_owned(),
        session_key,
        reply,
    };
    assert_eq!(env.app.session_works(&env.one, &login).await, 204);
    env.assert_clean();
}

#[tokio::test]
async fn returning_user_gets_another_session_and_both_work() {
    let env = Env::start("mp-login-returning", "").await;
    let openid = new_openid();
    let session_key = new_session_key();
    let first = env.login(&openid, &session_key, None).await;
    let second = env.login(&openid, &session_key, None).await;
    for login in [&first, &second] {
        assert_bearer(&login.session);
        assert_eq!(login.reply.body["openid"], openid, "{login:?}");
        assert!(
            login.reply.body.get("unionid").is_none_or(Value::is_null),
            "no unionid when WeChat gives none: {login:?}"
        );
        check_id_token(
            &env.app.http,
            &env.one.issuer,
            login.reply.body["id_token"].as_str().expect("an id_token"),
            &openid,
        )
        .await;
    }
    assert_ne!(first.session, second.session, "each login is a new session");
    assert_eq!(env.app.session_works(&env.one, &first).await, 204);
    assert_eq!(env.app.session_works(&env.one, &second).await, 204);
    // The same session_key again: the first session still decrypts.
    let sealed = seal(
        &session_key,
        user_data(&openid, MP_APPID, now_secs())
            .to_string()
            .as_bytes(),
    );
    let reply = env.app.decrypt(&env.one, &first.session, &sealed).await;
    assert_eq!(
        reply.status, 200,
        "a login with the same session_key changes nothing: {reply:?}"
    );
    assert_eq!(env.wechat.code_exchanges().await, 2);
    env.assert_clean();
}

#[tokio::test]
async fn codes_wechat_refuses_are_answered_with_their_errcode_and_not_retried() {
    let env = Env::start("mp-login-refusals", "").await;
    for (errcode, status) in [(40029, 400), (40163, 400), (40226, 400), (45011, 429)] {
        let code = env.wechat.code_answering(CodeAnswer::Errcode(errcode));
        let before = env.wechat.code_exchanges().await;
        let reply = env
            .app
            .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
            .await;
        assert_errcode(&reply, status, errcode, &format!("WeChat's {errcode}"));
        assert_eq!(
            env.wechat.code_exchanges().await,
            before + 1,
            "a code WeChat refused with {errcode} is not retried"
        );
    }
    // A code WeChat never issued, and a code used twice (WeChat says 40029 and 40163).
    let unknown = env.wechat.unknown_code();
    let reply = env
        .app
        .login_raw(&env.one, MINI, &json!({ "code": unknown }).to_string())
        .await;
    assert_errcode(&reply, 400, 40029, "a code WeChat never issued");
    let code = env
        .wechat
        .login_code(&new_openid(), &new_session_key(), None);
    let body = json!({ "code": code }).to_string();
    assert_eq!(env.app.login_raw(&env.one, MINI, &body).await.status, 200);
    let reply = env.app.login_raw(&env.one, MINI, &body).await;
    assert_errcode(&reply, 400, 40163, "a code used twice");
    assert_eq!(env.wechat.code_exchanges().await, 4 + 3);
    env.assert_clean();
}

#[tokio::test]
async fn wechat_failing_is_502() {
    let env = Env::start("mp-login-wechat-fails", "").await;
    for (answer, what) in [
        (CodeAnswer::Errcode(-1), "WeChat busy (errcode -1)"),
        (CodeAnswer::Status(500), "WeChat answering HTTP 500"),
        (CodeAnswer::Status(502), "WeChat answering HTTP 502"),
    ] {
        let code = env.wechat.code_answering(answer);
        let reply = env
            .app
            .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
            .await;
        assert_error(&reply, 502, what);
        assert!(reply.body.get("session").is_none(), "{what}: {reply:?}");
    }
    env.assert_clean();
}

#[tokio::test]
async fn wechat_not_answering_is_504() {
    // The gateway gives WeChat 10 s; this test waits that long while the others run.
    let env = Env::start("mp-login-wechat-silent", "").await;
    let code = env.wechat.code_answering(CodeAnswer::Hang);
    let started = Instant::now();
    let reply = env
        .app
        .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
        .await;
    assert_error(&reply, 504, "WeChat not answering");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the gateway gave up on WeChat after {:?}",
        started.elapsed()
    );
    env.assert_clean();
}

#[tokio::test]
async fn bad_login_requests_are_400_and_other_accounts_404() {
    let env = Env::start("mp-login-bad", "").await;
    // A code sent bare, not in {"code": ...}: refused, and not logged either (assert_clean).
    let bare = json!(env.wechat.unknown_code()).to_string();
    for (body, what) in [
        ("{\"code\": ", "malformed JSON"),
        ("{}", "no code"),
        ("{\"code\": 42}", "a code that is not a string"),
        ("{\"code\": \"\"}", "an empty code"),
        (&bare[..], "a bare string, not an object"),
    ] {
        let reply = env.app.login_raw(&env.one, MINI, body).await;
        assert_error(&reply, 400, what);
    }
    let code = env
        .wechat
        .login_code(&new_openid(), &new_session_key(), None);
    let body = json!({ "code": code }).to_string();
    let reply = env.app.login_raw(&env.one, "nobody", &body).await;
    assert_error(&reply, 404, "an unknown account");
    let reply = env.app.login_raw(&env.one, OFFICIAL, &body).await;
    assert_error(&reply, 404, "an official account has no mini-program login");
    let reached: Vec<String> = env
        .wechat
        .requests("/sns/jscode2session")
        .await
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "js_code")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert!(
        reached.is_empty(),
        "no bad request reaches WeChat, yet these codes did: {reached:?}"
    );
    // The code is still good for the mini program.
    assert_eq!(env.app.login_raw(&env.one, MINI, &body).await.status, 200);
    env.assert_clean();
}

#[tokio::test]
async fn bodies_must_be_json_objects() {
    // Every body is a JSON object with named fields: the same values in an array, which a
    // lenient decoder takes field by field, are a bad request (and reach nothing behind).
    let env = Env::start("mp-body-arrays", "").await;
    let login = env.new_user().await;
    let bearer = format!("Bearer {}", login.session);
    let code = env
        .wechat
        .login_code(&new_openid(), &new_session_key(), None);
    let sealed = seal(
        &login.session_key,
        user_data("o", MP_APPID, now_secs()).to_string().as_bytes(),
    );
    let raw = "{}";
    let phone = env.wechat.phone_code(PhoneAnswer::Number {
        watermark_appid: MP_APPID.to_owned(),
    });
    let mut refused = Vec::new();
    for (op, authorization, body) in [
        ("login", None, json!([code])),
        ("phone", Some(&bearer), json!([phone])),
        ("decrypt", Some(&bearer), json!([sealed.data, sealed.iv])),
        (
            "verify",
            Some(&bearer),
            json!([raw, raw_signature(raw, &login.session_key)]),
        ),
    ] {
        let reply = env
            .app
            .post(
                &env.one,
                MINI,
                op,
                authorization.map(String::as_str),
                &body.to_string(),
            )
            .await;
        if let Some(session) = reply.body.get("session").and_then(Value::as_str) {
            env.app.bearers.lock().unwrap().push(session.to_owned());
        }
        if reply.status != 400 {
            refused.push(format!(
                "/{op} with {body}: {} {}",
                reply.status, reply.text
            ));
        }
    }
    assert!(
        refused.is_empty(),
        "arrays in place of JSON objects must be 400:\n{}",
        refused.join("\n")
    );
    assert_eq!(
        env.wechat.code_exchanges().await,
        1,
        "only the test's own login"
    );
    assert_eq!(env.wechat.phone_calls().await, 0);
    env.assert_clean();
}

#[tokio::test]
async fn login_is_throttled_per_client_ip() {
    let env = Env::start("mp-login-throttle", "login_per_minute = 3").await;
    for attempt in 1..=3 {
        let code = env
            .wechat
            .login_code(&new_openid(), &new_session_key(), None);
        let reply = env
            .app
            .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
            .await;
        assert_eq!(
            reply.status, 200,
            "login {attempt} is within the limit: {reply:?}"
        );
    }
    let code = env
        .wechat
        .login_code(&new_openid(), &new_session_key(), None);
    let reply = env
        .app
        .login_raw(&env.one, MINI, &json!({ "code": code }).to_string())
        .await;
    assert_error(&reply, 429, "the 4th login in a minute");
    let retry_after: u64 = reply
        .headers
        .get(reqwest::header::RETRY_AFTER)
        .unwrap_or_else(|| panic!("a Retry-After header: {reply:?}"))
        .to_str()
        .unwrap()
        .trim()
        .parse()
        .expect("Retry-After in seconds");
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After {retry_after} s with login_per_minute = 3"
    );
    // An X-Forwarded-For from a client that is not a trusted proxy changes nothing.
    let code = env
        .wechat
        .login_code(&new_openid(), &new_session_key(), None);
    let reply = env
        .app
        .send(
            env.app
                .http
                .post(env.one.mp(MINI, "login"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Forwarded-For", "203.0.113.7")
                .body(json!({ "code": code }).to_string()),
        )
        .await;
    assert_error(
        &reply,
        429,
        "a spoofed X-Forwarded-For from an untrusted client",
    );
    assert_eq!(
        env.wechat.code_exchanges().await,
        3,
        "a throttled login does not reach WeChat"
    );
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// `wxgate check-config` on `text`: its exit code and what it printed.
fn check_config(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wxgate.toml");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn check_config_requires_the_sessions_key_and_the_gateway_warns_about_the_placeholder() {
    let db = tempfile::tempdir().unwrap();
    let port = free_port();
    let good = gateway_config(
        port,
        port,
        &sqlite_storage(db.path()),
        "http://127.0.0.1:9",
        "",
        "",
    );
    let (code, out) = check_config(&good);
    assert_eq!(code, Some(0), "the tests' config: {out}");

    let key_line = format!("key = \"{}\"\n", sessions_key());
    assert!(good.contains(&key_line));
    let short_key = format!(
        "key = \"{}\"\n",
        base64::engine::general_purpose::STANDARD.encode([7u8; 16])
    );
    let js_on_mini = good.replacen(
        "kind = \"miniprogram\"\n",
        "kind = \"miniprogram\"\njs_domains = [\"m.example.com\"]\n",
        1,
    );
    for (text, names, what) in [
        (
            good.replace(&key_line, ""),
            "sessions",
            "a mini program without [sessions] key",
        ),
        (
            good.replace(&key_line, &short_key),
            "sessions",
            "a key of 16 bytes",
        ),
        (
            good.replace(&key_line, "key = \"not base64 at all!\"\n"),
            "sessions",
            "a key that is not base64",
        ),
        (js_on_mini, "js_domains", "js_domains on a mini program"),
    ] {
        let (code, out) = check_config(&text);
        assert_eq!(code, Some(2), "{what}: {out}");
        assert!(
            out.contains(names),
            "{what}: the problem names {names}: {out}"
        );
        assert!(
            !out.contains(&sessions_key()),
            "{what}: check-config shows the key: {out}"
        );
    }

    // The sample config's placeholder key: the gateway serves, and warns.
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml")).unwrap();
    let placeholder = sample
        .lines()
        .skip_while(|line| line.trim() != "[sessions]")
        .find_map(|line| line.trim().strip_prefix("key = "))
        .expect("the sample config's [sessions] key")
        .trim_matches('"')
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let text = good.replace(&key_line, &format!("key = \"{placeholder}\"\n"));
    let one = Gateway::start(dir.path(), &text, port, "mp-placeholder-key").await;
    let log = std::fs::read_to_string(&one.log).unwrap();
    assert!(
        log.lines().any(|line| line.contains("WARN")
            && line.contains("[sessions] key")
            && line.to_lowercase().contains("placeholder")),
        "a warning about the placeholder key in {:?}",
        one.log
    );
}

// ---------------------------------------------------------------------------------------------
// Authenticated calls
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_or_missing_session_is_401_before_the_body_is_read() {
    let env = Env::start("mp-unauthenticated", "").await;
    let other = env
        .app
        .login(
            &env.wechat,
            &env.one,
            MINI2,
            &new_openid(),
            &new_session_key(),
            None,
        )
        .await;
    let mine = env.new_user().await;
    let unknown =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let malformed = "{\"code\": ";
    for op in ["phone", "decrypt", "verify", "logout"] {
        for (authorization, what) in [
            (None, "no Authorization"),
            (Some(format!("Bearer {unknown}")), "an unknown session"),
            (Some("Bearer ".to_owned()), "an empty bearer"),
            (
                Some(format!("Bearer {}", other.session)),
                "a session of another mini program",
            ),
            (
                Some(format!("Basic {}", b64(b"mini:secret"))),
                "Basic credentials",
            ),
            (
                Some(mine.session.clone()),
                "the session without the Bearer scheme",
            ),
        ] {
            let reply = env
                .app
                .post(&env.one, MINI, op, authorization.as_deref(), malformed)
                .await;
            assert_error(
                &reply,
                401,
                &format!("/{op} with {what} and a malformed body"),
            );
        }
    }
    assert_eq!(env.wechat.phone_calls().await, 0);

    // A request whose body never comes: the 401 does not wait for it.
    for op in ["phone", "decrypt", "verify", "logout"] {
        let head = format!(
            "POST /mp/{MINI}/{op} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: 60000\r\nAuthorization: Bearer {unknown}\r\n\r\n{{"
        );
        let status = raw_status(env.one.gateway.port, &head).await;
        assert_eq!(
            status.as_deref(),
            Some("401"),
            "/{op} with an unknown session answers 401 before reading the body"
        );
    }

    // Control: the session of this mini program works.
    assert_eq!(env.app.session_works(&env.one, &mine).await, 204);
    env.assert_clean();
}

/// Sends `request` (a head and the start of a body) on a new connection and reads the status
/// of the answer, waiting at most 6 s (the body deadline is 10 s).
async fn raw_status(port: u16, request: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(6), async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()?;
    let line = String::from_utf8_lossy(&answer).into_owned();
    line.split_whitespace().nth(1).map(str::to_owned)
}

#[tokio::test]
async fn phone_number_is_answered_with_its_watermark_checked() {
    let env = Env::start("mp-phone", "").await;
    let login = env.new_user().await;

    let code = env.wechat.phone_code(PhoneAnswer::Number {
        watermark_appid: MP_APPID.to_owned(),
    });
    let reply = env
        .app
        .with(
            &env.one,
            MINI,
            "phone",
            &login.session,
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(
        reply.status,
        200,
        "{reply:?}; {:?}",
        env.wechat.complaints()
    );
    assert_eq!(reply.body["phone_number"], PHONE_NUMBER, "{reply:?}");
    assert_eq!(
        reply.body["pure_phone_number"], PURE_PHONE_NUMBER,
        "{reply:?}"
    );
    let country = match &reply.body["country_code"] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    assert_eq!(country, COUNTRY_CODE, "{reply:?}");
    let calls = env
        .wechat
        .requests("/wxa/business/getuserphonenumber")
        .await;
    assert_eq!(calls.len(), 1);
    let token = calls[0]
        .url
        .query_pairs()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(
        token.starts_with(&format!("{ACCESS}-{MP_APPID}-")),
        "getuserphonenumber with the mini program's own access token"
    );

    // The watermark names another mini program: WeChat's answer is not trusted.
    let code = env.wechat.phone_code(PhoneAnswer::Number {
        watermark_appid: MP2_APPID.to_owned(),
    });
    let reply = env
        .app
        .with(
            &env.one,
            MINI,
            "phone",
            &login.session,
            &json!({ "code": code }),
        )
        .await;
    assert_error(&reply, 502, "a phone number watermarked for another appid");
    assert!(
        !reply.text.contains(PURE_PHONE_NUMBER),
        "the number is not passed on: {reply:?}"
    );

    // A phone code WeChat refuses.
    let code = env.wechat.phone_code(PhoneAnswer::Errcode(40029));
    let reply = env
        .app
        .with(
            &env.one,
            MINI,
            "phone",
            &login.session,
            &json!({ "code": code }),
        )
        .await;
    assert_errcode(&reply, 400, 40029, "a phone code WeChat refuses");

    // No session, or an unknown one: 401 and no call to WeChat.
    let code = env.wechat.phone_code(PhoneAnswer::Number {
        watermark_appid: MP_APPID.to_owned(),
    });
    let body = json!({ "code": code }).to_string();
    let reply = env.app.post(&env.one, MINI, "phone", None, &body).await;
    assert_error(&reply, 401, "phone without a session");
    let reply = env
        .app
        .post(
            &env.one,
            MINI,
            "phone",
            Some("Bearer Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8"),
            &body,
        )
        .await;
    assert_error(&reply, 401, "phone with an unknown session");
    assert_eq!(env.wechat.phone_calls().await, 3);

    // Bad requests.
    for (body, what) in [("{\"code\": ", "malformed JSON"), ("{}", "no code")] {
        let reply = env
            .app
            .post(
                &env.one,
                MINI,
                "phone",
                Some(&format!("Bearer {}", login.session)),
                body,
            )
            .await;
        assert_error(&reply, 400, what);
    }
    env.assert_clean();
}

#[tokio::test]
async fn phone_number_call_retries_once_with_a_fresh_access_token() {
    let env = Env::start("mp-phone-retry", "").await;
    let login = env.new_user().await;
    for errcode in [40001, 42001] {
        env.wechat.reject_phone_tokens(&[errcode]);
        let before = env.wechat.phone_calls().await;
        let code = env.wechat.phone_code(PhoneAnswer::Number {
            watermark_appid: MP_APPID.to_owned(),
        });
        let reply = env
            .app
            .with(
                &env.one,
                MINI,
                "phone",
                &login.session,
                &json!({ "code": code }),
            )
            .await;
        assert_eq!(
            reply.status, 200,
            "WeChat rejected the access token with {errcode}: {reply:?}"
        );
        assert_eq!(reply.body["pure_phone_number"], PURE_PHONE_NUMBER);
        assert_eq!(
            env.wechat.phone_calls().await,
            before + 2,
            "{errcode}: once more with a fresh access token"
        );
    }
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Decrypt
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn decrypt_gives_wechats_documented_vector() {
    // The vector is from 2016: the watermark's age is not checked here.
    let env = Env::start("mp-decrypt-vector", "max_watermark_age_secs = 0").await;
    let login = env.login(&new_openid(), VECTOR_SESSION_KEY, None).await;
    let reply = env.app.decrypt(&env.one, &login.session, &vector()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, vector_plaintext(), "the vector's data, as JSON");

    // With the check off, any age passes; the appid is still checked.
    let old = user_data(
        VECTOR_OPENID,
        MP_APPID,
        now_secs() - 10 * DEFAULT_WATERMARK_AGE_SECS,
    );
    let reply = env
        .app
        .decrypt(
            &env.one,
            &login.session,
            &seal(VECTOR_SESSION_KEY, old.to_string().as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "max_watermark_age_secs = 0: {reply:?}");
    assert_eq!(reply.body, old);
    let other = user_data(VECTOR_OPENID, MP2_APPID, now_secs());
    let reply = env
        .app
        .decrypt(
            &env.one,
            &login.session,
            &seal(VECTOR_SESSION_KEY, other.to_string().as_bytes()),
        )
        .await;
    assert_error(&reply, 403, "a watermark naming another appid");
    assert!(
        !reply.text.contains("微信用户"),
        "no decrypted data on a refusal: {reply:?}"
    );
    env.assert_clean();
}

#[tokio::test]
async fn decrypt_checks_the_watermark() {
    let env = Env::start("mp-decrypt-watermark", "").await;
    let login = env.new_user().await;
    let key = &login.session_key;
    let now = now_secs();
    let openid = login.reply.body["openid"].as_str().unwrap().to_owned();

    let fresh = user_data(&openid, MP_APPID, now);
    let reply = env
        .app
        .decrypt(
            &env.one,
            &login.session,
            &seal(key, fresh.to_string().as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, fresh, "the decrypted JSON");

    let recent = user_data(&openid, MP_APPID, now - DEFAULT_WATERMARK_AGE_SECS + 3600);
    let reply = env
        .app
        .decrypt(
            &env.one,
            &login.session,
            &seal(key, recent.to_string().as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "23 hours old, within a day: {reply:?}");

    for (data, what) in [
        (
            user_data(&openid, MP2_APPID, now),
            "a watermark naming another appid",
        ),
        (
            user_data(&openid, "wx4f4bc4dec97d474", now),
            "a watermark naming a prefix of the appid",
        ),
        (
            user_data(&openid, MP_APPID, now - DEFAULT_WATERMARK_AGE_SECS - 3600),
            "a watermark older than a day (the default window)",
        ),
        (
            json!({ "openId": openid, "nickName": "no watermark" }),
            "no watermark",
        ),
    ] {
        let reply = env
            .app
            .decrypt(
                &env.one,
                &login.session,
                &seal(key, data.to_string().as_bytes()),
            )
            .await;
        assert_error(&reply, 403, what);
    }

    // WeChat's vector (2016) with its session_key: too old with the window on.
    let vector_login = env.login(&new_openid(), VECTOR_SESSION_KEY, None).await;
    let reply = env
        .app
        .decrypt(&env.one, &vector_login.session, &vector())
        .await;
    assert_error(&reply, 403, "the 2016 vector with the default window");
    env.assert_clean();
}

#[tokio::test]
async fn decrypt_refuses_bad_padding_and_bad_input_with_400() {
    let env = Env::start("mp-decrypt-bad", "max_watermark_age_secs = 0").await;
    let login = env.new_user().await;
    let key = &login.session_key;
    let good = seal(
        key,
        user_data("o", MP_APPID, now_secs()).to_string().as_bytes(),
    );

    // JSON followed by 01 02 03 04: the last byte says 4 bytes of padding, the others disagree.
    let mut blocks = user_data("o", MP_APPID, now_secs())
        .to_string()
        .into_bytes();
    while blocks.len() % 16 != 12 {
        blocks.push(b' ');
    }
    blocks.extend_from_slice(&[1, 2, 3, 4]);
    let bad_padding = seal_unpadded(key, &blocks);
    // A last byte of 0 is never valid PKCS#7.
    let mut zero = user_data("o", MP_APPID, now_secs())
        .to_string()
        .into_bytes();
    while zero.len() % 16 != 15 {
        zero.push(b' ');
    }
    zero.push(0);
    let zero_padding = seal_unpadded(key, &zero);

    let short_iv = Sealed {
        data: good.data.clone(),
        iv: b64(&[7u8; 8]),
    };
    let not_base64 = Sealed {
        data: "not base64 !!".to_owned(),
        iv: good.iv.clone(),
    };
    let iv_not_base64 = Sealed {
        data: good.data.clone(),
        iv: "%%%".to_owned(),
    };
    let truncated = Sealed {
        data: b64(&unb64(&good.data)[..20]),
        iv: good.iv.clone(),
    };
    for (sealed, what) in [
        (&bad_padding, "bad PKCS#7 padding"),
        (&zero_padding, "a zero padding byte"),
        (&short_iv, "an 8-byte iv"),
        (&not_base64, "encrypted_data not base64"),
        (&iv_not_base64, "iv not base64"),
        (&truncated, "encrypted_data not a whole number of blocks"),
    ] {
        let reply = env.app.decrypt(&env.one, &login.session, sealed).await;
        assert_error(&reply, 400, what);
    }
    for (body, what) in [
        ("{\"encrypted_data\": ", "malformed JSON"),
        (
            &json!({ "encrypted_data": good.data }).to_string()[..],
            "no iv",
        ),
        (
            &json!({ "iv": good.iv }).to_string()[..],
            "no encrypted_data",
        ),
    ] {
        let reply = env
            .app
            .post(
                &env.one,
                MINI,
                "decrypt",
                Some(&format!("Bearer {}", login.session)),
                body,
            )
            .await;
        assert_error(&reply, 400, what);
    }
    // Control: the good data decrypts.
    let reply = env.app.decrypt(&env.one, &login.session, &good).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    env.assert_clean();
}

#[tokio::test]
async fn decrypt_after_a_new_session_key_is_409_session_key_changed() {
    let env = Env::start("mp-decrypt-key-changed", "").await;
    let openid = new_openid();
    let (old_key, new_key) = (new_session_key(), new_session_key());
    let first = env.login(&openid, &old_key, None).await;
    let data = user_data(&openid, MP_APPID, now_secs()).to_string();
    let reply = env
        .app
        .decrypt(&env.one, &first.session, &seal(&old_key, data.as_bytes()))
        .await;
    assert_eq!(reply.status, 200, "before the second login: {reply:?}");

    // The same user logs in again; WeChat gives another session_key.
    let second = env.login(&openid, &new_key, None).await;
    for (key, what) in [
        (&old_key, "data made with the old session_key"),
        (&new_key, "data made with the new session_key"),
    ] {
        let reply = env
            .app
            .decrypt(&env.one, &first.session, &seal(key, data.as_bytes()))
            .await;
        assert_eq!(reply.status, 409, "{what} on the first session: {reply:?}");
        assert_eq!(
            reply.body,
            json!({ "error": "session_key_changed" }),
            "{what}: {reply:?}"
        );
    }
    let reply = env
        .app
        .decrypt(&env.one, &second.session, &seal(&new_key, data.as_bytes()))
        .await;
    assert_eq!(reply.status, 200, "the new session decrypts: {reply:?}");
    assert_eq!(reply.body.to_string(), data);

    // Another user's sessions are not affected.
    let other = env.new_user().await;
    let other_data = user_data("o", MP_APPID, now_secs()).to_string();
    let reply = env
        .app
        .decrypt(
            &env.one,
            &other.session,
            &seal(&other.session_key, other_data.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Verify and logout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn verify_checks_sha1_of_raw_data_and_session_key() {
    let env = Env::start("mp-verify", "").await;
    let login = env.new_user().await;
    let other = env.new_user().await;
    let key = &login.session_key;
    let raw = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    let chinese = r#"{"nickName":"微信用户","gender":0,"language":"zh_CN","city":"广州"}"#;

    for data in [raw, chinese] {
        let reply = env
            .app
            .verify(&env.one, &login.session, data, &raw_signature(data, key))
            .await;
        assert_eq!(reply.status, 204, "sha1(raw_data + session_key): {reply:?}");
        assert!(reply.text.is_empty(), "204 has no body: {reply:?}");
    }

    let right = raw_signature(raw, key);
    let tampered = raw.replace("Band", "Bond");
    let mut flipped = right.clone().into_bytes();
    flipped[39] = if flipped[39] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    for (data, signature, what) in [
        (
            raw,
            raw_signature(raw, &other.session_key),
            "signed with another session_key",
        ),
        (tampered.as_str(), right.clone(), "raw_data changed"),
        (
            raw,
            hex::encode(sha1::Sha1::digest(raw.as_bytes())),
            "sha1 of raw_data alone",
        ),
        (
            raw,
            raw_signature(key, raw),
            "sha1 of session_key + raw_data",
        ),
        (raw, flipped, "the last hex digit changed"),
        (raw, right[..39].to_owned(), "a signature one digit short"),
    ] {
        let reply = env
            .app
            .verify(&env.one, &login.session, data, &signature)
            .await;
        assert_error(&reply, 403, what);
    }
    for (body, what) in [
        ("{\"raw_data\": ", "malformed JSON"),
        (&json!({ "raw_data": raw }).to_string()[..], "no signature"),
        (
            &json!({ "signature": right }).to_string()[..],
            "no raw_data",
        ),
    ] {
        let reply = env
            .app
            .post(
                &env.one,
                MINI,
                "verify",
                Some(&format!("Bearer {}", login.session)),
                body,
            )
            .await;
        assert_error(&reply, 400, what);
    }
    // The other user's session with its own key.
    assert_eq!(env.app.session_works(&env.one, &other).await, 204);
    env.assert_clean();
}

#[tokio::test]
async fn logout_ends_one_session_and_the_users_others_stay() {
    let env = Env::start("mp-logout", "").await;
    let openid = new_openid();
    let key = new_session_key();
    let first = env.login(&openid, &key, None).await;
    let second = env.login(&openid, &key, None).await;
    let stranger = env.new_user().await;

    let reply = env.app.logout(&env.one, &first.session).await;
    assert_eq!(reply.status, 204, "{reply:?}");

    assert_error(
        &env.app
            .verify(&env.one, &first.session, "x", &raw_signature("x", &key))
            .await,
        401,
        "verify after logout",
    );
    let sealed = seal(
        &key,
        user_data(&openid, MP_APPID, now_secs())
            .to_string()
            .as_bytes(),
    );
    assert_error(
        &env.app.decrypt(&env.one, &first.session, &sealed).await,
        401,
        "decrypt after logout",
    );
    let code = env.wechat.phone_code(PhoneAnswer::Number {
        watermark_appid: MP_APPID.to_owned(),
    });
    assert_error(
        &env.app
            .with(
                &env.one,
                MINI,
                "phone",
                &first.session,
                &json!({ "code": code }),
            )
            .await,
        401,
        "phone after logout",
    );
    assert_error(
        &env.app.logout(&env.one, &first.session).await,
        401,
        "logout again",
    );

    assert_eq!(
        env.app.session_works(&env.one, &second).await,
        204,
        "the user's other session stays"
    );
    assert_eq!(
        env.app
            .decrypt(&env.one, &second.session, &sealed)
            .await
            .status,
        200
    );
    assert_eq!(env.app.session_works(&env.one, &stranger).await, 204);
    assert_eq!(env.wechat.phone_calls().await, 0);
    env.assert_clean();
}

#[tokio::test]
async fn session_expires_after_ttl_secs() {
    // ttl_secs = 60 is the shortest: this test waits a minute while the others run.
    const TTL: u64 = 60;
    let env = Env::start("mp-expiry", &format!("ttl_secs = {TTL}")).await;
    let before = Instant::now();
    let first = env.new_user().await;
    assert_eq!(
        first.reply.body["expires_in"].as_u64(),
        Some(TTL),
        "{:?}",
        first.reply
    );
    assert_eq!(env.app.session_works(&env.one, &first).await, 204);

    let mut later: Option<Login> = None;
    let expired_at = loop {
        let elapsed = before.elapsed();
        let status = env.app.session_works(&env.one, &first).await;
        if status == 401 {
            break elapsed;
        }
        assert_eq!(status, 204, "the session before its end");
        assert!(
            elapsed < Duration::from_secs(TTL + 10),
            "the session still works {elapsed:?} after a login with ttl_secs = {TTL}"
        );
        if later.is_none() && elapsed > Duration::from_secs(TTL / 2) {
            later = Some(env.new_user().await);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        expired_at >= Duration::from_secs(TTL - 3),
        "the session ended {expired_at:?} after its login, before ttl_secs = {TTL}"
    );
    let later = later.expect("a second login half-way");
    assert_eq!(
        env.app.session_works(&env.one, &later).await,
        204,
        "a session lasts ttl_secs from its own login"
    );
    env.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_instances_share_sessions_through_postgresql() {
    let wechat = WeChatMp::start().await;
    let storage = postgres_storage(&postgres_server::fresh_database_url());
    let a = Instance::start("mp-pg-a", free_port(), &storage, &wechat, "", "").await;
    let b = Instance::start("mp-pg-b", free_port(), &storage, &wechat, "", "").await;
    let app = App::new();
    let openid = new_openid();
    let key = new_session_key();

    let login = app.login(&wechat, &a, MINI, &openid, &key, None).await;
    assert_eq!(app.session_works(&b, &login).await, 204, "A's session on B");
    let data = user_data(&openid, MP_APPID, now_secs()).to_string();
    let reply = app
        .decrypt(&b, &login.session, &seal(&key, data.as_bytes()))
        .await;
    assert_eq!(
        reply.status, 200,
        "decrypt on B with A's session: {reply:?}"
    );
    assert_eq!(reply.body.to_string(), data);

    // A new session_key got on B is seen on A.
    let new_key = new_session_key();
    let again = app.login(&wechat, &b, MINI, &openid, &new_key, None).await;
    let reply = app
        .decrypt(&a, &login.session, &seal(&new_key, data.as_bytes()))
        .await;
    assert_eq!(reply.status, 409, "key changed on B, seen on A: {reply:?}");
    let reply = app
        .decrypt(&a, &again.session, &seal(&new_key, data.as_bytes()))
        .await;
    assert_eq!(reply.status, 200, "B's session on A: {reply:?}");

    // Logout on B ends the session on A.
    assert_eq!(app.logout(&b, &login.session).await.status, 204);
    assert_error(
        &app.verify(&a, &login.session, "x", &raw_signature("x", &key))
            .await,
        401,
        "on A after the logout on B",
    );
    assert_eq!(app.session_works(&a, &again).await, 204);
    assert_clean(&[&a, &b], &wechat, &app);
}

/// The bytes of the SQLite database in `dir`: the file and its WAL and shared-memory files.
fn database_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("wxgate.db") {
            files.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_no_session_key(dir: &Path, logins: &[Login], when: &str) {
    let files = database_bytes(dir);
    assert!(
        files
            .iter()
            .any(|(name, bytes)| name == "wxgate.db" && !bytes.is_empty()),
        "{when}: no database file in {dir:?}"
    );
    for (name, bytes) in &files {
        for login in logins {
            let key = &login.session_key;
            assert!(
                !contains(bytes, key.as_bytes()),
                "{when}: {name} holds a session_key as text"
            );
            assert!(
                !contains(bytes, &unb64(key)),
                "{when}: {name} holds a session_key's 16 bytes"
            );
            assert!(
                !contains(bytes, login.session.as_bytes()),
                "{when}: {name} holds a session bearer (only its hash should be stored)"
            );
        }
    }
}

#[tokio::test]
async fn the_sqlite_file_holds_no_session_key() {
    let wechat = WeChatMp::start().await;
    let db = tempfile::tempdir().unwrap();
    let storage = sqlite_storage(db.path());
    let app = App::new();
    let mut one = Instance::start("mp-sqlite-a", free_port(), &storage, &wechat, "", "").await;
    let mut logins = Vec::new();
    for _ in 0..6 {
        logins.push(
            app.login(&wechat, &one, MINI, &new_openid(), &new_session_key(), None)
                .await,
        );
    }
    // A returning user with a new key, and WeChat's documented key.
    let openid = new_openid();
    logins.push(
        app.login(&wechat, &one, MINI, &openid, &new_session_key(), None)
            .await,
    );
    logins.push(
        app.login(&wechat, &one, MINI, &openid, &new_session_key(), None)
            .await,
    );
    logins.push(
        app.login(&wechat, &one, MINI, &new_openid(), VECTOR_SESSION_KEY, None)
            .await,
    );
    for login in &logins[..6] {
        assert_eq!(app.session_works(&one, login).await, 204);
    }
    assert_no_session_key(db.path(), &logins, "while running");

    // Stopped (its WAL checkpointed) and started again: the sessions live in this file.
    one.gateway.signal("TERM");
    assert!(
        one.gateway
            .exited_within(Duration::from_secs(20))
            .await
            .is_some(),
        "the gateway did not stop on SIGTERM"
    );
    assert_no_session_key(db.path(), &logins, "after a stop");
    let two = Instance::start("mp-sqlite-b", free_port(), &storage, &wechat, "", "").await;
    for login in &logins[..6] {
        assert_eq!(
            app.session_works(&two, login).await,
            204,
            "the session survives a restart: it is in the database"
        );
    }
    let data = user_data("o", MP_APPID, now_secs()).to_string();
    let reply = app
        .decrypt(
            &two,
            &logins[0].session,
            &seal(&logins[0].session_key, data.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_no_session_key(db.path(), &logins, "after the restart");
    assert_clean(&[&one, &two], &wechat, &app);
}
