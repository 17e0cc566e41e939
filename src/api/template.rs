//! Template messages: `/cgi-bin/message/template/send`.

use reqwest::Method;
use serde_json::Value;
use wxgate_handlers::api::TemplateMessage;

use super::client::WeChatApi;
use super::error::ApiError;

impl WeChatApi {
    /// Sends the template message `message`; WeChat's `msgid` for it.
    pub async fn send_template(&self, message: &TemplateMessage) -> Result<i64, ApiError> {
        let body = serde_json::to_value(message)
            .map_err(|_| ApiError::Unsupported("the template message is not JSON"))?;
        let answer = self
            .call(Method::POST, "/cgi-bin/message/template/send", Some(&body))
            .await?;
        answer
            .get("msgid")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::BadResponse("answer has no `msgid` number".to_owned()))
    }
}

#[cfg(test)]
#[path = "template_test.rs"]
mod tests;
