//! The simulator: an admin picks an account, a message type or event, its fields and an
//! openid; the gateway builds the push as WeChat would ([`crate::simulate`], shared with
//! `wxgate simulate`), signs it with the account's Token (and encrypts it with its
//! EncodingAESKey in compatible and safe mode) and POSTs it to its own listener, so the push
//! goes through the whole callback pipeline — envelope checks, dedup, plugins, the reply
//! sealed — like one from WeChat. The reply's signature is checked, it is decrypted and shown.
//! Nothing goes to WeChat.
//!
//! The push goes over loopback to the address the server is bound to
//! ([`State::listen_addr`](crate::state::State::listen_addr)) rather than into the callback
//! surface's code, so it meets exactly what WeChat's pushes meet, connection limits and the
//! front service included.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::ConsoleError;
use super::i18n::{self, Lang};
use super::session::{ConsoleSession, form, state};
use super::{Page, html};
use crate::account::Account;
use crate::clock::{unix_micros, unix_secs};
use crate::simulate::{EVENTS, Envelope, Kind, MESSAGE_TYPES, Opened, Sender, reachable};
use crate::state::State;

/// The openid the form starts with.
pub const DEFAULT_OPENID: &str = "o_simulated_user";

/// The longest openid accepted (WeChat's are 28 characters).
const MAX_OPENID: usize = 128;

/// How much longer than the plugins' deadline the simulator waits for the gateway's answer.
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// The client that posts the pushes: straight to the gateway, never through a proxy.
static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())
});

/// The form as posted (and as shown again).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SimForm {
    /// The account's name.
    #[serde(default)]
    pub account: String,
    /// A message type (`text`, `image`, ...) or `event:NAME`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// FromUserName: the simulated user.
    #[serde(default)]
    pub openid: String,
    /// The text (text), URL (link) or recognised speech (voice).
    #[serde(default)]
    pub content: String,
    /// The event's EventKey.
    #[serde(default)]
    pub event_key: String,
}

/// What came of one push.
#[derive(Debug, Clone, Default)]
pub struct SimResult {
    /// The gateway's HTTP status, as `200 OK`.
    pub status: String,
    /// The account's mode.
    pub mode: &'static str,
    /// Whether the push was encrypted.
    pub encrypted: bool,
    /// The push's XML in the clear, indented.
    pub push: String,
    /// The reply's XML in the clear, indented; `None` for `success` or an error.
    pub reply: Option<String>,
    /// Whether the reply came encrypted with a MsgSignature that verified.
    pub verified: bool,
    /// Why the answer is not a reply (an error status, a reply that does not verify).
    pub problem: Option<String>,
    /// How long the gateway took, as `12.3 ms`.
    pub took: String,
}

/// The page.
#[derive(Template)]
#[template(path = "console/simulator.html")]
struct SimTemplate {
    page: Page,
    form: SimForm,
    message_types: &'static [&'static str],
    events: &'static [&'static str],
    error: Option<String>,
    result: Option<SimResult>,
}

impl SimTemplate {
    /// The `type` value of an event.
    fn event_value(&self, name: &str) -> String {
        format!("event:{name}")
    }

    /// The label of a message type in the page's language.
    fn type_label(&self, type_name: &str) -> &'static str {
        type_label(self.page.lang(), type_name)
    }
}

/// `GET /admin/simulator`.
pub async fn page(req: HttpRequest, session: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let form = SimForm {
        account: state
            .accounts
            .in_order()
            .first()
            .map(|account| account.name.to_string())
            .unwrap_or_default(),
        kind: "text".to_owned(),
        openid: DEFAULT_OPENID.to_owned(),
        content: String::new(),
        event_key: String::new(),
    };
    show(&req, &session, StatusCode::OK, form, None, None)
}

/// `POST /admin/simulator`: sends the push and shows the decoded reply (200 once the gateway
/// answered, whatever it answered); 422 for a form that names no account or type, 502 when
/// the gateway could not be reached.
pub async fn submit(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let posted: SimForm = form(&req, payload, &session).await?;
    let lang = session.lang;
    let unprocessable = |form: SimForm, text: String| {
        show(
            &req,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            Some(text),
            None,
        )
    };
    let Some(account) = state.account(&posted.account) else {
        let text = format!("{}: {:?}", i18n::t(lang, "sim.no_account"), posted.account);
        return unprocessable(posted, text);
    };
    let kind = match Kind::from_form(&posted.kind, &posted.content, &posted.event_key) {
        Ok(kind) => kind,
        Err(error) => return unprocessable(posted, error.to_string()),
    };
    let openid = posted.openid.trim();
    if openid.is_empty()
        || openid.chars().count() > MAX_OPENID
        || openid.chars().any(char::is_control)
    {
        let text = i18n::t(lang, "sim.bad_openid").to_owned();
        return unprocessable(posted, text);
    }
    match exchange(state, account, &kind, openid).await {
        Ok(result) => show(&req, &session, StatusCode::OK, posted, None, Some(result)),
        Err(problem) => {
            let text = format!("{}: {problem}", i18n::t(lang, "sim.unreachable"));
            show(
                &req,
                &session,
                StatusCode::BAD_GATEWAY,
                posted,
                Some(text),
                None,
            )
        }
    }
}

