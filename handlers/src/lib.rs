//! # wxgate-handlers
//!
//! Everything a wxgate handler-plugin author depends on: the typed WeChat message model, the
//! reply model, and the [`Handler`] trait. No HTTP framework here: plugins stay small and the
//! gateway (`wxgate`) does the wire work.
//!
//! - [`Message`] is one push, typed by [`MessageKind`] and [`Event`], with every raw field kept
//!   in [`Message::raw`].
//! - [`Handler`] has one async method per message type and event; override only what you handle.
//!   Unhandled calls fall back (`on_event_scan` -> `on_event` -> `on_message` ->
//!   [`Outcome::Pass`]).
//! - [`Registry`] tries plugins in order; the first outcome that is not [`Outcome::Pass`] wins.
//! - [`AutoReply`] is the built-in rule plugin driven by config.toml.
//! - [`Context::api`] calls WeChat's server API now; [`Context::outbox`] hands a template,
//!   subscription or customer-service message to the gateway's outbox, which stores it at once
//!   and delivers it later ([`Outbox`]).
//!
//! # Writing a plugin
//!
//! ```
//! use wxgate_handlers::{
//!     async_trait, Context, Fields, Handler, Message, Outcome, Registry, Reply, ScanEvent,
//! };
//!
//! /// Greets followers who scan a parametric QR code.
//! struct MyBot;
//!
//! #[async_trait]
//! impl Handler for MyBot {
//!     async fn on_event_scan(&self, ctx: &Context<'_>, scan: &ScanEvent) -> Outcome {
//!         let greeting = format!("welcome back to {}, scene {}", ctx.account(), scan.event_key);
//!         Reply::Text(greeting).into()
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The gateway decodes the push into raw fields; here they are built by hand.
//! let mut fields = Fields::new();
//! for (name, text) in [
//!     ("ToUserName", "gh_123456789abc"),
//!     ("FromUserName", "oUser"),
//!     ("CreateTime", "1348831860"),
//!     ("MsgType", "event"),
//!     ("Event", "SCAN"),
//!     ("EventKey", "42"),
//!     ("Ticket", "TICKET"),
//! ] {
//!     fields.push_text(name, text);
//! }
//! let message = Message::from_fields(fields)?;
//!
//! let mut registry = Registry::new();
//! registry.push(MyBot);
//! let ctx = Context::new("demo", &message);
//! let outcome = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(registry.dispatch(&ctx));
//! assert_eq!(outcome, Outcome::Reply(Reply::Text("welcome back to demo, scene 42".into())));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod fields;
pub mod func;
pub mod handler;
pub mod message;
pub mod outbox;
pub mod plugins;
pub mod registry;
pub mod reply;

#[cfg(test)]
mod test_util;

pub use api::{Api, ApiError};
pub use async_trait::async_trait;
pub use fields::{Fields, Value};
pub use func::{Ctx, IntoOutcome};
pub use handler::{Context, CustomerService, Handler, SendError};
pub use message::*;
pub use outbox::{EnqueueError, Enqueued, Outbox, OutgoingMessage};
pub use plugins::auto_reply::{AutoReply, Forwarder, RuleAction, RuleConfig, RuleError};
pub use registry::{Registry, dispatch_one};
pub use reply::{Article, HandlerError, Media, Music, Outcome, Reply, Transfer, Video};
