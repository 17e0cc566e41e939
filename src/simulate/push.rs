//! Pushes as WeChat builds them: the XML of every message and event type, signed, and
//! encrypted for accounts in compatible or safe mode; and the other way round, checking and
//! opening the gateway's reply. `wxgate simulate`, `wxgate bench` and the console's simulator
//! share this, so what they send is exactly what the gateway gets from WeChat.

use std::fmt::Write as _;

use crate::config::{AccountConfig, Mode};
use crate::crypto::{self, DecryptError, MsgCipher};
use crate::wire::{self, WireError};
use wxgate_handlers::Fields;

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

    /// The sender for an account given by its parts (a running account's): appid, mode,
    /// callback Token and, for an account with an EncodingAESKey, its cipher.
    pub fn with_keys(appid: &str, mode: Mode, token: &str, cipher: Option<MsgCipher>) -> Sender {
        Sender {
            appid: appid.to_owned(),
            mode,
            token: token.to_owned(),
            cipher,
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
#[path = "push_test.rs"]
mod tests;
