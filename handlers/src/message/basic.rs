//! The payloads of ordinary (non-event) messages: text, image, voice, video, shortvideo,
//! location, link and miniprogrampage.

use super::error::MessageError;
use super::read::Reader;

/// A text message (`MsgType=text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMessage {
    /// `Content`: what the user typed.
    pub content: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// An image message (`MsgType=image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMessage {
    /// `PicUrl`: a link to the picture.
    pub pic_url: String,
    /// `MediaId`: fetch the picture through the temporary-media API.
    pub media_id: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// A voice message (`MsgType=voice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceMessage {
    /// `MediaId`: fetch the audio through the temporary-media API.
    pub media_id: String,
    /// `Format`: the audio format, e.g. `amr` or `speex`.
    pub format: String,
    /// `Recognition`: the speech-to-text result, when recognition is enabled for the account.
    pub recognition: Option<String>,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// A video message (`MsgType=video`) or a short video (`MsgType=shortvideo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoMessage {
    /// `MediaId`: fetch the video through the temporary-media API.
    pub media_id: String,
    /// `ThumbMediaId`: the thumbnail's media id.
    pub thumb_media_id: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// A location shared by the user (`MsgType=location`).
#[derive(Debug, Clone, PartialEq)]
pub struct LocationMessage {
    /// `Location_X`: latitude.
    pub location_x: f64,
    /// `Location_Y`: longitude.
    pub location_y: f64,
    /// `Scale`: the map zoom level.
    pub scale: u32,
    /// `Label`: a human-readable place description.
    pub label: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// A link shared by the user (`MsgType=link`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMessage {
    /// `Title`.
    pub title: String,
    /// `Description`.
    pub description: String,
    /// `Url`.
    pub url: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

/// A mini program page card sent into a customer-service conversation
/// (`MsgType=miniprogrampage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniProgramPageMessage {
    /// `Title`.
    pub title: String,
    /// `AppId`: the mini program's appid.
    pub app_id: String,
    /// `PagePath`: the page opened by the card.
    pub page_path: String,
    /// `ThumbUrl`: a link to the card's thumbnail.
    pub thumb_url: String,
    /// `ThumbMediaId`: the thumbnail's media id.
    pub thumb_media_id: String,
    /// `MsgId`: WeChat's 64-bit message id, as received (absent in a few pushes; dedup then
    /// falls back to sender and CreateTime).
    pub msg_id: Option<String>,
}

impl TextMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(TextMessage {
            content: r.string("Content")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl ImageMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ImageMessage {
            pic_url: r.string("PicUrl")?,
            media_id: r.string("MediaId")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl VoiceMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(VoiceMessage {
            media_id: r.string("MediaId")?,
            format: r.string("Format")?,
            recognition: r.opt_string("Recognition")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl VideoMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(VideoMessage {
            media_id: r.string("MediaId")?,
            thumb_media_id: r.string("ThumbMediaId")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl LocationMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(LocationMessage {
            location_x: r.float("Location_X")?,
            location_y: r.float("Location_Y")?,
            scale: r.unsigned("Scale")?,
            label: r.string("Label")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl LinkMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(LinkMessage {
            title: r.string("Title")?,
            description: r.string("Description")?,
            url: r.string("Url")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

impl MiniProgramPageMessage {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(MiniProgramPageMessage {
            title: r.string("Title")?,
            app_id: r.string("AppId")?,
            page_path: r.string("PagePath")?,
            thumb_url: r.string("ThumbUrl")?,
            thumb_media_id: r.string("ThumbMediaId")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}
