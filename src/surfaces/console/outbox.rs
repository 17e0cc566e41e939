//! The send queue of an account: how many of its messages are in each status, and the most
//! recent ones with what became of each. Read only.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::audit::utc;
use super::error::ConsoleError;
use super::session::{ConsoleSession, state};
use super::{Page, render};
use crate::store::{MessageStatus, OutboxMessage};

/// How many of the latest messages the page lists.
pub const RECENT: u32 = 50;

/// One message as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The message's id.
    pub id: String,
    /// `template`, `subscribe` or `custom`.
    pub kind: &'static str,
    /// The client that asked for it.
    pub client_id: String,
    /// The openid it goes to.
    pub recipient: String,
    /// Where it is.
    pub status: &'static str,
    /// WeChat calls so far.
    pub attempts: u32,
    /// When it was accepted (UTC text).
    pub created: String,
    /// When WeChat accepted it, or when it finished (UTC text).
    pub last: Option<String>,
    /// WeChat's errcode and errmsg of the last failure.
    pub error: Option<String>,
}

impl Row {
    fn new(message: &OutboxMessage) -> Row {
        let error = match (&message.errcode, &message.errmsg) {
            (Some(code), Some(text)) => Some(format!("{code} {text}")),
            (Some(code), None) => Some(code.to_string()),
            (None, Some(text)) => Some(text.clone()),
            (None, None) => None,
        };
        Row {
            id: message.id.clone(),
            kind: message.kind.as_str(),
            client_id: message.client_id.clone(),
            recipient: message.recipient.clone(),
            status: message.status.as_str(),
            attempts: message.attempts,
            created: utc(message.created_at),
            last: message.finished_at.or(message.sent_at).map(utc),
            error,
        }
    }
}

/// The page.
#[derive(Template)]
#[template(path = "console/outbox.html")]
struct OutboxTemplate {
    page: Page,
    account: String,
    counts: Vec<(&'static str, u64)>,
    total: u64,
    recent: Vec<Row>,
}

impl OutboxTemplate {
    /// The catalogue key of a status's label.
    fn status_key(&self, status: &str) -> &'static str {
        status_key(status)
    }
}

/// The catalogue key of a status's label.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "queued" => "outbox.status.queued",
        "sending" => "outbox.status.sending",
        "sent" => "outbox.status.sent",
        "delivered" => "outbox.status.delivered",
        "failed" => "outbox.status.failed",
        _ => "outbox.status.unknown",
    }
}

/// `GET /admin/outbox/{account}`.
pub async fn page(req: HttpRequest, session: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let name = req.match_info().get("account").unwrap_or_default();
    let account = state.account(name).ok_or(ConsoleError::NotFound)?;
    let counts: Vec<(&'static str, u64)> = state
        .store
        .outbox_status_counts(&account.name)
        .await?
        .into_iter()
        .map(|(status, count): (MessageStatus, u64)| (status.as_str(), count))
        .collect();
    let recent = state
        .store
        .recent_outbox_messages(&account.name, RECENT)
        .await?
        .iter()
        .map(Row::new)
        .collect();
    render(&OutboxTemplate {
        page: Page::new(&req, &session, "outbox"),
        account: account.name.to_string(),
        total: counts.iter().map(|(_, count)| count).sum(),
        counts,
        recent,
    })
}

#[cfg(test)]
#[path = "outbox_test.rs"]
mod tests;
