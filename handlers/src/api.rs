//! The WeChat server API, as a handler calls it: [`Api`], reached through
//! [`Context::api`](crate::Context::api) or [`Ctx::api`](crate::Ctx::api).
//!
//! The gateway implements [`Api`] with the account's own client: the access token is fetched,
//! cached and refreshed for you, and a call WeChat refuses because the token went stale is
//! retried once with a new one. The types here are WeChat's documents, typed: [`UserInfo`],
//! [`Tag`], [`UploadedMedia`], [`Material`], [`TemplateMessage`], [`SubscribeMessage`].
//!
//! ```
//! use wxgate_handlers::{Ctx, Registry, TextMessage, func};
//!
//! let mut registry = Registry::new();
//! registry.push(func::on_text(|ctx: Ctx, _text: TextMessage| async move {
//!     let Some(api) = ctx.api() else {
//!         return Ok("this account makes no API calls".to_owned());
//!     };
//!     let user = api.user_info(&ctx.message().from_user).await?;
//!     Ok::<_, wxgate_handlers::ApiError>(format!("hello, your language is {}", user.language))
//! }));
//! ```

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize};

use crate::handler::SendError;
use crate::reply::Reply;

/// The most OpenIDs [`Api::users_info`] takes in one call (WeChat's limit).
pub const MAX_USERS_PER_BATCH: usize = 100;

/// The most OpenIDs [`Api::tag_users`] and [`Api::untag_users`] take in one call (WeChat's
/// limit).
pub const MAX_USERS_PER_TAGGING: usize = 50;

/// Why a server API call failed. No variant ever carries the app secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("WeChat refused the call: errcode {errcode} ({errmsg})")]
    WeChat {
        /// WeChat's error code, e.g. 40013 for an invalid AppID.
        errcode: i64,
        /// WeChat's explanation.
        errmsg: String,
    },
    /// No answer within the HTTP client's timeout.
    #[error("the WeChat API did not answer in time; try again later")]
    Timeout,
    /// The connection failed or broke off.
    #[error("cannot reach the WeChat API: {0}")]
    Unreachable(String),
    /// An HTTP status other than 2xx.
    #[error("the WeChat API answered HTTP status {0}")]
    Status(u16),
    /// An answer that is not what WeChat documents (not JSON, missing fields, too large).
    #[error("unexpected answer from the WeChat API: {0}")]
    BadResponse(String),
    /// Something the API cannot do (refused before calling WeChat).
    #[error("not possible through the WeChat API: {0}")]
    Unsupported(&'static str),
}

impl ApiError {
    /// WeChat's error code, for [`ApiError::WeChat`].
    pub fn errcode(&self) -> Option<i64> {
        match self {
            ApiError::WeChat { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }
}

impl From<ApiError> for SendError {
    fn from(error: ApiError) -> Self {
        SendError {
            errcode: error.errcode(),
            message: error.to_string(),
        }
    }
}

/// A user's profile, as `cgi-bin/user/info` answers it.
///
/// For a user who does not follow the account (`subscribe` false) WeChat sends the OpenID
/// alone (and the UnionID when there is one): every other field is then empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct UserInfo {
    /// The user's OpenID for this account.
    pub openid: String,
    /// Whether the user follows the account (WeChat's `subscribe`, 1 or 0).
    #[serde(deserialize_with = "flag")]
    pub subscribe: bool,
    /// The nickname; WeChat stopped sending it in 2021, older answers may carry it.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The user's language, e.g. `zh_CN`.
    #[serde(default)]
    pub language: String,
    /// When the user last followed, in Unix seconds (0 when not following).
    #[serde(default)]
    pub subscribe_time: i64,
    /// The UnionID, when the account is bound to a WeChat Open Platform account.
    #[serde(default)]
    pub unionid: Option<String>,
    /// The account's remark for the user.
    #[serde(default)]
    pub remark: String,
    /// The user's group (the tag API's predecessor).
    #[serde(default)]
    pub groupid: i64,
    /// The ids of the user's tags.
    #[serde(default)]
    pub tagid_list: Vec<i64>,
    /// How the user came to follow, e.g. `ADD_SCENE_QR_CODE`.
    #[serde(default)]
    pub subscribe_scene: String,
    /// The scene id of the QR code the user followed through (0 if none).
    #[serde(default)]
    pub qr_scene: i64,
    /// The scene string of the QR code the user followed through (empty if none).
    #[serde(default)]
    pub qr_scene_str: String,
}

/// WeChat's 0/1 flags, also accepted as booleans.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Int(i64),
        Bool(bool),
    }
    Ok(match Flag::deserialize(deserializer)? {
        Flag::Int(value) => value != 0,
        Flag::Bool(value) => value,
    })
}

/// A user tag of the account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Tag {
    /// The tag's id (1 and 2 are WeChat's own; 0 is the star list).
    pub id: i64,
    /// The tag's name, at most 30 characters.
    pub name: String,
    /// How many users carry the tag (0 when WeChat does not say, as in `tags/create`).
    #[serde(default)]
    pub count: i64,
}

/// The kind of a media file, WeChat's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// An image (bmp, png, jpeg, jpg, gif; at most 10 MB).
    Image,
    /// A voice recording (amr, mp3; at most 2 MB, 60 seconds).
    Voice,
    /// A video (mp4; at most 10 MB).
    Video,
    /// A thumbnail (jpg; at most 64 KB).
    Thumb,
}

