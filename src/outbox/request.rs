//! Send requests: parsing and the rules.
//!
//! An app's body for `POST /api/accounts/{name}/messages` is one of three kinds:
//!
//! - `{"kind": "template", "to", "template_id", "url"?, "miniprogram"?: {"appid", "pagepath"},
//!   "data": {KEY: {"value", "color"?}}}`: a template message, official accounts only
//!   (`message/template/send`);
//! - `{"kind": "subscribe", "to", "template_id", "page"?, "data": {KEY: {"value"}}}`: a
//!   subscription message, with `miniprogram`? on an official account
//!   (`message/subscribe/bizsend`), with `miniprogram_state`? and `lang`? on a mini program
//!   (`message/subscribe/send`);
//! - `{"kind": "custom", "to", "reply": REPLY}`: a customer-service message
//!   (`message/custom/send`), REPLY in the shape of the auto-reply rules' replies
//!   (`{"text": "hi"}`, `{"image": {"media_id": "..."}}`, `{"news": [ARTICLE]}`, ...) that the
//!   customer-service API can send: text, image, voice, video, music, news with one article. A
//!   transfer to customer service is a passive reply only, and refused.
//!
//! [`parse`] reads a body in two steps, as the admin API does. First the JSON and its shape: a
//! body that is not JSON, has a value of the wrong JSON type, or has a field its kind of
//! message does not take is [`RequestError::Malformed`] (answer 400), every such fault in its
//! message. Then the rules: an unknown or missing `kind`, a missing field, a `to` empty or over
//! [`MAX_TO_BYTES`] bytes, a subscription value longer than its keyword type allows
//! ([`SUBSCRIBE_VALUE_LIMITS`])... are [`RequestError::Invalid`] (answer 422), with every
//! [`Problem`] at once, each at a JSON path such as `data.thing1.value`. A `null` is taken as
//! an absent field.
//!
//! What comes out is a [`SendRequest`]: the kind, the recipient, and the JSON body WeChat takes,
//! ready to store and send (a template message's `client_msg_id` is added when it is sent).
//! The customer-service body is built by the API client's own code, so that the outbox sends
//! what a late reply sends. [`body_hash`] hashes a body's canonical JSON, so that a retried
//! request matches its first copy whatever its key order and whitespace.

pub use crate::store::MessageKind;
use std::collections::BTreeMap;

use serde::Deserialize as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use wxgate_handlers::Reply;
use wxgate_handlers::api::{
    MiniProgramLink, SubscribeMessage, SubscribeValue, TemplateMessage, TemplateValue,
};

use crate::api::custom_message;
use crate::config::{AccountKind, quote};

/// The longest `to` (an OpenID), in bytes.
pub const MAX_TO_BYTES: usize = 128;

/// The longest idempotency key, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// The longest value of each keyword type of a subscription message, in characters. A key's
/// type is its name without the trailing digits: `thing1` is a `thing`. Keys of other types
/// (`time`, `date`, `amount`, ...) are not measured.
pub const SUBSCRIBE_VALUE_LIMITS: [(&str, usize); 9] = [
    ("thing", 20),
    ("number", 32),
    ("letter", 32),
    ("symbol", 5),
    ("character_string", 32),
    ("phone_number", 17),
    ("car_number", 8),
    ("name", 10),
    ("phrase", 5),
];

/// A mini program's `miniprogram_state` words: which version of it the message opens.
const MINIPROGRAM_STATES: [&str; 3] = ["developer", "trial", "formal"];
/// A mini program's `lang` words: the language the message is shown in.
const LANGS: [&str; 4] = ["zh_CN", "en_US", "zh_HK", "zh_TW"];
/// The replies the customer-service API sends.
const REPLY_KINDS: [&str; 7] = [
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "miniprogrampage",
];
/// The `kind` words, for messages.
const KINDS: &str = "`template`, `subscribe` or `custom`";

/// A send request that keeps the rules: what the outbox stores and the sender sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    /// The kind of message.
    pub kind: MessageKind,
    /// The recipient's OpenID, 1 to [`MAX_TO_BYTES`] bytes.
    pub to: String,
    /// WeChat's JSON body, without client_msg_id: stored, then sent as it is (a template
    /// message gets its `client_msg_id`, the message's id, when it is sent).
    pub payload: Value,
}

