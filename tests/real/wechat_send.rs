//! A mock of WeChat's message APIs for the send API's tests: `message/template/send`,
//! `message/subscribe/bizsend`, `message/subscribe/send` (mini programs) and
//! `message/custom/send`, with the access-token endpoints (`cgi-bin/stable_token`,
//! `cgi-bin/token`), one token per appid at a time.
//!
//! It behaves as WeChat does where the outbox's guarantees depend on it: a template message
//! repeating an openid + `client_msg_id` already delivered within 10 minutes is answered
//! errcode 45065 ("clientmsgid exist") with the first message's msgid, and is not delivered
//! again. Every call is recorded ([`Call`]): when it arrived, through which front (two gateway
//! instances may be pointed at two fronts of one mock to tell their calls apart), what it
//! carried, what it was answered and whether it delivered a message.
//!
//! Tests choose answers per recipient ([`Answer`]): WeChat errcodes, HTTP errors, an answer
//! that comes late (the message is delivered at once, the answer is held back), or a rejected
//! access token; a recipient without a plan is delivered to.
//!
//! Every access token the mock hands out contains [`ACCESS`] (in tests/secrets.txt);
//! [`WeChatSend::secrets`] lists them for the tests' own log checks. A request the mock does
//! not know, or one that breaks WeChat's rules (a wrong token or appid, no `client_msg_id` on
//! a template...), is recorded in [`WeChatSend::complaints`], which the tests check is empty.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::real::{ACCESS, APPID, SECRET};

/// A second official account's appid.
pub const OTHER_APPID: &str = "wx0a1b2c3d4e5f6789";
/// A mini program's appid.
pub const MINI_APPID: &str = "wx5e6f7a8b9c0d1e2f";

/// The template API.
pub const TEMPLATE: &str = "/cgi-bin/message/template/send";
/// An official account's subscription messages.
pub const BIZSEND: &str = "/cgi-bin/message/subscribe/bizsend";
/// A mini program's subscription messages.
pub const SUBSCRIBE: &str = "/cgi-bin/message/subscribe/send";
/// Customer-service messages.
pub const CUSTOM: &str = "/cgi-bin/message/custom/send";

/// How long WeChat remembers a template's openid + `client_msg_id`.
pub const CLIENT_MSG_ID_WINDOW: Duration = Duration::from_secs(600);

/// The first msgid the mock hands out (above 2^32, as WeChat's are by now).
const FIRST_MSGID: i64 = 5_000_000_000;

/// How the mock answers one send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Delivered: errcode 0 (with a msgid for templates).
    Deliver,
    /// A WeChat error (HTTP 200, `{"errcode", "errmsg"}`); nothing delivered.
    Errcode(i64),
    /// An HTTP error status from WeChat's front; nothing delivered.
    Status(u16),
    /// Delivered at once, answered after this long (the answer may never reach the gateway).
    Late(Duration),
    /// The access token the call carried is no longer accepted: answered with this errcode
    /// (40001 or 42001); nothing delivered.
    RejectToken(i64),
}

/// One send call the mock received.
#[derive(Clone, Debug)]
pub struct Call {
    /// The API's path ([`TEMPLATE`], [`BIZSEND`], [`SUBSCRIBE`], [`CUSTOM`]).
    pub path: String,
    /// Which front of the mock it came through (0: the first).
    pub front: usize,
    /// When it arrived.
    pub at: Instant,
    /// The appid whose access token it carried.
    pub appid: String,
    /// The access token it carried.
    pub token: String,
    /// `touser`.
    pub to: String,
    /// A template's `client_msg_id`.
    pub client_msg_id: Option<String>,
    /// The whole JSON body.
    pub body: Value,
    /// The HTTP status answered.
    pub status: u16,
    /// The errcode answered (None with an HTTP error).
    pub errcode: Option<i64>,
    /// The msgid answered, if any.
    pub msgid: Option<i64>,
    /// Whether this call delivered a message to the user.
    pub delivered: bool,
}

#[derive(Default)]
struct Inner {
    serial: i64,
    /// appid -> its current access token
    access: HashMap<String, String>,
    /// access tokens WeChat no longer accepts
    rejected: HashSet<String>,
    /// openid -> the next answers, in turn
    plans: HashMap<String, VecDeque<Answer>>,
    /// openid -> the answer of every call once its plan is spent
    always: HashMap<String, Answer>,
    /// the delay of a delivering answer, picked at random in this range
    delay: (Duration, Duration),
    /// (openid, client_msg_id) -> (msgid, when delivered)
    templates: HashMap<(String, String), (i64, Instant)>,
    calls: Vec<Call>,
    secrets: Vec<(&'static str, String)>,
    complaints: Vec<String>,
}

impl Inner {
    fn complain(&mut self, complaint: String) {
        self.complaints.push(complaint);
    }

