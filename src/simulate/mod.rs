//! Playing WeChat: pushes built as WeChat builds them ([`messages`]: every message and event
//! type; [`push`]: the XML, signed, and encrypted for compatible and safe accounts), and the
//! gateway's reply checked and opened. The `wxgate simulate` and `wxgate bench` tools and the
//! console's simulator share it, so what they send is what the gateway gets from WeChat.
//!
//! A foundation: it knows the config, `crypto` and `wire`, and nothing of HTTP.

pub mod messages;
pub mod push;

pub use messages::{EVENTS, Envelope, EventArgs, Kind, MESSAGE_TYPES, UnknownType};
pub use push::{Node, Opened, PushXml, ReplyError, Sender, Signed};
