//! Parametric QR codes: `/cgi-bin/qrcode/create` and the image URL of a ticket.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::required_str;

/// Where WeChat serves a ticket's QR image.
const SHOW_QRCODE: &str = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=";

/// The scene a QR code carries back in the scan and subscribe events (`EventKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrScene {
    /// A number: any non-zero 32-bit value for a temporary code, 1..=100000 for a permanent one.
    Id(u32),
    /// A string of 1 to 64 characters.
    Str(String),
}

/// What QR code to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCodeRequest {
    /// The scene.
    pub scene: QrScene,
    /// Permanent (at most 100,000 per account) rather than temporary.
    pub permanent: bool,
    /// A temporary code's lifetime in seconds (at most 2592000, 30 days; WeChat's default is
    /// 60). Ignored for a permanent code.
    pub expire_seconds: Option<u32>,
}

impl QrCodeRequest {
    /// A temporary code valid for `expire_seconds`.
    pub fn temporary(scene: QrScene, expire_seconds: u32) -> Self {
        QrCodeRequest {
            scene,
            permanent: false,
            expire_seconds: Some(expire_seconds),
        }
    }

    /// A permanent code.
    pub fn permanent(scene: QrScene) -> Self {
        QrCodeRequest {
            scene,
            permanent: true,
            expire_seconds: None,
        }
    }

    /// The request body: `action_name` (`QR_SCENE`, `QR_STR_SCENE`, `QR_LIMIT_SCENE` or
    /// `QR_LIMIT_STR_SCENE`), `action_info` and, for a temporary code, `expire_seconds`.
    pub(super) fn to_json(&self) -> Value {
        let (action_name, scene) = match (&self.scene, self.permanent) {
            (QrScene::Id(id), false) => ("QR_SCENE", json!({ "scene_id": id })),
            (QrScene::Str(text), false) => ("QR_STR_SCENE", json!({ "scene_str": text })),
            (QrScene::Id(id), true) => ("QR_LIMIT_SCENE", json!({ "scene_id": id })),
            (QrScene::Str(text), true) => ("QR_LIMIT_STR_SCENE", json!({ "scene_str": text })),
        };
        let mut body = Map::new();
        if let (false, Some(seconds)) = (self.permanent, self.expire_seconds) {
            body.insert("expire_seconds".to_owned(), json!(seconds));
        }
        body.insert("action_name".to_owned(), json!(action_name));
        body.insert("action_info".to_owned(), json!({ "scene": scene }));
        Value::Object(body)
    }
}

/// A created QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCodeTicket {
    /// The ticket that fetches the image ([`qr_image_url`]).
    pub ticket: String,
    /// Seconds the code stays valid; `None` for a permanent code.
    pub expire_seconds: Option<u64>,
    /// The URL the code encodes, to draw it yourself.
    pub url: String,
}

impl QrCodeTicket {
    /// Where WeChat serves this code's image.
    pub fn image_url(&self) -> String {
        qr_image_url(&self.ticket)
    }
}

/// Where WeChat serves the QR image of `ticket`:
/// `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=` and the URL-encoded ticket.
pub fn qr_image_url(ticket: &str) -> String {
    let mut url = String::from(SHOW_QRCODE);
    url.extend(form_urlencoded::byte_serialize(ticket.as_bytes()));
    url
}

impl WeChatApi {
    /// Creates a QR code (`/cgi-bin/qrcode/create`).
    pub async fn create_qrcode(&self, request: &QrCodeRequest) -> Result<QrCodeTicket, ApiError> {
        let body = request.to_json();
        let answer = self
            .call(Method::POST, "/cgi-bin/qrcode/create", Some(&body))
            .await?;
        let expire_seconds = match answer.get("expire_seconds") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_u64().ok_or_else(|| {
                ApiError::BadResponse("`expire_seconds` is not a number of seconds".to_owned())
            })?),
        };
        Ok(QrCodeTicket {
            ticket: required_str(&answer, "ticket")?,
            expire_seconds,
            url: required_str(&answer, "url")?,
        })
    }
}

#[cfg(test)]
#[path = "qrcode_test.rs"]
mod tests;
