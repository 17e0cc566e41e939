//! A whole callback request, in process, through the real actix app: the crate's routes and a
//! `State` built from a small config (three accounts: plain, compatible, safe; the README's
//! rules, then a plugin that echoes every message back as a reply of some kind).
//!
//! Method, path, query, content type and body are all fuzzed. Signatures cannot be guessed, so
//! the harness signs when the input asks it to: `signature` over the token, timestamp and
//! nonce, and `msg_signature` over the `Encrypt` value the server will read from the body.
//! Bodies are raw bytes, or pushes built from fuzzed fields (XML or JSON), optionally
//! encrypted for the account (or another appid).
//!
//! Oracles: nothing panics and no request gets a 5xx; a handshake that succeeds echoes
//! `echostr`; every 200 to a push is `success` or a reply that parses and reads back in the
//! documented shape, sealed (signature verifies, ciphertext opens) exactly when the request was
//! encrypted.
//!
//! The actix system, the app and its state are built once and reused by every run.
#![no_main]

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use actix_web::{App, web};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wxgate::internals::crypto::{self, AesKey, MsgCipher};
use wxgate::internals::dedup::Dedup;
use wxgate::internals::dispatch::Dispatcher;
use wxgate::handlers::Handler;
use wxgate::internals::state::State;
use wxgate::internals::envelope::CallbackQuery;
use wxgate::internals::metrics::Metrics;
use wxgate::internals::qr::QrCounter;
use wxgate::internals::store::Store;
use wxgate::internals::wire;
use wxgate_fuzz::{AES_KEY, APPID, Echo, TOKEN, percent_encode, read_reply};