    fn next_msgid(&mut self) -> i64 {
        self.serial += 1;
        FIRST_MSGID + self.serial
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

    fn answer_for(&mut self, to: &str) -> Answer {
        if let Some(answer) = self.plans.get_mut(to).and_then(VecDeque::pop_front) {
            return answer;
        }
        self.always.get(to).cloned().unwrap_or(Answer::Deliver)
    }

    fn delay(&self) -> Duration {
        let (low, high) = self.delay;
        if high <= low {
            return low;
        }
        let span = u64::try_from((high - low).as_micros()).unwrap_or(u64::MAX);
        low + Duration::from_micros(rand::random_range(0..=span))
    }
}

/// The mock; cheap to clone.
#[derive(Clone)]
pub struct WeChatSend {
    /// Its fronts: the first made at start, more with [`WeChatSend::add_front`].
    pub fronts: Arc<Mutex<Vec<Arc<MockServer>>>>,
    inner: Arc<Mutex<Inner>>,
}

impl WeChatSend {
    /// Starts the mock with one front.
    pub async fn start() -> WeChatSend {
        let mock = WeChatSend {
            fronts: Arc::new(Mutex::new(Vec::new())),
            inner: Arc::new(Mutex::new(Inner::default())),
        };
        mock.add_front().await;
        mock
    }

    /// Starts another front of the same mock (same tokens, same memory of templates), its
    /// calls marked with its number; returns its URI.
    pub async fn add_front(&self) -> String {
        let server = MockServer::start().await;
        let front = self.fronts.lock().unwrap().len();
        for api in [TEMPLATE, BIZSEND, SUBSCRIBE, CUSTOM] {
            Mock::given(method("POST"))
                .and(path(api))
                .respond_with(Send {
                    inner: self.inner.clone(),
                    front,
                })
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .respond_with(AccessToken(self.inner.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/cgi-bin/token"))
            .respond_with(AccessToken(self.inner.clone()))
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(Unknown(self.inner.clone()))
            .with_priority(100)
            .mount(&server)
            .await;
        let uri = server.uri();
        self.fronts.lock().unwrap().push(Arc::new(server));
        uri
    }

    /// The first front's URI: `http://127.0.0.1:PORT`, an account's `api_base`.
    pub fn uri(&self) -> String {
        self.fronts.lock().unwrap()[0].uri()
    }

    /// The next calls for `to` are answered with `answers`, in turn.
    pub fn plan(&self, to: &str, answers: &[Answer]) {
        self.inner
            .lock()
            .unwrap()
            .plans
            .entry(to.to_owned())
            .or_default()
            .extend(answers.iter().cloned());
    }

    /// Once its plan is spent, every call for `to` is answered with `answer`.
    pub fn always(&self, to: &str, answer: Answer) {
        self.inner
            .lock()
            .unwrap()
            .always
            .insert(to.to_owned(), answer);
    }

    /// Delivering answers wait a random time between `low` and `high`.
    pub fn set_delay(&self, low: Duration, high: Duration) {
        self.inner.lock().unwrap().delay = (low, high);
    }

    /// Every send call so far, in the order they arrived.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// The send calls for `to`.
    pub fn calls_to(&self, to: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.to == to).collect()
    }

    /// The template calls that carried `client_msg_id`.
    pub fn calls_with(&self, client_msg_id: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.client_msg_id.as_deref() == Some(client_msg_id))
            .collect()
    }

    /// How many times the template with `client_msg_id` reached its user.
    pub fn deliveries(&self, client_msg_id: &str) -> usize {
        self.calls_with(client_msg_id)
            .iter()
            .filter(|c| c.delivered)
            .count()
    }

    /// The msgid of the first delivery of the template with `client_msg_id`.
    pub fn msgid_of(&self, client_msg_id: &str) -> Option<i64> {
        self.calls_with(client_msg_id)
            .iter()
            .find(|c| c.delivered)
            .and_then(|c| c.msgid)
    }

    /// Every access token handed out, and the AppSecret.
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        let mut secrets = self.inner.lock().unwrap().secrets.clone();
        secrets.push(("AppSecret", SECRET.to_owned()));
        secrets
    }

    /// What the mock refused so far, and why.
    pub fn complaints(&self) -> Vec<String> {
        self.inner.lock().unwrap().complaints.clone()
    }