/// One rule a well-formed body breaks: answer 422 with the whole list, as the admin API does.
/// The handlers crate's type, so plugins that enqueue get the same problems.
pub use wxgate_handlers::outbox::Problem;

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// 400: not JSON, or wrong JSON types (or a field the message's kind does not take); the
    /// message names every such fault.
    #[error("{0}")]
    Malformed(String),
    /// 422: every rule broken, each at its JSON path.
    #[error("{} problem(s) with the request", .0.len())]
    Invalid(Vec<Problem>),
}

/// Parses and checks a body for an account of `account_kind`.
///
/// Template messages are for official accounts only. A subscription message's payload is the
/// body of `message/subscribe/bizsend` for an official account, of `message/subscribe/send`
/// (with `page`, `miniprogram_state`, `lang`) for a mini program. A customer-service message's
/// `reply` is one of the rules' reply shapes (as [`Reply`] deserializes them) that the
/// customer-service API can send, `transfer_customer_service` refused; its payload is the
/// customer-service JSON the API client builds for that reply.
pub fn parse(body: &[u8], account_kind: AccountKind) -> Result<SendRequest, RequestError> {
    let value = json(body)?;
    let Value::Object(object) = &value else {
        return Err(RequestError::Malformed(format!(
            "the request body must be a JSON object, found {}",
            type_name(&value)
        )));
    };
    let mut found = Findings::default();
    let kind = message_kind(&mut found, object, account_kind);
    let to = recipient(&mut found, object);
    let payload = match kind {
        Some(MessageKind::Template) => template(&mut found, object, to),
        Some(MessageKind::Subscribe) => subscribe(&mut found, object, to, account_kind),
        Some(MessageKind::Custom) => custom(&mut found, object, to),
        None => None,
    };
    found.finish()?;
    match (kind, to, payload) {
        (Some(kind), Some(to), Some(payload)) => Ok(SendRequest {
            kind,
            to: to.to_owned(),
            payload,
        }),
        // Every way to get here records a fault first; kept as an answer, not a panic.
        _ => Err(RequestError::Malformed(
            "the request body could not be read".to_owned(),
        )),
    }
}

/// SHA-256 hex of the canonical JSON (object keys sorted, no whitespace): the same JSON value
/// hashes the same.
///
/// Strings are compared as the text they hold (`"\u00e9"` and `"é"` are the same); numbers as
/// serde_json reads them (a send request holds none).
pub fn body_hash(body: &[u8]) -> Result<String, RequestError> {
    let value = json(body)?;
    let mut canonical = String::with_capacity(body.len());
    write_canonical(&value, &mut canonical);
    Ok(hex(&Sha256::digest(canonical.as_bytes())))
}

/// Whether `key` may be an idempotency key: 1 to [`MAX_KEY_LEN`] characters from `!` to `~`
/// (0x21 to 0x7E). The send API's `Idempotency-Key` header and plugins' keys keep this rule.
pub fn valid_key(key: &[u8]) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// `body` as JSON, or why not.
fn json(body: &[u8]) -> Result<Value, RequestError> {
    serde_json::from_slice(body)
        .map_err(|e| RequestError::Malformed(format!("the request body is not valid JSON: {e}")))
}

/// Appends the canonical JSON of `value` to `out`: object keys in byte order, no whitespace.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            // serde_json's map is sorted already, unless a dependency turns on its
            // `preserve_order` feature: sorting here keeps the hash the same either way.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// `kind`; a template for a mini program is a problem (and still a template, so that the rest
/// of the body is checked too).
fn message_kind(
    found: &mut Findings,
    object: &Map<String, Value>,
    account_kind: AccountKind,
) -> Option<MessageKind> {
    if field(object, "kind").is_none() {
        found.problem("kind", format!("missing required field: one of {KINDS}"));
        return None;
    }
    let kind = match found.string(object, "", "kind")? {
        "template" => MessageKind::Template,
        "subscribe" => MessageKind::Subscribe,
        "custom" => MessageKind::Custom,
        other => {
            found.problem(
                "kind",
                format!("unknown kind {}: one of {KINDS}", quote(other)),
            );
            return None;
        }
    };
    if kind == MessageKind::Template && account_kind == AccountKind::MiniProgram {
        found.problem(
            "kind",
            "template messages are for official accounts, and this account is a mini program: \
             send a `subscribe` message",
        );
    }
    Some(kind)
}

