//! What the fuzz targets share: the accounts they push to, the oracles that read a rendered
//! reply back, and small encoders.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use wxgate::Config;
use wxgate::internals::account::{Accounts, Plugin};
use wxgate::handlers::{
    Article, Context, Fields, Handler, Media, Message, Music, Outcome, Reply, Transfer, Value,
    Video, async_trait,
};
use wxgate::internals::metrics::Metrics;

/// Tencent's sample EncodingAESKey (public).
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// The appid of every account.
pub const APPID: &str = "wx1234567890abcdef";
/// The callback Token of every account.
pub const TOKEN: &str = "callback-token";
/// `server.max_body_bytes` of the fuzzed gateway: small enough for the fuzzer to cross.
pub const MAX_BODY_BYTES: usize = 2048;

/// A small config: `demo` (plain), `compat` (compatible) and `safe`, with the README's rules,
/// no clock check (so a signed request replays the same way forever) and no network.
pub fn config_text() -> String {
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
        "[server]\nlisten = \"127.0.0.1:0\"\nhandler_timeout_ms = 1000\nmax_clock_skew_secs = 0\n\
         max_body_bytes = {MAX_BODY_BYTES}\n\n[dedup]\nttl_secs = 60\ncapacity = 10000\n\n\
         [storage]\ndatabase = \"sqlite::memory:\"\n"
    );
    for (name, mode) in [
        ("demo", "plain"),
        ("compat", "compatible"),
        ("safe", "safe"),
    ] {
        text.push_str(&format!(
            "\n[[accounts]]\nname = \"{name}\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\n\
             encoding_aes_key = \"{AES_KEY}\"\nmode = \"{mode}\"\n{rules}"
        ));
    }
    text
}

/// The parsed [`config_text`].
pub fn config() -> Config {
    Config::parse(&config_text(), "fuzz.toml").expect("the fuzz config is valid")
}

/// The accounts of `config`, with `extra` plugins after the rules.
pub fn accounts(config: &Config, extra: &[Arc<dyn Handler>], metrics: &Metrics) -> Accounts {
    static HTTP: LazyLock<reqwest::Client> = LazyLock::new(reqwest::Client::new);
    let extra: Vec<Plugin> = extra.iter().cloned().map(Plugin::everywhere).collect();
    Accounts::build(
        &config.accounts,
        &extra,
        metrics,
        &HTTP,
        Duration::from_millis(config.server.upstream_timeout_ms),
        None,
    )
    .expect("the fuzz config's accounts build")
}

/// A plugin that answers every message, so replies of every kind carrying the sender's own
/// text go through rendering (and sealing) on the real path.
///
/// The reply kind comes from the text's length; its strings are the text itself.
pub struct Echo;

#[async_trait]
impl Handler for Echo {
    async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
        let message = ctx.message();
        let text = message
            .text_content()
            .or(message.event_key())
            .unwrap_or(message.msg_type())
            .to_owned();
        echo_reply(text).into()
    }
}

/// The reply [`Echo`] gives for `text`.
pub fn echo_reply(text: String) -> Reply {
    let media = || Media {
        media_id: text.clone(),
    };
    match text.len() % 8 {
        0 => Reply::Text(text),
        1 => Reply::Image(media()),
        2 => Reply::Voice(media()),
        3 => Reply::Video(Video {
            media_id: text.clone(),
            title: text.clone(),
            description: text,
        }),
        4 => Reply::Music(Music {
            title: text.clone(),
            description: text.clone(),
            music_url: text.clone(),
            hq_music_url: text.clone(),
            thumb_media_id: text,
        }),
        5 => Reply::News(vec![
            Article {
                title: text.clone(),
                description: text.clone(),
                pic_url: text.clone(),
                url: text,
            };
            3
        ]),
        6 => Reply::TransferCustomerService(Transfer {
            kf_account: Some(text),
        }),
        _ => Reply::TransferCustomerService(Transfer::default()),
    }
}

