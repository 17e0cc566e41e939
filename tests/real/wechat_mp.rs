//! A mock of WeChat's API for the mini-program and JS-SDK tests, and the gateway config they
//! run: `sns/jscode2session` (one answer per code the test registered, each code once),
//! `wxa/business/getuserphonenumber`, `cgi-bin/ticket/getticket?type=jsapi` and the access-token
//! endpoints (`cgi-bin/stable_token`, `cgi-bin/token`), one token per appid at a time.
//!
//! Everything secret the mock hands out or accepts (codes, session_keys, tickets, access tokens)
//! starts with a prefix listed in tests/secrets.txt, so scripts/test.sh finds any of it in the
//! gateway's logs; [`WeChatMp::secrets`] lists each value for the tests' own log checks.
//!
//! A request the mock does not know, or one with wrong parameters, is answered with an error
//! and recorded in [`WeChatMp::complaints`], which the tests check is empty.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::real::{ACCESS, APPID, SECRET, TOKEN};

/// The mini program's appid: the one of WeChat's documented user-data vector.
pub const MP_APPID: &str = "wx4f4bc4dec97d474b";
/// A second mini program (its sessions are not the first one's).
pub const MP2_APPID: &str = "wx0b1f2e3d4c5a6978";
/// The AppSecret of both mini programs (in tests/secrets.txt).
pub const MP_SECRET: &str = "MpAppS3cret-4f4bc4dec97d";
/// The mini-program account's name in the config.
pub const MINI: &str = "mini";
/// The second mini-program account's name.
pub const MINI2: &str = "mini2";
/// The official account (JS-SDK) name; its appid is [`APPID`].
pub const OFFICIAL: &str = "demo";
/// The one JS-SDK domain of the official account.
pub const JS_DOMAIN: &str = "m.example.com";

/// The session_key of WeChat's documented user-data vector (in tests/secrets.txt).
pub const VECTOR_SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
/// The vector's encryptedData (WeChat's documentation, wechatpy's tests).
pub const VECTOR_ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
/// The vector's iv.
pub const VECTOR_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
/// The vector's openId (in the decrypted JSON).
pub const VECTOR_OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";

/// The `[sessions] key` of the tests' configs: base64 of these 32 bytes (both in
/// tests/secrets.txt).
pub const SESSIONS_KEY_BYTES: &[u8; 32] = b"MpSessionsKeyForTests-0123456789";

/// Prefix of every login code (`wx.login`) the tests use (in tests/secrets.txt).
pub const CODE_PREFIX: &str = "MpJsC0de";
/// Prefix of every session_key the mock hands out (in tests/secrets.txt).
pub const SESSION_KEY_PREFIX: &str = "MpSessK3y";
/// Prefix of every getPhoneNumber code (in tests/secrets.txt).
pub const PHONE_CODE_PREFIX: &str = "MpPh0neC0de";
/// Prefix of every jsapi_ticket the mock hands out (in tests/secrets.txt).
pub const TICKET_PREFIX: &str = "MpJsapiT1cket";

/// What `getuserphonenumber` answers.
pub const PHONE_NUMBER: &str = "+8613800138000";
/// Its number without the country code.
pub const PURE_PHONE_NUMBER: &str = "13800138000";
/// Its country code.
pub const COUNTRY_CODE: &str = "86";

/// `[sessions] key = "..."`: base64 of [`SESSIONS_KEY_BYTES`].
pub fn sessions_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(SESSIONS_KEY_BYTES)
}

/// A fresh session_key as WeChat gives them (base64 of 16 random bytes), starting with
/// [`SESSION_KEY_PREFIX`].
pub fn new_session_key() -> String {
    let random = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    let key = format!(
        "{SESSION_KEY_PREFIX}{}",
        &random[SESSION_KEY_PREFIX.len()..]
    );
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&key)
            .map(|bytes| bytes.len()),
        Ok(16),
        "{key}"
    );
    key
}

/// A fresh openid.
pub fn new_openid() -> String {
    format!("oMpUser_{}", random_alnum(20))
}