impl MediaKind {
    /// WeChat's name for the kind: `image`, `voice`, `video` or `thumb`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::Thumb => "thumb",
        }
    }
}

/// A temporary media file (kept by WeChat for 3 days), as `cgi-bin/media/upload` answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UploadedMedia {
    /// The file's kind (WeChat's `type`).
    #[serde(rename = "type")]
    pub media_type: MediaKind,
    /// The id to send it with (WeChat's `thumb_media_id` for a thumbnail).
    #[serde(alias = "thumb_media_id")]
    pub media_id: String,
    /// When it was uploaded, in Unix seconds.
    pub created_at: i64,
}

/// A permanent material, as `cgi-bin/material/add_material` answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Material {
    /// The material's id.
    pub media_id: String,
    /// The image's URL, for an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A mini program page a message opens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MiniProgramLink {
    /// The mini program's AppID (linked to the account).
    pub appid: String,
    /// The page, with its query, e.g. `index?foo=bar`.
    pub pagepath: String,
}

/// One value of a template message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TemplateValue {
    /// The text.
    pub value: String,
    /// Its colour, e.g. `#173177`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl TemplateValue {
    /// `value` in the default colour.
    pub fn new(value: impl Into<String>) -> Self {
        TemplateValue {
            value: value.into(),
            color: None,
        }
    }
}

/// A template message, the body of `cgi-bin/message/template/send`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TemplateMessage {
    /// The recipient's OpenID.
    #[serde(rename = "touser")]
    pub to_user: String,
    /// The template's id.
    pub template_id: String,
    /// A web page the message opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A mini program page the message opens (preferred over `url` where supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgramLink>,
    /// An id that makes the send idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// The template's values by keyword, e.g. `keyword1`.
    pub data: BTreeMap<String, TemplateValue>,
}

/// One value of a subscription message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SubscribeValue {
    /// The text.
    pub value: String,
}

/// A subscription message, the body of `cgi-bin/message/subscribe/bizsend`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SubscribeMessage {
    /// The recipient's OpenID.
    #[serde(rename = "touser")]
    pub to_user: String,
    /// The template's id.
    pub template_id: String,
    /// A web page the message opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// A mini program page the message opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgramLink>,
    /// The template's values by key, e.g. `thing1`.
    pub data: BTreeMap<String, SubscribeValue>,
}

/// The account's WeChat server API, as handlers call it.
///
/// The gateway's implementation sends every call with the account's access token and retries a
/// call once when WeChat rejected the token as stale. A refusal by WeChat is
/// [`ApiError::WeChat`] with WeChat's errcode.
#[async_trait]
pub trait Api: Send + Sync {
    /// The profile of the user `openid` (`cgi-bin/user/info`, in `zh_CN`).
    async fn user_info(&self, openid: &str) -> Result<UserInfo, ApiError>;

    /// The profiles of up to [`MAX_USERS_PER_BATCH`] users (`cgi-bin/user/info/batchget`), in
    /// WeChat's order; more is [`ApiError::Unsupported`] without a call.
    async fn users_info(&self, openids: &[&str]) -> Result<Vec<UserInfo>, ApiError>;

    /// Creates the tag `name` (`cgi-bin/tags/create`).
    async fn create_tag(&self, name: &str) -> Result<Tag, ApiError>;

    /// The account's tags (`cgi-bin/tags/get`).
    async fn tags(&self) -> Result<Vec<Tag>, ApiError>;

    /// Puts the tag `tag_id` on up to [`MAX_USERS_PER_TAGGING`] users
    /// (`cgi-bin/tags/members/batchtagging`); more is [`ApiError::Unsupported`] without a call.
    async fn tag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError>;

    /// Takes the tag `tag_id` off up to [`MAX_USERS_PER_TAGGING`] users
    /// (`cgi-bin/tags/members/batchuntagging`); more is [`ApiError::Unsupported`] without a call.
    async fn untag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError>;

    /// The ids of the tags on the user `openid` (`cgi-bin/tags/getidlist`).
    async fn user_tags(&self, openid: &str) -> Result<Vec<i64>, ApiError>;

    /// Uploads a temporary media file, kept for 3 days (`cgi-bin/media/upload`).
    async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedMedia, ApiError>;

    /// Adds a permanent material (`cgi-bin/material/add_material`). A video needs `video`, its
    /// title and introduction (without them, [`ApiError::Unsupported`] without a call); other
    /// kinds ignore it.
    async fn add_material(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
        video: Option<(&str, &str)>,
    ) -> Result<Material, ApiError>;

    /// Sends a template message (`cgi-bin/message/template/send`); WeChat's `msgid`.
    async fn send_template(&self, message: &TemplateMessage) -> Result<i64, ApiError>;

    /// Sends a subscription message (`cgi-bin/message/subscribe/bizsend`).
    async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<(), ApiError>;

    /// Sends `reply` to `to_user` as a customer-service message
    /// (`cgi-bin/message/custom/send`), within 48 hours of the user's last message.
    async fn send_custom(&self, to_user: &str, reply: &Reply) -> Result<(), ApiError>;

    /// Shows (`true`) or stops showing (`false`) "typing…" to `to_user`
    /// (`cgi-bin/message/custom/typing`).
    async fn typing(&self, to_user: &str, typing: bool) -> Result<(), ApiError>;
}

#[cfg(test)]
#[path = "api_test.rs"]
mod tests;