    /// How many access-token fetches the gateways made.
    pub async fn token_fetches(&self) -> usize {
        let fronts: Vec<Arc<MockServer>> = self.fronts.lock().unwrap().clone();
        let mut count = 0;
        for front in fronts {
            count += front
                .received_requests()
                .await
                .unwrap_or_default()
                .iter()
                .filter(|r| {
                    r.url.path() == "/cgi-bin/stable_token" || r.url.path() == "/cgi-bin/token"
                })
                .count();
        }
        count
    }
}

fn params(request: &Request) -> HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn answer(value: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        serde_json::to_vec(&value).unwrap(),
        "application/json; encoding=utf-8",
    )
}

/// WeChat's message for an errcode.
pub fn errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40003 => "invalid openid",
        40037 => "invalid template_id",
        42001 => "access_token expired",
        43101 => "user refuse to accept the msg",
        45009 => "reach max api daily quota limit",
        45015 => "response out of time limit or subscription is canceled",
        45065 => "clientmsgid exist",
        47003 => "argument invalid! data.thing1.value invalid",
        _ => "error",
    }
}

fn wechat_error(code: i64) -> ResponseTemplate {
    answer(json!({ "errcode": code, "errmsg": errmsg(code) }))
}

/// The four send APIs.
struct Send {
    inner: Arc<Mutex<Inner>>,
    front: usize,
}

impl Respond for Send {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.inner.lock().unwrap();
        let api = request.url.path().to_owned();
        let token = params(request)
            .get("access_token")
            .cloned()
            .unwrap_or_default();
        let Some(appid) = inner.token_owner(&token) else {
            // A token WeChat rejected may still arrive on calls that were already on their way
            // (several messages of one account go at once); WeChat answers them 40001 too. A
            // token it never issued is the gateway's fault.
            if !inner.rejected.contains(&token) {
                inner.complain(format!("{api} with an unknown access token"));
            }
            return wechat_error(40001);
        };
        let for_mini = appid == MINI_APPID;
        let fits = match api.as_str() {
            TEMPLATE | BIZSEND => !for_mini,
            SUBSCRIBE => for_mini,
            _ => true,
        };
        if !fits {
            inner.complain(format!("{api} with {appid}'s access token"));
            return answer(json!({ "errcode": 48001, "errmsg": "api unauthorized" }));
        }
        let body: Value = match serde_json::from_slice(&request.body) {
            Ok(body @ Value::Object(_)) => body,
            _ => {
                inner.complain(format!("{api}: the body is not a JSON object"));
                return answer(json!({ "errcode": 47001, "errmsg": "data format error" }));
            }
        };
        let to = body["touser"].as_str().unwrap_or_default().to_owned();
        if to.is_empty() {
            inner.complain(format!("{api}: no touser in {body}"));
            return wechat_error(40003);
        }
        let client_msg_id = body["client_msg_id"].as_str().map(str::to_owned);
        if api == TEMPLATE && client_msg_id.is_none() {
            inner.complain(format!("{api}: a template without client_msg_id: {body}"));
        }
        if api == CUSTOM && body["msgtype"].as_str().is_none() {
            inner.complain(format!("{api}: no msgtype in {body}"));
        }
        if api != CUSTOM && body["template_id"].as_str().is_none() {
            inner.complain(format!("{api}: no template_id in {body}"));
        }
        let mut call = Call {
            path: api.clone(),
            front: self.front,
            at: Instant::now(),
            appid,
            token: token.clone(),
            to: to.clone(),
            client_msg_id: client_msg_id.clone(),
            body,
            status: 200,
            errcode: Some(0),
            msgid: None,
            delivered: false,
        };
        // A template repeated within 10 minutes: WeChat names the first one, and sends nothing.
        if let (true, Some(id)) = (api == TEMPLATE, &client_msg_id) {
            if let Some(&(first, at)) = inner.templates.get(&(to.clone(), id.clone())) {
                if at.elapsed() < CLIENT_MSG_ID_WINDOW {
                    call.errcode = Some(45065);
                    call.msgid = Some(first);
                    inner.calls.push(call);
                    return answer(json!({
                        "errcode": 45065,
                        "errmsg": errmsg(45065),
                        "msgid": first,
                    }));
                }
            }
        }
        let planned = inner.answer_for(&to);
        let (template, delay) = match planned {
            Answer::Errcode(code) => {
                call.errcode = Some(code);
                inner.calls.push(call);
                return wechat_error(code);
            }
            Answer::Status(status) => {
                call.status = status;
                call.errcode = None;
                inner.calls.push(call);
                return ResponseTemplate::new(status)
                    .set_body_string(format!("<html>{status} Bad Gateway</html>"));
            }
            Answer::RejectToken(code) => {
                inner.rejected.insert(token);
                call.errcode = Some(code);
                inner.calls.push(call);
                return wechat_error(code);
            }
            Answer::Late(delay) => (api == TEMPLATE, delay),
            Answer::Deliver => (api == TEMPLATE, inner.delay()),
        };
        call.delivered = true;
        let mut body = json!({ "errcode": 0, "errmsg": "ok" });
        if template || api == BIZSEND {
            let msgid = inner.next_msgid();
            call.msgid = Some(msgid);
            body["msgid"] = msgid.into();
            if let (true, Some(id)) = (template, client_msg_id) {
                inner.templates.insert((to, id), (msgid, Instant::now()));
            }
        }
        inner.calls.push(call);
        answer(body).set_delay(delay)
    }
}

