//! Pushes as WeChat builds them: the XML of every message and event type, signed, and
//! encrypted for accounts in compatible or safe mode; and the other way round, checking and
//! opening the gateway's reply. `simulate` and `bench` share this, so what they send is exactly
//! what the gateway gets from WeChat.

use std::fmt::Write as _;

use wxgate::config::{AccountConfig, Mode};
use wxgate::handlers::Fields;
use wxgate::internals::crypto::{self, DecryptError, MsgCipher};
use wxgate::internals::wire::{self, WireError};

/// One element's content: text (written as CDATA), a bare number, or child elements.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Character data, written `<![CDATA[...]]>` as WeChat does for strings.
    Text(String),
    /// A number, written bare.
    Number(String),
    /// Child elements, in order.
    Children(Vec<(String, Node)>),
}

impl Node {
    /// A text node.
    pub fn text(value: impl Into<String>) -> Node {
        Node::Text(value.into())
    }

    /// A bare number.
    pub fn number(value: impl ToString) -> Node {
        Node::Number(value.to_string())
    }
}

/// The fields of one push, in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PushXml {
    fields: Vec<(String, Node)>,
}

impl PushXml {
    /// The fields every push starts with: ToUserName, FromUserName, CreateTime, MsgType.
    pub fn new(to_user: &str, from_user: &str, create_time: u64, msg_type: &str) -> PushXml {
        let mut xml = PushXml::default();
        xml.push("ToUserName", Node::text(to_user));
        xml.push("FromUserName", Node::text(from_user));
        xml.push("CreateTime", Node::number(create_time));
        xml.push("MsgType", Node::text(msg_type));
        xml
    }

    /// Appends a field.
    pub fn push(&mut self, name: &str, value: Node) -> &mut Self {
        self.fields.push((name.to_owned(), value));
        self
    }

    /// The value of a top-level field, if present.
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }

    /// The document, `<xml>...</xml>`, on one line.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("<xml>");
        write_fields(&mut out, &self.fields);
        out.push_str("</xml>");
        out
    }
}

fn write_fields(out: &mut String, fields: &[(String, Node)]) {
    for (name, value) in fields {
        let _ = write!(out, "<{name}>");
        match value {
            Node::Text(text) => push_cdata(out, text),
            Node::Number(number) => out.push_str(number),
            Node::Children(children) => write_fields(out, children),
        }
        let _ = write!(out, "</{name}>");
    }
}

/// CDATA that stays well-formed when the text itself holds `]]>`.
fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// A push ready to send: the query string (without `?`) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `signature=...&timestamp=...&nonce=...&openid=...` (plus `encrypt_type` and
    /// `msg_signature` when encrypted).
    pub query: String,
    /// The POST body.
    pub body: String,
    /// Whether the body is encrypted (so the reply comes back encrypted).
    pub encrypted: bool,
}

/// An account as WeChat sees it: where to sign and what to encrypt with.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The AppID, used as ToUserName unless another is given.
    pub appid: String,
    /// The account's mode.
    pub mode: Mode,
    token: String,
    cipher: Option<MsgCipher>,
}

