//! The typed message model: [`Message`], built from the raw [`Fields`] of a push.
//!
//! Parsing is lossless: [`Message::raw`] keeps every field as received, and a type or event this
//! crate does not know parses into [`MessageKind::Unknown`] or [`Event::Unknown`] instead of
//! failing. Only a push missing the common fields, or a known type missing its own required
//! fields or carrying a malformed number, is an error.

mod basic;
mod error;
pub(crate) mod event;
pub(crate) mod read;

pub use basic::{
    ImageMessage, LinkMessage, LocationMessage, MiniProgramPageMessage, TextMessage, VideoMessage,
    VoiceMessage,
};
pub use error::MessageError;
pub use event::*;

use crate::fields::Fields;
use read::Reader;

/// One message or event pushed by WeChat.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// `ToUserName`: the account's original id (`gh_...`).
    pub to_user: String,
    /// `FromUserName`: the sender's openid.
    pub from_user: String,
    /// `CreateTime`: seconds since the Unix epoch.
    pub create_time: u64,
    /// The typed content, by `MsgType` (and `Event`).
    pub kind: MessageKind,
    /// Every field as received, in document order, nested ones included.
    pub raw: Fields,
}

/// What a message is, by its `MsgType`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MessageKind {
    /// `text`.
    Text(TextMessage),
    /// `image`.
    Image(ImageMessage),
    /// `voice`.
    Voice(VoiceMessage),
    /// `video`.
    Video(VideoMessage),
    /// `shortvideo`.
    ShortVideo(VideoMessage),
    /// `location`.
    Location(LocationMessage),
    /// `link`.
    Link(LinkMessage),
    /// `miniprogrampage`.
    MiniProgramPage(MiniProgramPageMessage),
    /// `event`, by its `Event` field. Boxed: the payloads of the whole catalogue make an
    /// [`Event`] several times the size of a text message, which every message would carry
    /// (and move) otherwise.
    Event(Box<Event>),
    /// `device_event`: a hardware device was bound or unbound, or a user subscribed to or
    /// unsubscribed from its status (`Event` `bind`, `unbind`, `subscribe_status`,
    /// `unsubscribe_status`).
    DeviceEvent(DeviceEvent),
    /// `device_text`: a hardware device sent a message through the account.
    DeviceText(DeviceTextMessage),
    /// Any other `MsgType`; [`Message::raw`] holds all of it.
    Unknown {
        /// The `MsgType` as received.
        msg_type: String,
    },
}

impl MessageKind {
    /// The canonical `MsgType` (`text`, `event`, ...); for [`MessageKind::Unknown`], the type as
    /// received.
    pub fn name(&self) -> &str {
        match self {
            MessageKind::Text(_) => "text",
            MessageKind::Image(_) => "image",
            MessageKind::Voice(_) => "voice",
            MessageKind::Video(_) => "video",
            MessageKind::ShortVideo(_) => "shortvideo",
            MessageKind::Location(_) => "location",
            MessageKind::Link(_) => "link",
            MessageKind::MiniProgramPage(_) => "miniprogrampage",
            MessageKind::DeviceEvent(_) => "device_event",
            MessageKind::DeviceText(_) => "device_text",
            MessageKind::Event(_) => "event",
            MessageKind::Unknown { msg_type } => msg_type,
        }
    }
}

impl Message {
    /// Builds the typed message from the raw fields of a push, keeping them whole in
    /// [`Message::raw`].
    ///
    /// `ToUserName`, `FromUserName`, `CreateTime` (ASCII digits) and `MsgType` are required, and
    /// `Event` when `MsgType` is `event`. `MsgType` and `Event` are matched case-insensitively.
    /// A known type or event must carry its own documented fields; unknown ones always parse.
    ///
    /// # Errors
    ///
    /// [`MessageError`] naming the field that is missing, malformed or of the wrong shape.
    pub fn from_fields(fields: Fields) -> Result<Message, MessageError> {
        let r = Reader::top(&fields);
        let to_user = r.string("ToUserName")?;
        let from_user = r.string("FromUserName")?;
        let create_time = r.unsigned("CreateTime")?;
        let msg_type = r.str("MsgType")?;
        let kind = MessageKind::read(msg_type, &r)?;
        Ok(Message {
            to_user,
            from_user,
            create_time,
            kind,
            raw: fields,
        })
    }