/// Whether XML 1.0 allows `ch` (its `Char` production).
pub fn is_xml_char(ch: char) -> bool {
    matches!(ch, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// What a rendered reply carries of `text`: the characters XML cannot hold become U+FFFD.
pub fn carried(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if is_xml_char(ch) {
                ch
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

/// The reply with every string as a rendered reply carries it.
pub fn carried_reply(reply: &Reply) -> Reply {
    let media = |m: &Media| Media {
        media_id: carried(&m.media_id),
    };
    match reply {
        Reply::Text(text) => Reply::Text(carried(text)),
        Reply::Image(m) => Reply::Image(media(m)),
        Reply::Voice(m) => Reply::Voice(media(m)),
        Reply::Video(v) => Reply::Video(Video {
            media_id: carried(&v.media_id),
            title: carried(&v.title),
            description: carried(&v.description),
        }),
        Reply::Music(m) => Reply::Music(Music {
            title: carried(&m.title),
            description: carried(&m.description),
            music_url: carried(&m.music_url),
            hq_music_url: carried(&m.hq_music_url),
            thumb_media_id: carried(&m.thumb_media_id),
        }),
        Reply::News(articles) => Reply::News(
            articles
                .iter()
                .map(|a| Article {
                    title: carried(&a.title),
                    description: carried(&a.description),
                    pic_url: carried(&a.pic_url),
                    url: carried(&a.url),
                })
                .collect(),
        ),
        Reply::TransferCustomerService(t) => Reply::TransferCustomerService(Transfer {
            kf_account: t.kf_account.as_deref().map(carried),
        }),
    }
}

/// A passive reply read back from its parsed XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReply {
    /// `ToUserName`.
    pub to_user: String,
    /// `FromUserName`.
    pub from_user: String,
    /// `CreateTime`.
    pub create_time: u64,
    /// Everything after `MsgType`.
    pub reply: Reply,
}

fn names(fields: &Fields) -> Vec<&str> {
    fields.iter().map(|(name, _)| name).collect()
}

fn text(fields: &Fields, name: &str) -> Result<String, String> {
    fields
        .text(name)
        .map(str::to_owned)
        .ok_or_else(|| format!("no text <{name}> in {fields:?}"))
}

fn node<'f>(fields: &'f Fields, name: &str, expected: &[&str]) -> Result<&'f Fields, String> {
    let node = fields
        .node(name)
        .ok_or_else(|| format!("no <{name}> node in {fields:?}"))?;
    if names(node) != expected {
        return Err(format!("<{name}> holds {:?}", names(node)));
    }
    Ok(node)
}

/// Reads a parsed passive reply, checking it holds exactly the elements of the documented
/// shape, in order.
pub fn read_reply(fields: &Fields) -> Result<ReadReply, String> {
    const HEAD: [&str; 4] = ["ToUserName", "FromUserName", "CreateTime", "MsgType"];
    let all = names(fields);
    if all.len() < HEAD.len() || all[..HEAD.len()] != HEAD {
        return Err(format!("reply starts with {all:?}"));
    }
    let rest = &all[HEAD.len()..];
    let create_time = text(fields, "CreateTime")?
        .parse::<u64>()
        .map_err(|e| format!("CreateTime: {e}"))?;
    let msg_type = text(fields, "MsgType")?;
    let media = |name: &str| -> Result<Media, String> {
        Ok(Media {
            media_id: text(node(fields, name, &["MediaId"])?, "MediaId")?,
        })
    };
    let (reply, expected_rest): (Reply, &[&str]) = match msg_type.as_str() {
        "text" => (Reply::Text(text(fields, "Content")?), &["Content"]),
        "image" => (Reply::Image(media("Image")?), &["Image"]),
        "voice" => (Reply::Voice(media("Voice")?), &["Voice"]),
        "video" => {
            let v = node(fields, "Video", &["MediaId", "Title", "Description"])?;
            let video = Video {
                media_id: text(v, "MediaId")?,
                title: text(v, "Title")?,
                description: text(v, "Description")?,
            };
            (Reply::Video(video), &["Video"])
        }
        "music" => {
            let m = node(
                fields,
                "Music",
                &[
                    "Title",
                    "Description",
                    "MusicUrl",
                    "HQMusicUrl",
                    "ThumbMediaId",
                ],
            )?;
            let music = Music {
                title: text(m, "Title")?,
                description: text(m, "Description")?,
                music_url: text(m, "MusicUrl")?,
                hq_music_url: text(m, "HQMusicUrl")?,
                thumb_media_id: text(m, "ThumbMediaId")?,
            };
            (Reply::Music(music), &["Music"])
        }
        "news" => {
            let count: usize = text(fields, "ArticleCount")?
                .parse()
                .map_err(|e| format!("ArticleCount: {e}"))?;
            // An empty <Articles></Articles> reads as empty text, not as a node.
            let articles = match fields.get("Articles") {
                Some(Value::Node(items)) => items
                    .iter()
                    .map(|(name, item)| {
                        let item = match (name, item) {
                            ("item", Value::Node(item)) => item,
                            _ => return Err(format!("<{name}> in <Articles>")),
                        };
                        if names(item) != ["Title", "Description", "PicUrl", "Url"] {
                            return Err(format!("<item> holds {:?}", names(item)));
                        }
                        Ok(Article {
                            title: text(item, "Title")?,
                            description: text(item, "Description")?,
                            pic_url: text(item, "PicUrl")?,
                            url: text(item, "Url")?,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(Value::Text(empty)) if empty.is_empty() => Vec::new(),
                other => return Err(format!("<Articles> is {other:?}")),
            };
            if count != articles.len() {
                return Err(format!("ArticleCount {count}, {} items", articles.len()));
            }
            (Reply::News(articles), &["ArticleCount", "Articles"])
        }
        "transfer_customer_service" if rest.is_empty() => {
            (Reply::TransferCustomerService(Transfer::default()), &[])
        }
        "transfer_customer_service" => {
            let info = node(fields, "TransInfo", &["KfAccount"])?;
            let transfer = Transfer {
                kf_account: Some(text(info, "KfAccount")?),
            };
            (Reply::TransferCustomerService(transfer), &["TransInfo"])
        }
        other => return Err(format!("unknown MsgType {other:?}")),
    };
    if rest != expected_rest {
        return Err(format!("{msg_type} reply holds {rest:?} after the head"));
    }
    Ok(ReadReply {
        to_user: text(fields, "ToUserName")?,
        from_user: text(fields, "FromUserName")?,
        create_time,
        reply,
    })
}

/// Touches every accessor of a parsed message, so a panic anywhere in them shows.
pub fn exercise(message: &Message) {
    let _ = (
        message.msg_type(),
        message.msg_id(),
        message.is_event(),
        message.event(),
        message.event_name(),
        message.event_key(),
        message.text_content(),
    );
    let _ = format!("{message:?}");
    let _ = wxgate::internals::dedup::DedupKey::of(0, message);
}

/// Writes `fields` back as XML under `<xml>`, text escaped so that any parser that resolves
/// the predefined entities and character references reads the same text back.
pub fn to_xml(fields: &Fields) -> String {
    let mut out = String::from("<xml>");
    write_fields(&mut out, fields);
    out.push_str("</xml>");
    out
}

fn write_fields(out: &mut String, fields: &Fields) {
    for (name, value) in fields.iter() {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match value {
            Value::Text(text) => escape_into(out, text),
            Value::Node(children) => write_fields(out, children),
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
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

/// Percent-encodes everything but the URL-unreserved characters, for a query value or a path
/// segment.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
