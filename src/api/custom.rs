//! Customer-service messages: `/cgi-bin/message/custom/send`, a [`Reply`] sent late.

use reqwest::Method;
use serde_json::{Map, Value, json};
use wxgate_handlers::{CustomerService, Reply, SendError};

use super::client::WeChatApi;
use super::error::ApiError;

impl WeChatApi {
    /// Sends `reply` to the user `to_user` (an OpenID) as a customer-service message: the way
    /// to answer after the 5-second window, within 48 hours of the user's last message.
    ///
    /// A video goes without a thumbnail. [`Reply::TransferCustomerService`] only exists as a
    /// passive reply: [`ApiError::Unsupported`].
    pub async fn send_custom_message(&self, to_user: &str, reply: &Reply) -> Result<(), ApiError> {
        let body = custom_message(to_user, reply)?;
        self.call(Method::POST, "/cgi-bin/message/custom/send", Some(&body))
            .await
            .map(drop)
    }
}

/// What handlers send through (`Context::customer_service`).
#[wxgate_handlers::async_trait]
impl CustomerService for WeChatApi {
    async fn send(&self, to_user: &str, reply: &Reply) -> Result<(), SendError> {
        self.send_custom_message(to_user, reply)
            .await
            .map_err(SendError::from)
    }
}

/// The customer-service JSON of `reply`: `{"touser", "msgtype", <msgtype>: {...}}`.
pub(crate) fn custom_message(to_user: &str, reply: &Reply) -> Result<Value, ApiError> {
    let (msgtype, content) = match reply {
        Reply::Text(content) => ("text", json!({ "content": content })),
        Reply::Image(media) => ("image", json!({ "media_id": media.media_id })),
        Reply::Voice(media) => ("voice", json!({ "media_id": media.media_id })),
        Reply::Video(video) => (
            "video",
            json!({
                "media_id": video.media_id,
                "thumb_media_id": "",
                "title": video.title,
                "description": video.description,
            }),
        ),
        Reply::Music(music) => (
            "music",
            json!({
                "title": music.title,
                "description": music.description,
                "musicurl": music.music_url,
                "hqmusicurl": music.hq_music_url,
                "thumb_media_id": music.thumb_media_id,
            }),
        ),
        Reply::News(articles) => {
            let articles: Vec<Value> = articles
                .iter()
                .map(|article| {
                    json!({
                        "title": article.title,
                        "description": article.description,
                        "url": article.url,
                        "picurl": article.pic_url,
                    })
                })
                .collect();
            ("news", json!({ "articles": articles }))
        }
        Reply::TransferCustomerService(_) => {
            return Err(ApiError::Unsupported(
                "a transfer to customer service is a passive reply only; \
                 it cannot be sent as a customer-service message",
            ));
        }
    };
    let mut body = Map::new();
    body.insert("touser".to_owned(), json!(to_user));
    body.insert("msgtype".to_owned(), json!(msgtype));
    body.insert(msgtype.to_owned(), content);
    Ok(Value::Object(body))
}

#[cfg(test)]
#[path = "custom_test.rs"]
mod tests;
