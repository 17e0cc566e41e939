//! Messages handler plugins enqueue: [`PluginOutbox`], the handlers crate's
//! [`Outbox`](wxgate_handlers::Outbox) for one account, given to every push's context.
//!
//! A plugin's message takes the send API's road, with its rules: the message becomes the JSON
//! body an app would POST ([`request_body`]), which [`request::parse`] checks and turns into
//! WeChat's payload and [`request::body_hash`] hashes; the key keeps the `Idempotency-Key` rule
//! ([`request::valid_key`]). The [`Acceptor`](super::accept::Acceptor) stores it (group commit)
//! before `enqueue` returns, and the sender is woken.
//!
//! Plugins' messages belong to the reserved client [`PLUGIN_CLIENT_ID`], which no
//! `[[clients]]` id can be (those are letters, digits, `_` and `-`): an app's keys never meet a
//! plugin's, no app sees these messages through `GET .../messages/{id}` (404), and they have no
//! webhook. Keys are shared by every plugin of the account.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};
use wxgate_handlers::api::{MiniProgramLink, SubscribeMessage, TemplateMessage};
use wxgate_handlers::outbox::{EnqueueError, Enqueued, OutgoingMessage, Problem};

use super::request::{self, MAX_KEY_LEN, RequestError};
use super::{Outbox, new_message_id};
use crate::clock::unix_secs_i64;
use crate::config::AccountKind;
use crate::store::{Accepted, NewMessage};

/// The client every plugin's message belongs to. Not a possible `[[clients]]` id (`@` is not
/// one of its characters), so no app shares its keys or reads its messages.
pub const PLUGIN_CLIENT_ID: &str = "@plugin";

/// One account's outbox, as its plugins enqueue into it.
pub struct PluginOutbox {
    outbox: Outbox,
    account: Arc<str>,
    kind: AccountKind,
}

impl std::fmt::Debug for PluginOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginOutbox")
            .field("account", &self.account)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl PluginOutbox {
    /// The outbox of the account `account`, of kind `kind`, storing through `outbox`.
    pub fn new(outbox: Outbox, account: Arc<str>, kind: AccountKind) -> Self {
        PluginOutbox {
            outbox,
            account,
            kind,
        }
    }

    /// Checks `message` and `key` as the send API checks a request: the stored message, or
    /// every problem.
    fn check(&self, key: &str, message: &OutgoingMessage) -> Result<NewMessage, EnqueueError> {
        let mut problems = Vec::new();
        if !request::valid_key(key.as_bytes()) {
            problems.push(Problem::new(
                "key",
                format!("must be 1 to {MAX_KEY_LEN} characters from `!` to `~`"),
            ));
        }
        if let OutgoingMessage::Template(TemplateMessage {
            client_msg_id: Some(_),
            ..
        }) = message
        {
            problems.push(Problem::new(
                "client_msg_id",
                "is set by the outbox (the message's id, which makes the send exactly once): \
                 leave it unset",
            ));
        }
        let body = request_body(message).to_string();
        let parsed = match request::parse(body.as_bytes(), self.kind) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                problems.extend(problems_of(error));
                None
            }
        };
        let (Some(parsed), true) = (parsed, problems.is_empty()) else {
            return Err(EnqueueError::Invalid(problems));
        };
        let body_hash = request::body_hash(body.as_bytes())
            .map_err(|error| EnqueueError::Invalid(problems_of(error)))?;
        Ok(NewMessage {
            id: new_message_id(),
            account: self.account.to_string(),
            client_id: PLUGIN_CLIENT_ID.to_owned(),
            kind: parsed.kind,
            recipient: parsed.to,
            payload: parsed.payload.to_string(),
            idempotency_key: key.to_owned(),
            body_hash,
            created_at: unix_secs_i64(),
        })
    }
}

#[async_trait]
impl wxgate_handlers::Outbox for PluginOutbox {
    async fn enqueue(&self, key: &str, message: OutgoingMessage) -> Result<Enqueued, EnqueueError> {
        let new = self.check(key, &message)?;
        let accepted = self.outbox.acceptor.accept(new).await.map_err(|error| {
            tracing::warn!(account = %self.account, %error, "a plugin's message could not be stored");
            EnqueueError::Store(error.to_string())
        })?;
        match accepted {
            Accepted::Created(stored) => {
                self.outbox.wake();
                tracing::debug!(account = %self.account, id = %stored.id, kind = stored.kind.as_str(), "plugin message queued");
                Ok(Enqueued {
                    id: stored.id,
                    existing: false,
                })
            }
            Accepted::Existing {
                message: stored,
                same_body: true,
            } => Ok(Enqueued {
                id: stored.id,
                existing: true,
            }),
            Accepted::Existing {
                message: stored,
                same_body: false,
            } => Err(EnqueueError::KeyReused { id: stored.id }),
        }
    }
}

/// The send API's problems as the handlers crate's. A malformed body cannot come out of
/// [`request_body`]; were it to, its message is one problem without a path.
fn problems_of(error: RequestError) -> Vec<Problem> {
    match error {
        RequestError::Invalid(problems) => problems,
        RequestError::Malformed(message) => vec![Problem::new("", message)],
    }
}

/// The send API's JSON body for `message`: what an app would POST for it (a template's
/// `client_msg_id` left out: the outbox sets it).
pub fn request_body(message: &OutgoingMessage) -> Value {
    let mut body = Map::new();
    body.insert("kind".to_owned(), Value::from(message.kind()));
    match message {
        OutgoingMessage::Template(template) => {
            body.insert("to".to_owned(), Value::from(template.to_user.as_str()));
            body.insert(
                "template_id".to_owned(),
                Value::from(template.template_id.as_str()),
            );
            optional(&mut body, "url", template.url.as_deref());
            link(&mut body, template.miniprogram.as_ref());
            body.insert("data".to_owned(), value(&template.data));
        }
        OutgoingMessage::Subscribe {
            message,
            miniprogram_state,
            lang,
        } => {
            let SubscribeMessage {
                to_user,
                template_id,
                page,
                miniprogram,
                data,
            } = message;
            body.insert("to".to_owned(), Value::from(to_user.as_str()));
            body.insert("template_id".to_owned(), Value::from(template_id.as_str()));
            optional(&mut body, "page", page.as_deref());
            link(&mut body, miniprogram.as_ref());
            optional(&mut body, "miniprogram_state", miniprogram_state.as_deref());
            optional(&mut body, "lang", lang.as_deref());
            body.insert("data".to_owned(), value(data));
        }
        OutgoingMessage::Custom { to, reply } => {
            body.insert("to".to_owned(), Value::from(to.as_str()));
            body.insert("reply".to_owned(), value(reply));
        }
    }
    Value::Object(body)
}

/// `item` as JSON. The values here (strings, string-keyed maps, replies) always serialize; were
/// one not to, it would be `null`, which the rules refuse as a missing field.
fn value(item: &impl Serialize) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

/// `key: value` in `body` when there is a value.
fn optional(body: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        body.insert(key.to_owned(), Value::from(value));
    }
}

/// `miniprogram: {"appid", "pagepath"}` in `body` when there is a link.
fn link(body: &mut Map<String, Value>, link: Option<&MiniProgramLink>) {
    if let Some(link) = link {
        body.insert("miniprogram".to_owned(), value(link));
    }
}

#[cfg(test)]
#[path = "enqueue_test.rs"]
mod tests;