/// `to`: 1 to [`MAX_TO_BYTES`] bytes.
fn recipient<'v>(found: &mut Findings, object: &'v Map<String, Value>) -> Option<&'v str> {
    let to = found.required_string(object, "", "to")?;
    if to.is_empty() {
        found.problem("to", "must not be empty");
        return None;
    }
    if to.len() > MAX_TO_BYTES {
        found.problem(
            "to",
            format!("is {} bytes long, more than {MAX_TO_BYTES}", to.len()),
        );
        return None;
    }
    Some(to)
}

/// A template message: the body of `message/template/send`.
fn template(found: &mut Findings, object: &Map<String, Value>, to: Option<&str>) -> Option<Value> {
    found.unknown_fields(
        object,
        "",
        &["kind", "to", "template_id", "url", "miniprogram", "data"],
    );
    let template_id = found.required_text(object, "", "template_id");
    let url = found.string(object, "", "url");
    let miniprogram = mini_program_link(found, object);
    let mut data = BTreeMap::new();
    for (key, path, entry) in data_entries(found, object, &["value", "color"]) {
        let value = found.required_string(entry, &path, "value");
        let color = found.string(entry, &path, "color");
        if let Some(value) = value {
            let value = TemplateValue {
                value: value.to_owned(),
                color: color.map(str::to_owned),
            };
            data.insert(key.to_owned(), value);
        }
    }
    let message = TemplateMessage {
        to_user: to?.to_owned(),
        template_id: template_id?.to_owned(),
        url: url.map(str::to_owned),
        miniprogram,
        client_msg_id: None,
        data,
    };
    serde_json::to_value(message).ok()
}

