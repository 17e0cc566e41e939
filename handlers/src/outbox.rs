//! The gateway's outbox, as a handler enqueues into it: [`Outbox`], reached through
//! [`Context::outbox`](crate::Context::outbox) or [`Ctx::outbox`](crate::Ctx::outbox).
//!
//! A message enqueued here takes the road of the send API's messages: it is checked against the
//! same rules, stored in the outbox before [`Outbox::enqueue`] returns, and delivered to WeChat
//! by the gateway's sender within the account's `send_rate`, retried when WeChat is busy. The
//! handler does not wait on WeChat, and a crash after `enqueue` returned loses nothing. A key
//! makes the call idempotent: enqueueing the same message under the same key again (a retried
//! push, a handler run twice) stores nothing new and answers the first message's id.
//!
//! ```
//! use wxgate_handlers::api::{TemplateMessage, TemplateValue};
//! use wxgate_handlers::{Ctx, EnqueueError, Registry, TextMessage, func};
//!
//! let mut registry = Registry::new();
//! registry.push(func::on_text(|ctx: Ctx, text: TextMessage| async move {
//!     let Some(order) = text.content.strip_prefix("ship ") else {
//!         return Ok(None);
//!     };
//!     let message = TemplateMessage {
//!         to_user: ctx.message().from_user.clone(),
//!         template_id: "ORDER_SHIPPED".to_owned(),
//!         url: Some(format!("https://shop.example.com/orders/{order}")),
//!         miniprogram: None,
//!         client_msg_id: None,
//!         data: [("first".to_owned(), TemplateValue::new(format!("order {order} shipped")))].into(),
//!     };
//!     // One key per order: a retried push enqueues nothing more.
//!     let queued = ctx.outbox().enqueue(&format!("shipped-{order}"), message.into()).await?;
//!     Ok::<_, EnqueueError>(Some(format!("queued as {}", queued.id)))
//! }));
//! ```

use std::fmt;

use async_trait::async_trait;

use crate::api::{SubscribeMessage, TemplateMessage};
use crate::reply::Reply;

/// A message for the outbox: what the send API's JSON body says, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingMessage {
    /// A template message, for official accounts (`message/template/send`). Leave
    /// `client_msg_id` unset: the outbox sets it to the message's id, which makes the send
    /// exactly once.
    Template(TemplateMessage),
    /// A subscription message: through `message/subscribe/bizsend` for an official account
    /// (with `miniprogram` where the message opens a mini program), through
    /// `message/subscribe/send` for a mini program (where `page` is the mini program's page,
    /// and `miniprogram` is refused).
    Subscribe {
        /// The message. Values are limited by their key's type, counted in characters: thing
        /// 20, number 32, letter 32, symbol 5, character_string 32, phone_number 17,
        /// car_number 8, name 10, phrase 5.
        message: SubscribeMessage,
        /// Mini programs only: the version the message opens, `developer`, `trial` or `formal`
        /// (WeChat's default: `formal`).
        miniprogram_state: Option<String>,
        /// Mini programs only: the language the message is shown in, `zh_CN`, `en_US`, `zh_HK`
        /// or `zh_TW` (WeChat's default: `zh_CN`).
        lang: Option<String>,
    },
    /// A customer-service message (`message/custom/send`), within 48 hours of the user's last
    /// message: text, image, voice, video, music, or news with one article. A transfer to
    /// customer service is a passive reply only, and refused.
    Custom {
        /// The recipient's OpenID.
        to: String,
        /// What to send.
        reply: Reply,
    },
}

impl OutgoingMessage {
    /// A customer-service message of `reply` to `to`.
    pub fn custom(to: impl Into<String>, reply: Reply) -> Self {
        OutgoingMessage::Custom {
            to: to.into(),
            reply,
        }
    }

    /// The kind of message, as the send API names it: `template`, `subscribe` or `custom`.
    pub fn kind(&self) -> &'static str {
        match self {
            OutgoingMessage::Template(_) => "template",
            OutgoingMessage::Subscribe { .. } => "subscribe",
            OutgoingMessage::Custom { .. } => "custom",
        }
    }

    /// The recipient's OpenID.
    pub fn to(&self) -> &str {
        match self {
            OutgoingMessage::Template(message) => &message.to_user,
            OutgoingMessage::Subscribe { message, .. } => &message.to_user,
            OutgoingMessage::Custom { to, .. } => to,
        }
    }
}

/// A template message.
impl From<TemplateMessage> for OutgoingMessage {
    fn from(message: TemplateMessage) -> Self {
        OutgoingMessage::Template(message)
    }
}

/// A subscription message, without the mini-program fields.
impl From<SubscribeMessage> for OutgoingMessage {
    fn from(message: SubscribeMessage) -> Self {
        OutgoingMessage::Subscribe {
            message,
            miniprogram_state: None,
            lang: None,
        }
    }
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The message's id (also a template's `client_msg_id`).
    pub id: String,
    /// True when the key already held this message: nothing new was stored, `id` is the first
    /// message's.
    pub existing: bool,
}

/// One rule a message breaks, at the path of the send API's JSON body (the send API answers
/// the same list, serialized as `{"path", "message"}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Where: `key`, `to`, `template_id`, `data.thing1.value`, `reply.news`, ...
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Prints `path: message`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a message was not enqueued. Nothing was stored, except for [`EnqueueError::KeyReused`]
/// where the key's first message stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnqueueError {
    /// The message, or the key, breaks the send API's rules: every problem at once.
    #[error("the message breaks the outbox's rules: {}", list(.0))]
    Invalid(Vec<Problem>),
    /// The key already holds another message (keys are remembered for 24 hours, shared by the
    /// account's plugins).
    #[error("the key is taken by another message ({id})")]
    KeyReused {
        /// The id of the message the key holds.
        id: String,
    },
    /// The outbox could not store the message; trying again later may work.
    #[error("the outbox could not store the message: {0}")]
    Store(String),
    /// This context has no outbox: the account makes no API calls (it has no `secret`), or the
    /// context was built without one.
    #[error("no outbox for this account: it needs a secret to send messages")]
    NoOutbox,
}

/// `a; b; c`.
fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The gateway's outbox for one account, as handlers enqueue into it.
///
/// The gateway's implementation checks the message with the send API's rules, stores it under
/// `key` and returns once it is durably stored; its sender delivers it. Plugins' messages are
/// kept apart from the apps': an app's `Idempotency-Key` never matches a plugin's key, no app
/// reads them through `GET .../messages/{id}`, and they have no webhook.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Stores `message` under `key` (1 to 255 characters from `!` to `~`, shared by every
    /// plugin of the account: prefix it with what it is about, e.g. `shipped-1042`). The same
    /// key with the same message again answers the stored one ([`Enqueued::existing`]); with
    /// another message, [`EnqueueError::KeyReused`].
    async fn enqueue(&self, key: &str, message: OutgoingMessage) -> Result<Enqueued, EnqueueError>;
}

/// The outbox of a context that has none: every call is [`EnqueueError::NoOutbox`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoOutbox;

/// The one [`NoOutbox`], lent by contexts without an outbox.
pub(crate) static NO_OUTBOX: NoOutbox = NoOutbox;

#[async_trait]
impl Outbox for NoOutbox {
    async fn enqueue(&self, key: &str, message: OutgoingMessage) -> Result<Enqueued, EnqueueError> {
        let _ = (key, message);
        Err(EnqueueError::NoOutbox)
    }
}

#[cfg(test)]
#[path = "outbox_test.rs"]
mod tests;