    /// `MsgType` as received (empty if [`Message::raw`] was emptied after parsing).
    pub fn msg_type(&self) -> &str {
        self.raw.text("MsgType").unwrap_or_default()
    }

    /// `MsgId` as received, or `MsgID` (the spelling of the job-finish events).
    pub fn msg_id(&self) -> Option<&str> {
        self.raw.text("MsgId").or_else(|| self.raw.text("MsgID"))
    }

    /// Whether this is an event (`MsgType=event`).
    pub fn is_event(&self) -> bool {
        matches!(self.kind, MessageKind::Event(_))
    }

    /// The event, when this is one.
    pub fn event(&self) -> Option<&Event> {
        match &self.kind {
            MessageKind::Event(event) => Some(event),
            _ => None,
        }
    }

    /// `Event` as received (original case), when this is an event.
    pub fn event_name(&self) -> Option<&str> {
        self.event().and_then(|_| self.raw.text("Event"))
    }

    /// `EventKey` as received, when this is an event that carries one.
    pub fn event_key(&self) -> Option<&str> {
        self.event().and_then(|_| self.raw.text("EventKey"))
    }

    /// `Content`, when this is a text message.
    pub fn text_content(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::Text(text) => Some(&text.content),
            _ => None,
        }
    }
}

impl MessageKind {
    /// The typed content of a push of type `msg_type`. A known type whose own fields do not
    /// parse (an old-format image without `MediaId`, say) becomes [`MessageKind::Unknown`], so
    /// the push still reaches plugins with every raw field; only an event push without its
    /// `Event` field is an error.
    fn read(msg_type: &str, r: &Reader<'_>) -> Result<MessageKind, MessageError> {
        if msg_type.eq_ignore_ascii_case("event") {
            return Ok(MessageKind::Event(Box::new(Event::read(
                r.str("Event")?,
                r,
            ))));
        }
        Ok(MessageKind::parse(msg_type, r)
            .and_then(Result::ok)
            .unwrap_or_else(|| MessageKind::Unknown {
                msg_type: msg_type.to_owned(),
            }))
    }

    /// The typed parse alone of a message type other than `event`: `None` for a type this
    /// crate does not know, else the content or why it did not parse.
    pub(crate) fn parse(
        msg_type: &str,
        r: &Reader<'_>,
    ) -> Option<Result<MessageKind, MessageError>> {
        let is = |known: &str| msg_type.eq_ignore_ascii_case(known);
        Some(if is("text") {
            TextMessage::read(r).map(MessageKind::Text)
        } else if is("image") {
            ImageMessage::read(r).map(MessageKind::Image)
        } else if is("voice") {
            VoiceMessage::read(r).map(MessageKind::Voice)
        } else if is("video") {
            VideoMessage::read(r).map(MessageKind::Video)
        } else if is("shortvideo") {
            VideoMessage::read(r).map(MessageKind::ShortVideo)
        } else if is("location") {
            LocationMessage::read(r).map(MessageKind::Location)
        } else if is("link") {
            LinkMessage::read(r).map(MessageKind::Link)
        } else if is("miniprogrampage") {
            MiniProgramPageMessage::read(r).map(MessageKind::MiniProgramPage)
        } else if is("device_event") {
            DeviceEvent::read(r).map(MessageKind::DeviceEvent)
        } else if is("device_text") {
            DeviceTextMessage::read(r).map(MessageKind::DeviceText)
        } else {
            return None;
        })
    }
}

#[cfg(test)]
#[path = "message_test.rs"]
mod tests;
