//! The "typing…" indicator of customer-service conversations:
//! `/cgi-bin/message/custom/typing`.

use reqwest::Method;
use serde_json::json;

use super::client::WeChatApi;
use super::error::ApiError;

impl WeChatApi {
    /// Shows (`true`, command `Typing`) or stops showing (`false`, `CancelTyping`) "typing…"
    /// to `to_user`; WeChat shows it for at most 15 seconds.
    pub async fn typing(&self, to_user: &str, typing: bool) -> Result<(), ApiError> {
        let command = if typing { "Typing" } else { "CancelTyping" };
        let body = json!({ "touser": to_user, "command": command });
        self.call(Method::POST, "/cgi-bin/message/custom/typing", Some(&body))
            .await
            .map(drop)
    }
}

#[cfg(test)]
#[path = "typing_test.rs"]
mod tests;