/// A subscription message: the body of `message/subscribe/bizsend` (official accounts) or
/// `message/subscribe/send` (mini programs).
fn subscribe(
    found: &mut Findings,
    object: &Map<String, Value>,
    to: Option<&str>,
    account_kind: AccountKind,
) -> Option<Value> {
    found.unknown_fields(
        object,
        "",
        &[
            "kind",
            "to",
            "template_id",
            "page",
            "miniprogram",
            "miniprogram_state",
            "lang",
            "data",
        ],
    );
    let template_id = found.required_text(object, "", "template_id");
    let page = found.string(object, "", "page");
    let miniprogram = mini_program_link(found, object);
    let state = found.string(object, "", "miniprogram_state");
    let lang = found.string(object, "", "lang");
    let mini_program = account_kind == AccountKind::MiniProgram;
    if mini_program {
        if field(object, "miniprogram").is_some() {
            found.problem(
                "miniprogram",
                "is for official accounts: a mini program's subscription message opens `page` \
                 in the mini program itself",
            );
        }
        one_of(found, "miniprogram_state", state, &MINIPROGRAM_STATES);
        one_of(found, "lang", lang, &LANGS);
    } else {
        for key in ["miniprogram_state", "lang"] {
            if field(object, key).is_some() {
                found.problem(
                    key,
                    format!(
                        "is for mini programs: an official account's subscription messages \
                         (message/subscribe/bizsend) have no `{key}`"
                    ),
                );
            }
        }
    }
    let mut data = BTreeMap::new();
    for (key, path, entry) in data_entries(found, object, &["value"]) {
        let Some(value) = found.required_string(entry, &path, "value") else {
            continue;
        };
        if let Some((kind, limit)) = value_limit(key) {
            let chars = value.chars().count();
            if chars > limit {
                found.problem(
                    join(&path, "value"),
                    format!("is {chars} characters long, more than {limit} for a `{kind}` value"),
                );
            }
        }
        let value = SubscribeValue {
            value: value.to_owned(),
        };
        data.insert(key.to_owned(), value);
    }
    let message = SubscribeMessage {
        to_user: to?.to_owned(),
        template_id: template_id?.to_owned(),
        page: page.map(str::to_owned),
        miniprogram: miniprogram.filter(|_| !mini_program),
        data,
    };
    let mut payload = serde_json::to_value(message).ok()?;
    if let (true, Value::Object(body)) = (mini_program, &mut payload) {
        for (key, value) in [("miniprogram_state", state), ("lang", lang)] {
            if let Some(value) = value {
                body.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    Some(payload)
}

/// A problem at `key` when `value` is given and not one of `words`.
fn one_of(found: &mut Findings, key: &str, value: Option<&str>, words: &[&str]) {
    if let Some(value) = value.filter(|value| !words.contains(value)) {
        found.problem(
            key,
            format!("unknown value {}: one of {}", quote(value), list(words)),
        );
    }
}

/// The keyword type of a subscription message's key and its longest value, when measured.
fn value_limit(key: &str) -> Option<(&'static str, usize)> {
    let kind = key.trim_end_matches(|c: char| c.is_ascii_digit());
    SUBSCRIBE_VALUE_LIMITS
        .into_iter()
        .find(|&(name, _)| name == kind)
}

/// The entries of the required object `data`, each an object with no field but `fields`: its
/// key, its path and its fields.
fn data_entries<'v>(
    found: &mut Findings,
    object: &'v Map<String, Value>,
    fields: &[&str],
) -> Vec<(&'v str, String, &'v Map<String, Value>)> {
    let Some(data) = found.required_object(object, "", "data") else {
        return Vec::new();
    };
    let mut entries = Vec::with_capacity(data.len());
    for (key, value) in data {
        let path = join("data", key);
        match value {
            Value::Object(entry) => {
                found.unknown_fields(entry, &path, fields);
                entries.push((key.as_str(), path, entry));
            }
            other => found.wrong_type(&path, "an object such as {\"value\": \"...\"}", other),
        }
    }
    entries
}

/// The optional `miniprogram`: `{"appid", "pagepath"}`.
fn mini_program_link(found: &mut Findings, object: &Map<String, Value>) -> Option<MiniProgramLink> {
    let link = found.object(object, "", "miniprogram")?;
    found.unknown_fields(link, "miniprogram", &["appid", "pagepath"]);
    let appid = found.required_text(link, "miniprogram", "appid");
    let pagepath = found.required_string(link, "miniprogram", "pagepath");
    Some(MiniProgramLink {
        appid: appid?.to_owned(),
        pagepath: pagepath?.to_owned(),
    })
}

/// A customer-service message: the body of `message/custom/send`, built by the API client.
fn custom(found: &mut Findings, object: &Map<String, Value>, to: Option<&str>) -> Option<Value> {
    found.unknown_fields(object, "", &["kind", "to", "reply"]);
    if let Some(page) = field(object, "reply")
        .and_then(Value::as_object)
        .filter(|shape| shape.len() == 1)
        .and_then(|shape| shape.get("miniprogrampage"))
    {
        return mini_program_page(found, page, to);
    }
    let reply = reply(found, object)?;
    match custom_message(to?, &reply) {
        Ok(payload) => Some(payload),
        Err(e) => {
            found.problem("reply", e.to_string());
            None
        }
    }
}

/// `reply.miniprogrampage`: a mini-program card. The customer-service API sends one, but no
/// passive reply can be one, so it is not among the rules' reply shapes.
fn mini_program_page(found: &mut Findings, value: &Value, to: Option<&str>) -> Option<Value> {
    const PATH: &str = "reply.miniprogrampage";
    let Value::Object(page) = value else {
        found.wrong_type(
            PATH,
            "an object {\"title\", \"appid\", \"pagepath\", \"thumb_media_id\"}",
            value,
        );
        return None;
    };
    found.unknown_fields(
        page,
        PATH,
        &["title", "appid", "pagepath", "thumb_media_id"],
    );
    let title = found.required_string(page, PATH, "title");
    let appid = found.required_text(page, PATH, "appid");
    let pagepath = found.required_string(page, PATH, "pagepath");
    let thumb_media_id = found.required_text(page, PATH, "thumb_media_id");
    Some(serde_json::json!({
        "touser": to?,
        "msgtype": "miniprogrampage",
        "miniprogrampage": {
            "title": title?,
            "appid": appid?,
            "pagepath": pagepath?,
            "thumb_media_id": thumb_media_id?,
        },
    }))
}

/// `reply`: one reply of [`REPLY_KINDS`] in the rules' shape, news with one article (a
/// `miniprogrampage` is read by [`mini_program_page`]).
fn reply(found: &mut Findings, object: &Map<String, Value>) -> Option<Reply> {
    let Some(value) = field(object, "reply") else {
        found.problem(
            "reply",
            format!(
                "missing required field: a reply such as {{\"text\": \"...\"}}, one of {}",
                list(&REPLY_KINDS)
            ),
        );
        return None;
    };
    let Value::Object(shape) = value else {
        found.wrong_type("reply", "an object such as {\"text\": \"...\"}", value);
        return None;
    };
    let mut kinds = shape.iter();
    let (kind, inner) = match (kinds.next(), kinds.next()) {
        (Some(only), None) => only,
        (None, _) => {
            found.problem(
                "reply",
                format!("is empty: give one of {}", list(&REPLY_KINDS)),
            );
            return None;
        }
        (Some(_), Some(_)) => {
            let names: Vec<&str> = shape.keys().map(String::as_str).collect();
            found.problem(
                "reply",
                format!(
                    "holds {} replies ({}); a message is one of them",
                    names.len(),
                    list(&names)
                ),
            );
            return None;
        }
    };
    let path = join("reply", kind);
    if kind == "transfer_customer_service" {
        found.problem(
            path,
            "a transfer to customer service is a passive reply only: the customer-service API \
             cannot send it",
        );
        return None;
    }
    if !REPLY_KINDS.contains(&kind.as_str()) {
        found.problem(
            path,
            format!(
                "unknown reply {}: one of {}",
                quote(kind),
                list(&REPLY_KINDS)
            ),
        );
        return None;
    }
    let mut inner_path = path;
    if let Value::Array(articles) = inner {
        if articles.len() != 1 {
            found.problem(
                inner_path,
                format!(
                    "has {} articles; a customer-service message carries exactly one",
                    articles.len()
                ),
            );
            return None;
        }
        inner_path.push_str("[0]");
    }
    match Reply::deserialize(value) {
        Ok(reply) => Some(reply),
        Err(e) => {
            let message = e.to_string();
            match missing_field(&message) {
                Some(name) => found.problem(join(&inner_path, name), "missing required field"),
                None => found.shape.push(format!("`{inner_path}`: {message}")),
            }
            None
        }
    }
}

/// The field serde's "missing field `x`" names.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|name| !name.is_empty())
}

/// What a walk over a body found: faults of shape (answer 400) and broken rules (answer 422).
#[derive(Debug, Default)]
struct Findings {
    /// Wrong JSON types and unknown fields.
    shape: Vec<String>,
    /// Broken rules.
    problems: Vec<Problem>,
}

impl Findings {
    /// Records a broken rule at `path`.
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// Records a value of the wrong JSON type at `path`.
    fn wrong_type(&mut self, path: &str, expected: &str, found: &Value) {
        self.shape.push(format!(
            "`{path}` must be {expected}, found {}",
            type_name(found)
        ));
    }

    /// Records every field of `object` (at `path`) that is not one of `known`.
    fn unknown_fields(&mut self, object: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
            self.shape.push(format!(
                "unknown field `{}`, expected one of {}",
                join(path, key),
                list(known)
            ));
        }
    }

    /// The string `key` of `object` (at `path`): `None` when absent, or not a string (then
    /// recorded).
    fn string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v str> {
        let value = field(object, key)?;
        let text = value.as_str();
        if text.is_none() {
            self.wrong_type(&join(path, key), "a string", value);
        }
        text
    }

    /// Like [`Findings::string`], and a problem when absent.
    fn required_string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v str> {
        if field(object, key).is_none() {
            self.problem(join(path, key), "missing required field");
            return None;
        }
        self.string(object, path, key)
    }

    /// Like [`Findings::required_string`], and a problem when empty.
    fn required_text<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v str> {
        let text = self.required_string(object, path, key)?;
        if text.is_empty() {
            self.problem(join(path, key), "must not be empty");
            return None;
        }
        Some(text)
    }

    /// The object `key` of `object` (at `path`): `None` when absent, or not an object (then
    /// recorded).
    fn object<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v Map<String, Value>> {
        let value = field(object, key)?;
        let inner = value.as_object();
        if inner.is_none() {
            self.wrong_type(&join(path, key), "an object", value);
        }
        inner
    }

    /// Like [`Findings::object`], and a problem when absent.
    fn required_object<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v Map<String, Value>> {
        if field(object, key).is_none() {
            self.problem(join(path, key), "missing required field");
            return None;
        }
        self.object(object, path, key)
    }

    /// Faults of shape first (400), then broken rules (422).
    fn finish(self) -> Result<(), RequestError> {
        if !self.shape.is_empty() {
            return Err(RequestError::Malformed(format!(
                "the request body does not have the expected shape: {}",
                self.shape.join("; ")
            )));
        }
        if !self.problems.is_empty() {
            return Err(RequestError::Invalid(self.problems));
        }
        Ok(())
    }
}

/// The value of `key` in `object`; `None` when absent or `null`.
fn field<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).filter(|value| !value.is_null())
}

/// The path of `key` inside `path`: `data.thing1`, or `data["odd key"]` for a key that is not
/// letters, digits, `_` and `-`.
fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), bare) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_owned())),
    }
}

/// "a string", "an object", ... for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `` `a`, `b`, `c` ``.
fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("`{word}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "request_test.rs"]
mod tests;