/// `cgi-bin/stable_token` (JSON body) and `cgi-bin/token` (query): the appid's current token,
/// or a new one when it was rejected or a refresh is forced.
struct AccessToken(Arc<Mutex<Inner>>);

impl Respond for AccessToken {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let p: HashMap<String, Value> = if request.url.path() == "/cgi-bin/token" {
            params(request)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        } else {
            serde_json::from_slice(&request.body).unwrap_or_default()
        };
        let get = |name: &str| p.get(name).and_then(Value::as_str).unwrap_or_default();
        let appid = get("appid").to_owned();
        if ![APPID, OTHER_APPID, MINI_APPID].contains(&appid.as_str()) {
            inner.complain(format!("{}: appid {appid:?}", request.url.path()));
            return wechat_error(40013);
        }
        if get("secret") != SECRET {
            inner.complain(format!("{}: {appid}'s secret is wrong", request.url.path()));
            return answer(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
        }
        if get("grant_type") != "client_credential" {
            inner.complain(format!(
                "{}: grant_type {:?}",
                request.url.path(),
                get("grant_type")
            ));
            return answer(json!({ "errcode": 40002, "errmsg": "invalid grant_type" }));
        }
        let force = p
            .get("force_refresh")
            .is_some_and(|v| v == &Value::Bool(true) || v == "true");
        let current = inner.access.get(&appid).cloned();
        let token = match current {
            Some(token) if !force && !inner.rejected.contains(&token) => token,
            _ => {
                inner.serial += 1;
                let token = format!("{ACCESS}-{appid}-{}", inner.serial);
                inner.secrets.push(("access token", token.clone()));
                inner.access.insert(appid, token.clone());
                token
            }
        };
        answer(json!({ "access_token": token, "expires_in": 7200 }))
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

// ---------------------------------------------------------------------------------------------
// The apps' webhook
// ---------------------------------------------------------------------------------------------

/// One POST the webhook received.
#[derive(Clone, Debug)]
pub struct Hook {
    /// When it arrived.
    pub at: Instant,
    /// Its method.
    pub method: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// `X-Wxgate-Signature`.
    pub signature: Option<String>,
    /// The status the app answered.
    pub answered: u16,
}

#[derive(Default)]
struct HookInner {
    /// The statuses of the first tries of each event (each distinct body), in turn; then 200.
    plan: Vec<u16>,
    /// body -> tries so far
    tries: HashMap<Vec<u8>, usize>,
    received: Vec<Hook>,
}

/// An app's webhook: a local HTTP server that records every POST and answers each event (each
/// distinct body) with the planned statuses first, then 200.
#[derive(Clone)]
pub struct WebhookSink {
    /// The server.
    pub server: Arc<MockServer>,
    inner: Arc<Mutex<HookInner>>,
}

impl WebhookSink {
    /// Starts the webhook; the tries of each event are answered `plan` in turn, then 200.
    pub async fn start(plan: &[u16]) -> WebhookSink {
        let server = MockServer::start().await;
        let inner = Arc::new(Mutex::new(HookInner {
            plan: plan.to_vec(),
            ..HookInner::default()
        }));
        Mock::given(any())
            .respond_with(HookResponder(inner.clone()))
            .mount(&server)
            .await;
        WebhookSink {
            server: Arc::new(server),
            inner,
        }
    }

    /// The webhook's URL.
    pub fn url(&self) -> String {
        format!("{}/wxgate-status", self.server.uri())
    }

    /// Every POST so far.
    pub fn received(&self) -> Vec<Hook> {
        self.inner.lock().unwrap().received.clone()
    }
}

struct HookResponder(Arc<Mutex<HookInner>>);

impl Respond for HookResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut inner = self.0.lock().unwrap();
        let tries = inner.tries.entry(request.body.clone()).or_default();
        let try_number = *tries;
        *tries += 1;
        let status = inner.plan.get(try_number).copied().unwrap_or(200);
        inner.received.push(Hook {
            at: Instant::now(),
            method: request.method.to_string(),
            body: request.body.clone(),
            signature: request
                .headers
                .get("x-wxgate-signature")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            answered: status,
        });
        ResponseTemplate::new(status)
    }
}