fn show(
    req: &HttpRequest,
    session: &ConsoleSession,
    status: StatusCode,
    form: SimForm,
    error: Option<String>,
    result: Option<SimResult>,
) -> Result<HttpResponse, ConsoleError> {
    let template = SimTemplate {
        page: Page::new(req, session, "simulator"),
        form,
        message_types: MESSAGE_TYPES,
        events: EVENTS,
        error,
        result,
    };
    Ok(HttpResponse::build(status)
        .content_type(html())
        .body(template.render()?))
}

/// Builds, signs and sends the push to the gateway's own listener and opens the answer. `Err`
/// when the gateway could not be reached.
pub async fn exchange(
    state: &State,
    account: &Account,
    kind: &Kind,
    openid: &str,
) -> Result<SimResult, String> {
    let listen = state
        .listen_addr
        .ok_or_else(|| "the server is not listening yet".to_owned())?;
    let client = CLIENT.as_ref().map_err(Clone::clone)?;
    let sender = Sender::with_keys(
        &account.appid,
        account.mode,
        &account.token,
        account.cipher.clone(),
    );
    let now = unix_secs();
    let env = Envelope {
        to: &account.appid,
        from: openid,
        create_time: now,
        msg_id: unix_micros(),
    };
    let push = kind
        .xml(env)
        .ok_or_else(|| "the handshake is not a push".to_owned())?;
    let signed = sender.sign(&push, openid, now, &crate::crypto::nonce());
    let mut url = url::Url::parse(&format!("http://{}/", reachable(listen)))
        .map_err(|error| error.to_string())?;
    url.path_segments_mut()
        .map_err(|()| "the gateway's address is not a base URL".to_owned())?
        .pop_if_empty()
        .extend(["wx", &*account.name]);
    url.set_query(Some(&signed.query));
    let started = Instant::now();
    let response = client
        .post(url)
        .header("content-type", "text/xml")
        .timeout(state.handler_timeout + ANSWER_MARGIN)
        .body(signed.body)
        .send()
        .await
        .map_err(|error| error.without_url().to_string())?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|error| error.without_url().to_string())?;
    let took = started.elapsed();
    let mut result = SimResult {
        status: status.to_string(),
        mode: account.mode.as_str(),
        encrypted: signed.encrypted,
        push: pretty_xml(&push.render()),
        took: format!("{:.1} ms", took.as_secs_f64() * 1000.0),
        ..SimResult::default()
    };
    if !status.is_success() {
        result.problem = Some(String::from_utf8_lossy(&body).trim().to_owned());
        return Ok(result);
    }
    match sender.open_reply(&body, signed.encrypted) {
        Ok(Opened::Success) => {}
        Ok(Opened::Reply { xml, verified, .. }) => {
            result.reply = Some(pretty_xml(&xml));
            result.verified = verified;
        }
        Err(error) => result.problem = Some(error.to_string()),
    }
    Ok(result)
}

/// `xml` indented two spaces a level (CDATA kept as is); `xml` unchanged if it does not parse.
pub fn pretty_xml(xml: &str) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(event) => {
                if writer.write_event(event).is_err() {
                    return xml.to_owned();
                }
            }
            Err(_) => return xml.to_owned(),
        }
    }
    String::from_utf8(writer.into_inner()).unwrap_or_else(|_| xml.to_owned())
}

/// The label of a message type in `lang`.
pub fn type_label(lang: Lang, type_name: &str) -> &'static str {
    match type_name {
        "text" => i18n::t(lang, "sim.type.text"),
        "image" => i18n::t(lang, "sim.type.image"),
        "voice" => i18n::t(lang, "sim.type.voice"),
        "video" => i18n::t(lang, "sim.type.video"),
        "shortvideo" => i18n::t(lang, "sim.type.shortvideo"),
        "location" => i18n::t(lang, "sim.type.location"),
        "link" => i18n::t(lang, "sim.type.link"),
        _ => "",
    }
}

#[cfg(test)]
#[path = "simulator_test.rs"]
mod tests;