/// A random [A-Za-z0-9] string of `len` characters.
pub fn random_alnum(len: usize) -> String {
    use rand::Rng as _;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The gateway's config
// ---------------------------------------------------------------------------------------------

/// The config of one gateway: the mini programs `mini` ([`MP_APPID`]) and `mini2`
/// ([`MP2_APPID`]), the official account `demo` ([`APPID`], `js_domains = [JS_DOMAIN]`), all
/// against `wechat`; `storage` is a whole `[storage]` section, `sessions` lines added under
/// `[sessions]` (after the key), `extra` sections appended (e.g. `[tokens]` and `[redis]`).
pub fn gateway_config(
    listen: u16,
    public: u16,
    storage: &str,
    wechat: &str,
    sessions: &str,
    extra: &str,
) -> String {
    let key = sessions_key();
    format!(
        r#"{storage}
[server]
listen = "127.0.0.1:{listen}"
public_url = "http://127.0.0.1:{public}"

[sessions]
key = "{key}"
{sessions}

{extra}

[[accounts]]
name = "{MINI}"
kind = "miniprogram"
appid = "{MP_APPID}"
token = "{TOKEN}"
secret = "{MP_SECRET}"
api_base = "{wechat}"

[[accounts]]
name = "{MINI2}"
kind = "miniprogram"
appid = "{MP2_APPID}"
token = "{TOKEN}"
secret = "{MP_SECRET}"
api_base = "{wechat}"

[[accounts]]
name = "{OFFICIAL}"
appid = "{APPID}"
token = "{TOKEN}"
secret = "{SECRET}"
api_base = "{wechat}"
js_domains = ["{JS_DOMAIN}"]
"#
    )
}

/// A `[storage]` section for the SQLite file `dir/wxgate.db`.
pub fn sqlite_storage(dir: &Path) -> String {
    crate::real::storage(dir)
}

/// A `[storage]` section for the PostgreSQL database at `url`.
pub fn postgres_storage(url: &str) -> String {
    format!("[storage]\ndatabase = \"{url}\"\n")
}

// ---------------------------------------------------------------------------------------------
// The mock
// ---------------------------------------------------------------------------------------------

/// How `jscode2session` answers one code.
#[derive(Clone, Debug)]
pub enum CodeAnswer {
    /// The user's openid, session_key and unionid.
    Login {
        openid: String,
        session_key: String,
        unionid: Option<String>,
    },
    /// A WeChat error (`{"errcode", "errmsg"}`, HTTP 200).
    Errcode(i64),
    /// An HTTP error status from WeChat's front.
    Status(u16),
    /// No answer for 30 s.
    Hang,
}

/// How `getuserphonenumber` answers one code.
#[derive(Clone, Debug)]
pub enum PhoneAnswer {
    /// The phone number, with this appid in its watermark.
    Number { watermark_appid: String },
    /// A WeChat error.
    Errcode(i64),
}

#[derive(Default)]
struct Inner {
    serial: u64,
    /// login code -> (answer, used)
    codes: HashMap<String, (CodeAnswer, bool)>,
    /// phone code -> (answer, used)
    phone_codes: HashMap<String, (PhoneAnswer, bool)>,
    /// appid -> its current access token
    access: HashMap<String, String>,
    /// access tokens WeChat no longer accepts
    rejected: HashSet<String>,
    /// the next getticket calls reject their access token with these errcodes, in turn
    reject_ticket_tokens: Vec<i64>,
    /// the same for getuserphonenumber
    reject_phone_tokens: Vec<i64>,
    /// every ticket handed out, in order
    tickets: Vec<String>,
    /// the tickets' `expires_in` (7200 unless a test says otherwise)
    ticket_expires_in: Option<u64>,
    /// how long getticket takes to answer
    ticket_delay: Duration,
    /// every secret the mock handed out or was told about
    secrets: Vec<(&'static str, String)>,
    complaints: Vec<String>,
}

impl Inner {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn complain(&mut self, complaint: String) {
        self.complaints.push(complaint);
    }

    /// The appid whose current token `token` is, if WeChat still accepts it.
    fn token_owner(&self, token: &str) -> Option<String> {
        if self.rejected.contains(token) {
            return None;
        }
        self.access
            .iter()
            .find(|(_, current)| current.as_str() == token)
            .map(|(appid, _)| appid.clone())
    }
}

/// The mock; cheap to clone.
#[derive(Clone)]
pub struct WeChatMp {
    pub server: Arc<MockServer>,
    inner: Arc<Mutex<Inner>>,
}

impl WeChatMp {
    /// Starts the mock.
    pub async fn start() -> WeChatMp {
        let server = MockServer::start().await;
        let inner = Arc::new(Mutex::new(Inner::default()));
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .respond_with(CodeToSession(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/wxa/business/getuserphonenumber"))
            .respond_with(PhoneNumber(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/cgi-bin/ticket/getticket"))
            .respond_with(Ticket(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .respond_with(AccessToken(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/cgi-bin/token"))
            .respond_with(AccessToken(inner.clone()))
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(Unknown(inner.clone()))
            .with_priority(100)
            .mount(&server)
            .await;
        WeChatMp {
            server: Arc::new(server),
            inner,
        }
    }

    /// `http://127.0.0.1:PORT`: every account's `api_base`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    fn register(&self, answer: CodeAnswer) -> String {
        let mut inner = self.inner.lock().unwrap();
        let code = format!("{CODE_PREFIX}{:06}{}", inner.next(), random_alnum(16));
        if let CodeAnswer::Login { session_key, .. } = &answer {
            inner.secrets.push(("session_key", session_key.clone()));
        }
        inner.secrets.push(("login code", code.clone()));
        inner.codes.insert(code.clone(), (answer, false));
        code
    }

    /// A login code for which `jscode2session` answers this user (once; a second use is
    /// 40163, as on WeChat).
    pub fn login_code(&self, openid: &str, session_key: &str, unionid: Option<&str>) -> String {
        self.register(CodeAnswer::Login {
            openid: openid.to_owned(),
            session_key: session_key.to_owned(),
            unionid: unionid.map(str::to_owned),
        })
    }

    /// A login code `jscode2session` answers with `answer`.
    pub fn code_answering(&self, answer: CodeAnswer) -> String {
        self.register(answer)
    }

    /// A login code WeChat has never issued (answered 40029 without being registered).
    pub fn unknown_code(&self) -> String {
        let code = format!("{CODE_PREFIX}unknown{}", random_alnum(16));
        self.inner
            .lock()
            .unwrap()
            .secrets
            .push(("login code", code.clone()));
        code
    }

    /// A getPhoneNumber code answered with `answer` (once).
    pub fn phone_code(&self, answer: PhoneAnswer) -> String {
        let mut inner = self.inner.lock().unwrap();
        let code = format!("{PHONE_CODE_PREFIX}{:06}{}", inner.next(), random_alnum(16));
        inner.secrets.push(("phone code", code.clone()));
        inner.phone_codes.insert(code.clone(), (answer, false));
        code
    }

    /// getticket takes `delay` to answer from now on.
    pub fn set_ticket_delay(&self, delay: Duration) {
        self.inner.lock().unwrap().ticket_delay = delay;
    }

    /// The next getticket calls answer these errcodes (e.g. 40001), one each, and WeChat stops
    /// accepting the access token they carried.
    pub fn reject_ticket_tokens(&self, errcodes: &[i64]) {
        self.inner.lock().unwrap().reject_ticket_tokens = errcodes.to_vec();
    }

    /// The next getuserphonenumber calls answer these errcodes (e.g. 40001), one each, and
    /// WeChat stops accepting the access token they carried.
    pub fn reject_phone_tokens(&self, errcodes: &[i64]) {
        self.inner.lock().unwrap().reject_phone_tokens = errcodes.to_vec();
    }

    /// The tickets handed out from now on are valid `secs` seconds.
    pub fn set_ticket_expires_in(&self, secs: u64) {
        self.inner.lock().unwrap().ticket_expires_in = Some(secs);
    }

    /// Every jsapi_ticket handed out so far, in order.
    pub fn tickets(&self) -> Vec<String> {
        self.inner.lock().unwrap().tickets.clone()
    }

    /// Every secret the mock handed out or registered so far: (what, value).
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        self.inner.lock().unwrap().secrets.clone()
    }

    /// What the mock refused so far, and why.
    pub fn complaints(&self) -> Vec<String> {
        self.inner.lock().unwrap().complaints.clone()
    }

    /// The requests that reached `path` so far.
    pub async fn requests(&self, path: &str) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == path)
            .collect()
    }

    /// How many requests reached `path` so far.
    pub async fn hits(&self, path: &str) -> usize {
        self.requests(path).await.len()
    }

    /// How many `jscode2session` calls the gateways made.
    pub async fn code_exchanges(&self) -> usize {
        self.hits("/sns/jscode2session").await
    }

    /// How many `getuserphonenumber` calls the gateways made.
    pub async fn phone_calls(&self) -> usize {
        self.hits("/wxa/business/getuserphonenumber").await
    }

    /// How many `getticket` calls the gateways made.
    pub async fn ticket_fetches(&self) -> usize {
        self.hits("/cgi-bin/ticket/getticket").await
    }

    /// How many access-token fetches (either endpoint) the gateways made.
    pub async fn token_fetches(&self) -> usize {
        self.hits("/cgi-bin/stable_token").await + self.hits("/cgi-bin/token").await
    }
}

fn params(request: &Request) -> HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn json(value: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        serde_json::to_vec(&value).unwrap(),
        "application/json; encoding=utf-8",
    )
}

fn wechat_error(code: i64, message: &str) -> ResponseTemplate {
    json(serde_json::json!({ "errcode": code, "errmsg": message }))
}

/// WeChat's message for a few error codes.
fn errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40029 => "invalid code",
        40163 => "code been used",
        40226 => "invalid code, high risk user",
        45011 => "api minute-quota reach limit mustslower retry next minute",
        40001 => "invalid credential, access_token is invalid or not latest",
        42001 => "access_token expired",
        _ => "error",
    }
}

/// `sns/jscode2session`: the registered answer of each code, once.
struct CodeToSession(Arc<Mutex<Inner>>);

impl Respond for CodeToSession {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p = params(request);
        let get = |name: &str| p.get(name).cloned().unwrap_or_default();
        if ![MP_APPID, MP2_APPID].contains(&get("appid").as_str()) || get("secret") != MP_SECRET {
            inner.complain(format!(
                "jscode2session: appid {:?} or its secret is wrong",
                get("appid")
            ));
            return wechat_error(40125, "invalid appsecret");
        }
        if get("grant_type") != "authorization_code" {
            inner.complain(format!(
                "jscode2session: grant_type {:?}",
                get("grant_type")
            ));
            return wechat_error(40002, "invalid grant_type");
        }
        let code = get("js_code");
        let answer = match inner.codes.get_mut(&code) {
            None => return wechat_error(40029, errmsg(40029)),
            Some((_, true)) => return wechat_error(40163, errmsg(40163)),
            Some((answer, used)) => {
                *used = true;
                answer.clone()
            }
        };
        match answer {
            CodeAnswer::Login {
                openid,
                session_key,
                unionid,
            } => {
                let mut body = serde_json::json!({ "openid": openid, "session_key": session_key });
                if let Some(unionid) = unionid {
                    body["unionid"] = unionid.into();
                }
                json(body)
            }
            CodeAnswer::Errcode(code) => wechat_error(code, errmsg(code)),
            CodeAnswer::Status(status) => {
                ResponseTemplate::new(status).set_body_string("<html>502 Bad Gateway</html>")
            }
            CodeAnswer::Hang => json(serde_json::json!({ "errcode": -1, "errmsg": "late" }))
                .set_delay(Duration::from_secs(30)),
        }
    }
}

/// `wxa/business/getuserphonenumber`: the registered answer of each code, once, for a mini
/// program's current access token.
struct PhoneNumber(Arc<Mutex<Inner>>);

impl Respond for PhoneNumber {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let token = params(request)
            .get("access_token")
            .cloned()
            .unwrap_or_default();
        match inner.token_owner(&token) {
            Some(appid) if appid == MP_APPID || appid == MP2_APPID => {}
            Some(appid) => {
                inner.complain(format!("getuserphonenumber with {appid}'s access token"));
                return wechat_error(48001, "api unauthorized");
            }
            None => {
                inner.complain("getuserphonenumber with an unknown access token".to_owned());
                return wechat_error(40001, errmsg(40001));
            }
        }
        if !inner.reject_phone_tokens.is_empty() {
            let code = inner.reject_phone_tokens.remove(0);
            inner.rejected.insert(token);
            return wechat_error(code, errmsg(code));
        }
        let body: serde_json::Value = match serde_json::from_slice(&request.body) {
            Ok(body) => body,
            Err(_) => {
                inner.complain("getuserphonenumber: the body is not JSON".to_owned());
                return wechat_error(47001, "data format error");
            }
        };
        let code = body["code"].as_str().unwrap_or_default().to_owned();
        let answer = match inner.phone_codes.get_mut(&code) {
            None => return wechat_error(40029, errmsg(40029)),
            Some((_, true)) => return wechat_error(40163, errmsg(40163)),
            Some((answer, used)) => {
                *used = true;
                answer.clone()
            }
        };
        match answer {
            PhoneAnswer::Number { watermark_appid } => json(serde_json::json!({
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": PHONE_NUMBER,
                    "purePhoneNumber": PURE_PHONE_NUMBER,
                    "countryCode": COUNTRY_CODE,
                    "watermark": {
                        "timestamp": crate::real::now().parse::<i64>().unwrap(),
                        "appid": watermark_appid,
                    },
                },
            })),
            PhoneAnswer::Errcode(code) => wechat_error(code, errmsg(code)),
        }
    }
}

