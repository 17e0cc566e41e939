//! Media files: temporary media (`/cgi-bin/media/upload`) and permanent materials
//! (`/cgi-bin/material/add_material`), both uploaded as `multipart/form-data`.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use wxgate_handlers::api::{Material, MediaKind, UploadedMedia};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::typed;

impl WeChatApi {
    /// Uploads `bytes` as the temporary media file `filename` (WeChat keeps it for 3 days).
    pub async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedMedia, ApiError> {
        let query = [("type", kind.as_str())];
        let answer = self
            .call_multipart("/cgi-bin/media/upload", &query, || {
                media_form(filename, bytes, None)
            })
            .await?;
        typed(Value::Object(answer))
    }

    /// Adds `bytes` as the permanent material `filename`. A video needs `video`, its title
    /// and introduction (without them, [`ApiError::Unsupported`] without a call); other kinds
    /// ignore it.
    pub async fn add_material(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
        video: Option<(&str, &str)>,
    ) -> Result<Material, ApiError> {
        let description = match (kind, video) {
            (MediaKind::Video, Some((title, introduction))) => {
                Some(json!({ "title": title, "introduction": introduction }).to_string())
            }
            (MediaKind::Video, None) => {
                return Err(ApiError::Unsupported(
                    "a video material needs a title and an introduction",
                ));
            }
            _ => None,
        };
        let query = [("type", kind.as_str())];
        let answer = self
            .call_multipart("/cgi-bin/material/add_material", &query, || {
                media_form(filename, bytes, description.clone())
            })
            .await?;
        typed(Value::Object(answer))
    }
}

/// The upload form: the file as the field `media`, and the video's `description` JSON.
pub(super) fn media_form(
    filename: &str,
    bytes: &[u8],
    description: Option<String>,
) -> Result<Form, ApiError> {
    let part = Part::bytes(bytes.to_vec())
        .file_name(filename.to_owned())
        .mime_str(content_type(filename))
        .map_err(|_| ApiError::Unsupported("the file's content type is not valid"))?;
    let form = Form::new().part("media", part);
    Ok(match description {
        Some(description) => form.text("description", description),
        None => form,
    })
}

/// The content type WeChat expects for `filename`, by its extension.
pub(super) fn content_type(filename: &str) -> &'static str {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "mp3" => "audio/mpeg",
        "amr" => "audio/amr",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
#[path = "media_test.rs"]
mod tests;