/// Why a reply could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The reply is not the XML it should be.
    #[error("the reply is not valid XML: {0}")]
    Wire(#[from] WireError),
    /// An encrypted reply lacks one of its envelope fields.
    #[error("the encrypted reply has no {0}")]
    Missing(&'static str),
    /// The reply's MsgSignature does not verify.
    #[error("the reply's MsgSignature does not verify")]
    Signature,
    /// The reply's Encrypt does not decrypt.
    #[error("the reply does not decrypt: {0}")]
    Decrypt(#[from] DecryptError),
    /// A plaintext reply to an encrypted push.
    #[error("the push was encrypted but the reply is not")]
    NotEncrypted,
    /// The reply is not UTF-8.
    #[error("the reply is not UTF-8")]
    Utf8,
}

/// A reply, opened.
#[derive(Debug)]
pub enum Opened {
    /// `success` or an empty body: the gateway had nothing to say.
    Success,
    /// A passive reply.
    Reply {
        /// The reply XML in the clear (decrypted when it came encrypted).
        xml: String,
        /// Its fields.
        fields: Fields,
        /// Whether it came encrypted with a valid MsgSignature.
        verified: bool,
    },
}

impl Sender {
    /// The sender for a configured account.
    pub fn new(account: &AccountConfig) -> Sender {
        Sender {
            appid: account.appid.clone(),
            mode: account.mode,
            token: account.token.clone(),
            cipher: account
                .encoding_aes_key
                .as_ref()
                .map(|key| MsgCipher::new(key, &account.appid)),
        }
    }

    /// Whether WeChat encrypts this account's pushes (compatible and safe modes).
    pub fn encrypts(&self) -> bool {
        self.mode != Mode::Plain && self.cipher.is_some()
    }

    /// The query of the GET handshake WeChat sends when the callback URL is saved.
    pub fn handshake_query(&self, timestamp: u64, nonce: &str, echostr: &str) -> String {
        let ts = timestamp.to_string();
        let signature = crypto::sign(&[&self.token, &ts, nonce]);
        format!(
            "signature={signature}&timestamp={ts}&nonce={}&echostr={}",
            encode(nonce),
            encode(echostr)
        )
    }

    /// Signs (and, for compatible and safe accounts, encrypts) a push from `openid`.
    ///
    /// Safe mode sends only ToUserName and Encrypt; compatible mode sends every field in the
    /// clear plus Encrypt; plain mode sends the XML as is.
    pub fn sign(&self, push: &PushXml, openid: &str, timestamp: u64, nonce: &str) -> Signed {
        let plaintext = push.render();
        let ts = timestamp.to_string();
        let signature = crypto::sign(&[&self.token, &ts, nonce]);
        let mut query = format!(
            "signature={signature}&timestamp={ts}&nonce={}&openid={}",
            encode(nonce),
            encode(openid)
        );
        let cipher = match (&self.cipher, self.mode) {
            (Some(cipher), Mode::Compatible | Mode::Safe) => cipher,
            _ => {
                return Signed {
                    query,
                    body: plaintext,
                    encrypted: false,
                };
            }
        };
        let encrypt = cipher.encrypt(plaintext.as_bytes());
        let msg_signature = crypto::sign(&[&self.token, &ts, nonce, &encrypt]);
        let _ = write!(query, "&encrypt_type=aes&msg_signature={msg_signature}");
        let mut envelope = if self.mode == Mode::Safe {
            let mut envelope = PushXml::default();
            if let Some(to) = push.get("ToUserName") {
                envelope.push("ToUserName", to.clone());
            }
            envelope
        } else {
            push.clone()
        };
        envelope.push("Encrypt", Node::Text(encrypt));
        Signed {
            query,
            body: envelope.render(),
            encrypted: true,
        }
    }

    /// Checks and opens the body of a 200 reply to a push that was `encrypted` or not.
    pub fn open_reply(&self, body: &[u8], encrypted: bool) -> Result<Opened, ReplyError> {
        let text = std::str::from_utf8(body).map_err(|_| ReplyError::Utf8)?;
        if text.trim().is_empty() || text == "success" {
            return Ok(Opened::Success);
        }
        let outer = wire::parse_xml(body)?;
        let Some(encrypt) = outer.text("Encrypt") else {
            if encrypted {
                return Err(ReplyError::NotEncrypted);
            }
            return Ok(Opened::Reply {
                xml: text.to_owned(),
                fields: outer,
                verified: false,
            });
        };
        let signature = outer
            .text("MsgSignature")
            .ok_or(ReplyError::Missing("MsgSignature"))?;
        let timestamp = outer
            .text("TimeStamp")
            .ok_or(ReplyError::Missing("TimeStamp"))?;
        let nonce = outer.text("Nonce").ok_or(ReplyError::Missing("Nonce"))?;
        if !crypto::verify(signature, &[&self.token, timestamp, nonce, encrypt]) {
            return Err(ReplyError::Signature);
        }
        let cipher = self.cipher.as_ref().ok_or(ReplyError::NotEncrypted)?;
        let xml = cipher.decrypt_str(encrypt)?;
        let fields = wire::parse_xml(xml.as_bytes())?;
        Ok(Opened::Reply {
            xml,
            fields,
            verified: true,
        })
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxgate::Config;
    use wxgate::internals::account::Accounts;
    use wxgate::internals::envelope;
    use wxgate::internals::envelope::CallbackQuery;
    use wxgate::internals::metrics::Metrics;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    fn config() -> Config {
        let mut text = String::new();
        for (name, mode) in [("p", "plain"), ("c", "compatible"), ("s", "safe")] {
            text.push_str(&format!(
                "[[accounts]]\nname = \"{name}\"\nappid = \"wx1234567890abcdef\"\n\
                 token = \"tok123\"\nencoding_aes_key = \"{KEY}\"\nmode = \"{mode}\"\n"
            ));
        }
        Config::parse(&text, "test.toml").unwrap()
    }

    fn text_push() -> PushXml {
        let mut push = PushXml::new("gh_x", "o_user", 1_700_000_000, "text");
        push.push("Content", Node::text("a ]]> b"))
            .push("MsgId", Node::number(42));
        push
    }

    #[test]
    fn renders_cdata_and_numbers() {
        assert_eq!(
            text_push().render(),
            "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_user]]>\
             </FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>\
             </MsgType><Content><![CDATA[a ]]]]><![CDATA[> b]]></Content><MsgId>42</MsgId></xml>"
        );
    }

    /// What the sender signs, the gateway's own envelope code opens, in every mode.
    #[test]
    fn the_gateway_opens_what_the_sender_signs() {
        let config = config();
        let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
        let accounts = Accounts::build(
            &config.accounts,
            &[],
            &metrics,
            &reqwest::Client::new(),
            std::time::Duration::from_secs(1),
            None,
        )
        .unwrap();
        for (name, encrypted, has_plain_fields) in
            [("p", false, true), ("c", true, true), ("s", true, false)]
        {
            let sender = Sender::new(config.account(name).unwrap());
            let signed = sender.sign(&text_push(), "o_user", 1_700_000_000, "12345");
            assert_eq!(signed.encrypted, encrypted, "{name}");
            assert_eq!(
                signed.body.contains("<Content>"),
                has_plain_fields,
                "{name}"
            );
            let query = CallbackQuery::parse(&signed.query).unwrap();
            let account = accounts.get(name).unwrap();
            let inbound = envelope::open(
                account,
                &query,
                signed.body.as_bytes(),
                None,
                1_700_000_000,
                300,
            )
            .unwrap();
            assert_eq!(inbound.fields.text("Content"), Some("a ]]> b"), "{name}");
            assert_eq!(inbound.encrypted, encrypted);

            // And the reply the gateway seals, the sender opens.
            let reply = "<xml><Content><![CDATA[world]]></Content></xml>";
            let body = if encrypted {
                envelope::seal(account, reply.as_bytes(), 1_700_000_000).unwrap()
            } else {
                reply.to_owned()
            };
            let Opened::Reply {
                xml,
                fields,
                verified,
            } = sender.open_reply(body.as_bytes(), encrypted).unwrap()
            else {
                panic!("a reply")
            };
            assert_eq!(xml, reply);
            assert_eq!(fields.text("Content"), Some("world"));
            assert_eq!(verified, encrypted);
        }
    }

    #[test]
    fn tampered_or_missing_encryption_is_refused() {
        let config = config();
        let sender = Sender::new(config.account("s").unwrap());
        let encrypt = "<xml><Encrypt><![CDATA[AAAA]]></Encrypt><MsgSignature>00</MsgSignature>\
                       <TimeStamp>1</TimeStamp><Nonce>2</Nonce></xml>";
        assert!(matches!(
            sender.open_reply(encrypt.as_bytes(), true),
            Err(ReplyError::Signature)
        ));
        assert!(matches!(
            sender.open_reply(b"<xml><Content>x</Content></xml>", true),
            Err(ReplyError::NotEncrypted)
        ));
        assert!(matches!(
            sender.open_reply(b"success", true),
            Ok(Opened::Success)
        ));
    }

    #[test]
    fn the_handshake_query_verifies() {
        let config = config();
        let sender = Sender::new(config.account("p").unwrap());
        let query = sender.handshake_query(1_700_000_000, "77", "a+b=");
        let parsed = CallbackQuery::parse(&query).unwrap();
        assert_eq!(parsed.echostr(), Ok("a+b="));
        assert!(crypto::verify(
            parsed.signature().unwrap(),
            &["tok123", "1700000000", "77"]
        ));
    }
}