/// `cgi-bin/ticket/getticket?type=jsapi`: a new ticket per call, for the official account's
/// current access token.
struct Ticket(Arc<Mutex<Inner>>);

impl Respond for Ticket {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p = params(request);
        if p.get("type").map(String::as_str) != Some("jsapi") {
            inner.complain(format!("getticket: type {:?}", p.get("type")));
            return wechat_error(40097, "invalid args");
        }
        let token = p.get("access_token").cloned().unwrap_or_default();
        match inner.token_owner(&token) {
            Some(appid) if appid == APPID => {}
            Some(appid) => {
                inner.complain(format!("getticket with {appid}'s access token"));
                return wechat_error(48001, "api unauthorized");
            }
            None => {
                inner.complain("getticket with an unknown access token".to_owned());
                return wechat_error(40001, errmsg(40001));
            }
        }
        if !inner.reject_ticket_tokens.is_empty() {
            let code = inner.reject_ticket_tokens.remove(0);
            inner.rejected.insert(token);
            return wechat_error(code, errmsg(code));
        }
        // Each fetch gets a new ticket, as on WeChat.
        let serial = inner.next();
        let ticket = format!("{TICKET_PREFIX}{serial:04}-{}", random_alnum(70));
        inner.secrets.push(("jsapi_ticket", ticket.clone()));
        inner.tickets.push(ticket.clone());
        json(serde_json::json!({
            "errcode": 0,
            "errmsg": "ok",
            "ticket": ticket,
            "expires_in": inner.ticket_expires_in.unwrap_or(7200),
        }))
        .set_delay(inner.ticket_delay)
    }
}

