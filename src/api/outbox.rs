//! The outbox's sends: a message body already in WeChat's shape, POSTed as it is to the API of
//! its kind — `/cgi-bin/message/template/send`, `/cgi-bin/message/subscribe/bizsend` (official
//! accounts) or `/cgi-bin/message/subscribe/send` (mini programs), `/cgi-bin/message/custom/send`.

use serde_json::{Map, Value};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http;
use crate::store::MessageKind;

/// WeChat's answer to a template message whose `client_msg_id` it has already sent to the same
/// user within 10 minutes ("clientmsgid exist"): the answer names the first message's msgid.
pub const CLIENT_MSG_ID_EXISTS: i64 = 45065;

impl WeChatApi {
    /// Sends the message `body` (WeChat's JSON for a message of `kind`, with `client_msg_id`
    /// for a template message) through the API of its kind — for a subscribe message, the mini
    /// program's when `miniprogram` — with the access-token retry of every call. Returns
    /// WeChat's msgid when the answer has one.
    ///
    /// A template message WeChat has already sent under the same `client_msg_id`
    /// ([`CLIENT_MSG_ID_EXISTS`]) is a success, with the msgid of that first send.
    pub async fn deliver(
        &self,
        kind: MessageKind,
        miniprogram: bool,
        body: &Value,
    ) -> Result<Option<i64>, ApiError> {
        let (path, data_errcodes): (&'static str, &'static [i64]) = match kind {
            MessageKind::Template => ("/cgi-bin/message/template/send", &[CLIENT_MSG_ID_EXISTS]),
            MessageKind::Subscribe if miniprogram => ("/cgi-bin/message/subscribe/send", &[]),
            MessageKind::Subscribe => ("/cgi-bin/message/subscribe/bizsend", &[]),
            MessageKind::Custom => ("/cgi-bin/message/custom/send", &[]),
        };
        let answer = self.call_keeping(path, body, data_errcodes).await?;
        Ok(msgid(&answer))
    }
}

/// Whether `error` says the request never reached WeChat (no connection could be made), so
/// that sending it again cannot make it arrive twice. A timeout, a connection broken after the
/// request went out, or an unreadable answer may all have come after WeChat took the message.
pub fn not_sent(error: &ApiError) -> bool {
    http::not_sent(error)
}

/// The msgid an answer names: its `msgid` (or `msg_id`) field, a number or a string of digits,
/// else a number following the word "msgid" in its `errmsg` (`msgid: 123`).
fn msgid(answer: &Map<String, Value>) -> Option<i64> {
    let field = ["msgid", "msg_id"]
        .iter()
        .filter_map(|name| answer.get(*name))
        .find_map(|value| match value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        });
    field.or_else(|| {
        let errmsg = answer.get("errmsg").and_then(Value::as_str)?;
        errmsg.match_indices("msgid").find_map(|(at, word)| {
            let word_starts = errmsg[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
            let after = errmsg[at + word.len()..].trim_start_matches([' ', ':', '=']);
            let digits = &after[..after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len())];
            word_starts.then(|| digits.parse().ok()).flatten()
        })
    })
}

#[cfg(test)]
#[path = "outbox_test.rs"]
mod tests;