#[derive(Arbitrary, Debug)]
enum AnyMethod {
    Get,
    Post,
    Put,
    Head,
    Delete,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Target {
    Demo,
    Compat,
    Safe,
    Account(String),
    Path(String),
    Healthz,
    Metrics,
}

#[derive(Arbitrary, Debug)]
enum Timestamp {
    Fixed,
    Digits(u64),
    Text(String),
}

impl Timestamp {
    fn text(&self) -> String {
        match self {
            Timestamp::Fixed => "1718004312".to_owned(),
            Timestamp::Digits(n) => n.to_string(),
            Timestamp::Text(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Signing {
    /// No signature at all.
    Unsigned,
    /// `signature` only: the handshake and plain pushes.
    Plain,
    /// `signature`, `encrypt_type=aes` and `msg_signature`, as WeChat sends encrypted pushes.
    Encrypted,
    /// `encrypt_type=aes` and `msg_signature` without `signature`.
    EncryptedOnly,
    /// Both signatures, made with another token.
    WrongToken,
}

#[derive(Arbitrary, Debug)]
enum EncryptType {
    Aes,
    Raw,
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Query {
    signing: Signing,
    timestamp: Option<Timestamp>,
    nonce: Option<String>,
    echostr: Option<String>,
    /// Overrides what `signing` implies.
    encrypt_type: Option<EncryptType>,
    /// Appended as they are (a repeated name is refused).
    extra: Vec<(String, String)>,
    /// When set, the whole query string, verbatim.
    raw: Option<String>,
}

#[derive(Arbitrary, Debug)]
enum ContentType {
    Absent,
    Xml,
    TextXml,
    Json,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum MsgType {
    Text,
    Image,
    Voice,
    Video,
    ShortVideo,
    Location,
    Link,
    Event,
    MiniProgramPage,
    Other(String),
}

impl MsgType {
    fn as_str(&self) -> &str {
        match self {
            MsgType::Text => "text",
            MsgType::Image => "image",
            MsgType::Voice => "voice",
            MsgType::Video => "video",
            MsgType::ShortVideo => "shortvideo",
            MsgType::Location => "location",
            MsgType::Link => "link",
            MsgType::Event => "event",
            MsgType::MiniProgramPage => "miniprogrampage",
            MsgType::Other(other) => other,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Field {
    Content,
    MsgId,
    PicUrl,
    MediaId,
    Format,
    Recognition,
    ThumbMediaId,
    LocationX,
    LocationY,
    Scale,
    Label,
    Title,
    Description,
    Url,
    Event,
    EventKey,
    Ticket,
    Latitude,
    Longitude,
    Precision,
    ScanCodeInfo,
    SendPicsInfo,
    SendLocationInfo,
    Other(String),
}

impl Field {
    fn name(&self) -> &str {
        match self {
            Field::Content => "Content",
            Field::MsgId => "MsgId",
            Field::PicUrl => "PicUrl",
            Field::MediaId => "MediaId",
            Field::Format => "Format",
            Field::Recognition => "Recognition",
            Field::ThumbMediaId => "ThumbMediaId",
            Field::LocationX => "Location_X",
            Field::LocationY => "Location_Y",
            Field::Scale => "Scale",
            Field::Label => "Label",
            Field::Title => "Title",
            Field::Description => "Description",
            Field::Url => "Url",
            Field::Event => "Event",
            Field::EventKey => "EventKey",
            Field::Ticket => "Ticket",
            Field::Latitude => "Latitude",
            Field::Longitude => "Longitude",
            Field::Precision => "Precision",
            Field::ScanCodeInfo => "ScanCodeInfo",
            Field::SendPicsInfo => "SendPicsInfo",
            Field::SendLocationInfo => "SendLocationInfo",
            Field::Other(name) => name,
        }
    }
}

/// A push built from fields, so the fuzzer reaches the typed message, dedup and dispatch
/// without having to invent well-formed XML first.
#[derive(Arbitrary, Debug)]
struct Push {
    json: bool,
    to_user: String,
    from_user: String,
    create_time: Timestamp,
    msg_type: MsgType,
    fields: Vec<(Field, String)>,
}

impl Push {
    fn render(&self) -> Vec<u8> {
        let create_time = self.create_time.text();
        let mut all: Vec<(&str, &str)> = vec![
            ("ToUserName", &self.to_user),
            ("FromUserName", &self.from_user),
            ("CreateTime", &create_time),
            ("MsgType", self.msg_type.as_str()),
        ];
        all.extend(self.fields.iter().map(|(f, v)| (f.name(), v.as_str())));
        if self.json {
            let members: Vec<String> = all
                .iter()
                .map(|(name, value)| {
                    let value = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
                        (*value).to_owned()
                    } else {
                        json_string(value)
                    };
                    format!("{}:{value}", json_string(name))
                })
                .collect();
            format!("{{{}}}", members.join(",")).into_bytes()
        } else {
            let mut xml = String::from("<xml>");
            for (name, value) in all {
                xml.push_str(&format!("<{name}>"));
                escape_into(&mut xml, value);
                xml.push_str(&format!("</{name}>"));
            }
            xml.push_str("</xml>");
            xml.into_bytes()
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Plaintext {
    Raw(Vec<u8>),
    Push(Push),
}

impl Plaintext {
    fn render(&self) -> Vec<u8> {
        match self {
            Plaintext::Raw(bytes) => bytes.clone(),
            Plaintext::Push(push) => push.render(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Body {
    Raw(Vec<u8>),
    Push(Push),
    Encrypted {
        plaintext: Plaintext,
        /// Encrypted for this appid instead of the account's.
        other_appid: Option<String>,
        json_envelope: bool,
    },
}

impl Body {
    fn render(&self) -> Vec<u8> {
        match self {
            Body::Raw(bytes) => bytes.clone(),
            Body::Push(push) => push.render(),
            Body::Encrypted {
                plaintext,
                other_appid,
                json_envelope,
            } => {
                let key = AesKey::from_encoding_aes_key(AES_KEY).expect("the sample key");
                let cipher = MsgCipher::new(&key, other_appid.as_deref().unwrap_or(APPID));
                let encrypt = cipher.encrypt_with_random(&[7; 16], &plaintext.render());
                if *json_envelope {
                    format!("{{\"ToUserName\":\"gh_test\",\"Encrypt\":\"{encrypt}\"}}").into_bytes()
                } else {
                    format!(
                        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>\
                         <Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
                    )
                    .into_bytes()
                }
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: AnyMethod,
    target: Target,
    query: Query,
    content_type: ContentType,
    body: Body,
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(ch),
        }
    }
}

/// The query string for `query`, signed for `body` as asked.
fn query_string(query: &Query, body: &[u8], content_type: Option<&str>) -> String {
    if let Some(raw) = &query.raw {
        return raw.clone();
    }
    let timestamp = query.timestamp.as_ref().map(Timestamp::text);
    let ts = timestamp.as_deref().unwrap_or("");
    let nonce = query.nonce.as_deref().unwrap_or("");
    let token = match query.signing {
        Signing::WrongToken => "not-the-token",
        _ => TOKEN,
    };
    // What the server will read as Encrypt, so that msg_signature matches it.
    let encrypt = wire::decode(wire::detect(content_type, body), body)
        .ok()
        .and_then(|fields| fields.text("Encrypt").map(str::to_owned))
        .unwrap_or_default();
    let signature = crypto::sign(&[token, ts, nonce]);
    let msg_signature = crypto::sign(&[token, ts, nonce, &encrypt]);

    let mut params: Vec<(String, String)> = Vec::new();
    let (plain, encrypted) = match query.signing {
        Signing::Unsigned => (false, false),
        Signing::Plain => (true, false),
        Signing::Encrypted | Signing::WrongToken => (true, true),
        Signing::EncryptedOnly => (false, true),
    };
    if plain {
        params.push(("signature".into(), signature));
    }
    if let Some(ts) = &timestamp {
        params.push(("timestamp".into(), ts.clone()));
    }
    if let Some(nonce) = &query.nonce {
        params.push(("nonce".into(), nonce.clone()));
    }
    if let Some(echostr) = &query.echostr {
        params.push(("echostr".into(), echostr.clone()));
    }
    params.push(("openid".into(), "o_user".into()));
    let encrypt_type = match &query.encrypt_type {
        Some(EncryptType::Aes) => Some("aes".to_owned()),
        Some(EncryptType::Raw) => Some("raw".to_owned()),
        Some(EncryptType::Other(other)) => Some(other.clone()),
        None if encrypted => Some("aes".to_owned()),
        None => None,
    };
    if let Some(encrypt_type) = encrypt_type {
        params.push(("encrypt_type".into(), encrypt_type));
    }
    if encrypted {
        params.push(("msg_signature".into(), msg_signature));
    }
    params.extend(query.extra.iter().cloned());
    params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

type Call = dyn Fn(actix_http::Request) -> (StatusCode, Bytes);

/// Builds the actix system, the state and the app once; the returned function runs one request
/// on them.
fn harness() -> &'static Call {
    let runner = actix_web::rt::System::new();
    let app = runner.block_on(async {
        let config = wxgate_fuzz::config();
        let metrics = Arc::new(Metrics::new(
            config.accounts.iter().map(|a| a.name.as_str()),
        ));
        let echo: Arc<dyn Handler> = Arc::new(Echo);
        let accounts = wxgate_fuzz::accounts(&config, &[echo], &metrics);
        let dedup = Dedup::new(
            config.dedup.capacity,
            std::time::Duration::from_secs(config.dedup.ttl_secs),
        );
        let store = Store::open(&config.storage.database)
            .await
            .expect("an in-memory store");
        let state = State {
            accounts,
            dispatcher: Dispatcher::new(dedup, None, QrCounter::default()),
            metrics,
            max_body_bytes: config.server.max_body_bytes,
            handler_timeout: std::time::Duration::from_millis(config.server.handler_timeout_ms),
            max_clock_skew_secs: config.server.max_clock_skew_secs,
            admin_token: None,
            store,
        };
        test::init_service(
            App::new()
                .app_data(web::Data::new(state))
                .configure(wxgate::internals::surfaces::routes),
        )
        .await
    });
    Box::leak(Box::new(move |request| {
        runner.block_on(async {
            let response = test::call_service(&app, request).await;
            let status = response.status();
            (status, test::read_body(response).await)
        })
    }))
}

thread_local! {
    static CALL: &'static Call = harness();
}

fn cipher() -> MsgCipher {
    MsgCipher::new(
        &AesKey::from_encoding_aes_key(AES_KEY).expect("the sample key"),
        APPID,
    )
}

/// Reads a fuzz input. `!`, a flags byte, then a body is the seed format: a push replayed as
/// WeChat would send it (the seeds from `tests/fixtures` use it); anything else is an
/// arbitrary [`Input`].
///
/// Flags: bits 0-1 the account (demo, compat, safe, unknown), bit 2 encrypted (the body is the
/// plaintext), bit 3 JSON (content type and envelope), bit 4 a GET handshake.
fn input(data: &[u8]) -> Option<Input> {
    if let [b'!', flags, body @ ..] = data {
        let encrypted = flags & 4 != 0;
        let json = flags & 8 != 0;
        return Some(Input {
            method: if flags & 16 != 0 {
                AnyMethod::Get
            } else {
                AnyMethod::Post
            },
            target: match flags & 3 {
                0 => Target::Demo,
                1 => Target::Compat,
                2 => Target::Safe,
                _ => Target::Account("unknown".into()),
            },
            query: Query {
                signing: if encrypted {
                    Signing::Encrypted
                } else {
                    Signing::Plain
                },
                timestamp: Some(Timestamp::Fixed),
                nonce: Some("1234567".into()),
                echostr: (flags & 16 != 0).then(|| "it-works".into()),
                encrypt_type: None,
                extra: Vec::new(),
                raw: None,
            },
            content_type: if json {
                ContentType::Json
            } else {
                ContentType::TextXml
            },
            body: if encrypted {
                Body::Encrypted {
                    plaintext: Plaintext::Raw(body.to_vec()),
                    other_appid: None,
                    json_envelope: json,
                }
            } else {
                Body::Raw(body.to_vec())
            },
        });
    }
    Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = input(data) else {
        return;
    };
    let method = match &input.method {
        AnyMethod::Get => Method::GET,
        AnyMethod::Post => Method::POST,
        AnyMethod::Put => Method::PUT,
        AnyMethod::Head => Method::HEAD,
        AnyMethod::Delete => Method::DELETE,
        AnyMethod::Other(name) => match Method::from_bytes(name.as_bytes()) {
            Ok(method) => method,
            Err(_) => return,
        },
    };
    let path = match &input.target {
        Target::Demo => "/wx/demo".to_owned(),
        Target::Compat => "/wx/compat".to_owned(),
        Target::Safe => "/wx/safe".to_owned(),
        Target::Account(name) => format!("/wx/{}", percent_encode(name)),
        Target::Path(path) => format!("/{}", percent_encode(path).replace("%2F", "/")),
        Target::Healthz => "/healthz".to_owned(),
        Target::Metrics => "/metrics".to_owned(),
    };
    let content_type = match &input.content_type {
        ContentType::Absent => None,
        ContentType::Xml => Some("application/xml".to_owned()),
        ContentType::TextXml => Some("text/xml; charset=utf-8".to_owned()),
        ContentType::Json => Some("application/json".to_owned()),
        ContentType::Other(other) => Some(other.clone()),
    };
    let content_type =
        content_type.filter(|value| actix_web::http::header::HeaderValue::from_str(value).is_ok());
    let body = input.body.render();
    let query = query_string(&input.query, &body, content_type.as_deref());

    let uri = format!("{path}?{query}");
    if actix_web::http::Uri::try_from(uri.as_str()).is_err() {
        // No HTTP client can send it, and no server would route it.
        return;
    }
    let mut request = TestRequest::default().method(method.clone()).uri(&uri);
    if let Some(value) = &content_type {
        request = request.insert_header(("content-type", value.as_str()));
    }
    let request = request.set_payload(body).to_request();
    let (status, response) = CALL.with(|call| call(request));

    assert!(
        !status.is_server_error(),
        "{status} for {method} {uri}: {response:?}"
    );
    let is_callback = matches!(
        input.target,
        Target::Demo | Target::Compat | Target::Safe | Target::Account(_)
    );
    if !is_callback || status != StatusCode::OK {
        return;
    }
    let parsed_query = CallbackQuery::parse(&query).expect("the server accepted this query");
    if method == Method::GET {
        assert_eq!(
            Some(response.as_ref()),
            parsed_query.echostr().ok().map(str::as_bytes),
            "the handshake echoes echostr"
        );
        return;
    }
    if response.as_ref() == b"success" {
        return;
    }
    let fields = wire::parse_xml(&response).unwrap_or_else(|err| {
        panic!("reply to {uri} is not XML: {err}: {response:?}");
    });
    let reply = if parsed_query.encrypted {
        let text = |name: &str| {
            fields
                .text(name)
                .unwrap_or_else(|| panic!("sealed reply without {name}: {response:?}"))
        };
        let (encrypt, signature) = (text("Encrypt"), text("MsgSignature"));
        let (timestamp, nonce) = (text("TimeStamp"), text("Nonce"));
        assert!(
            crypto::verify(signature, &[TOKEN, timestamp, nonce, encrypt]),
            "the sealed reply's msg_signature verifies"
        );
        let plaintext = cipher().decrypt(encrypt).expect("the sealed reply opens");
        wire::parse_xml(&plaintext).expect("the sealed reply is XML")
    } else {
        assert!(
            fields.get("Encrypt").is_none(),
            "a plain push got a sealed reply"
        );
        fields
    };
    if let Err(err) = read_reply(&reply) {
        panic!("reply to {uri} has the wrong shape: {err}: {reply:?}");
    }
});