/// `cgi-bin/stable_token` (JSON body) and `cgi-bin/token` (query): the appid's current token,
/// or a new one when it was rejected or a refresh is forced.
struct AccessToken(Arc<Mutex<Inner>>);

impl Respond for AccessToken {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p: HashMap<String, serde_json::Value> = if request.url.path() == "/cgi-bin/token" {
            params(request)
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect()
        } else {
            serde_json::from_slice(&request.body).unwrap_or_default()
        };
        let get = |name: &str| p.get(name).and_then(|v| v.as_str()).unwrap_or_default();
        let appid = get("appid").to_owned();
        let expected = if appid == APPID {
            SECRET
        } else if appid == MP_APPID || appid == MP2_APPID {
            MP_SECRET
        } else {
            inner.complain(format!("{}: appid {appid:?}", request.url.path()));
            return wechat_error(40013, "invalid appid");
        };
        if get("secret") != expected {
            inner.complain(format!("{}: {appid}'s secret is wrong", request.url.path()));
            return wechat_error(40125, "invalid appsecret");
        }
        if get("grant_type") != "client_credential" {
            inner.complain(format!(
                "{}: grant_type {:?}",
                request.url.path(),
                get("grant_type")
            ));
            return wechat_error(40002, "invalid grant_type");
        }
        let force = p
            .get("force_refresh")
            .is_some_and(|v| v == &serde_json::Value::Bool(true) || v == "true");
        let current = inner.access.get(&appid).cloned();
        let token = match current {
            Some(token) if !force && !inner.rejected.contains(&token) => token,
            _ => {
                let serial = inner.next();
                let token = format!("{ACCESS}-{appid}-{serial}");
                inner.secrets.push(("access token", token.clone()));
                inner.access.insert(appid, token.clone());
                token
            }
        };
        json(serde_json::json!({ "access_token": token, "expires_in": 7200 }))
    }
}

/// Anything else: a complaint and a 404.
struct Unknown(Arc<Mutex<Inner>>);

impl Respond for Unknown {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().complain(format!(
            "unexpected {} {}",
            request.method,
            request.url.path()
        ));
        ResponseTemplate::new(404)
    }
}
