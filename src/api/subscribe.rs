//! Subscription messages (one-off notifications the user agreed to):
//! `/cgi-bin/message/subscribe/bizsend`.

use reqwest::Method;
use wxgate_handlers::api::SubscribeMessage;

use super::client::WeChatApi;
use super::error::ApiError;

impl WeChatApi {
    /// Sends the subscription message `message`.
    pub async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<(), ApiError> {
        let body = serde_json::to_value(message)
            .map_err(|_| ApiError::Unsupported("the subscription message is not JSON"))?;
        self.call(
            Method::POST,
            "/cgi-bin/message/subscribe/bizsend",
            Some(&body),
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
#[path = "subscribe_test.rs"]
mod tests;
