//! What a handler answers with: the passive replies WeChat accepts.
//!
//! The serde shape is the one config rules and upstream bots use:
//! `{ text = "hi" }`, `{ image = { media_id = "..." } }`, `{ news = [ { title = "..", .. } ] }`,
//! `{ transfer_customer_service = {} }`.

use serde::{Deserialize, Serialize};

/// A passive reply. The gateway fills in ToUserName, FromUserName and CreateTime when it renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// A text message.
    Text(String),
    /// An image previously uploaded as media.
    Image(Media),
    /// A voice message previously uploaded as media.
    Voice(Media),
    /// A video previously uploaded as media.
    Video(Video),
    /// A music card.
    Music(Music),
    /// One to eight article cards.
    News(Vec<Article>),
    /// Hand the conversation to the customer-service (kf) system.
    TransferCustomerService(Transfer),
}

/// A media reference (`MediaId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// The media id returned by the upload API.
    pub media_id: String,
}

/// A video reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Video {
    /// The media id of the video.
    pub media_id: String,
    /// Optional title.
    #[serde(default)]
    pub title: String,
    /// Optional description.
    #[serde(default)]
    pub description: String,
}

/// A music reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Music {
    /// Title shown on the card.
    #[serde(default)]
    pub title: String,
    /// Description shown on the card.
    #[serde(default)]
    pub description: String,
    /// The music link.
    #[serde(default)]
    pub music_url: String,
    /// A high-quality link, played on Wi-Fi.
    #[serde(default)]
    pub hq_music_url: String,
    /// The media id of the thumbnail.
    pub thumb_media_id: String,
}

/// One article of a news reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Picture link (large 360x200, small 200x200).
    #[serde(default)]
    pub pic_url: String,
    /// Link opened on tap.
    #[serde(default)]
    pub url: String,
}

/// A transfer to customer service, optionally to one agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The agent account (`kf2001@gh_xxx`); any online agent when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_account: Option<String>,
}

/// The most articles a news reply may carry.
pub const MAX_NEWS_ARTICLES: usize = 8;

/// What a handler decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Answer with this reply.
    Reply(Reply),
    /// Handled; answer `success` (no reply) and stop trying further plugins.
    NoReply,
    /// Not mine: let the next plugin try.
    Pass,
    /// The handler failed (a backend down, bad data...): the gateway answers `success`, logs the
    /// error and counts it in `wxgate_handler_failures_total{kind="error"}`. Further plugins are
    /// not tried.
    Failed(HandlerError),
}

impl Outcome {
    /// A failure with this message: `return Outcome::failed(format!("db: {e}"))`.
    pub fn failed(message: impl Into<String>) -> Self {
        Outcome::Failed(HandlerError::new(message))
    }
}

/// Why a handler failed; carried by [`Outcome::Failed`] and written to the gateway's log. Keep
/// secrets out of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    message: String,
}

impl HandlerError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HandlerError {}

impl From<HandlerError> for Outcome {
    fn from(error: HandlerError) -> Self {
        Outcome::Failed(error)
    }
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Outcome::Reply(reply)
    }
}

#[cfg(test)]
#[path = "reply_test.rs"]
mod tests;
