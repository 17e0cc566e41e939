//! # wxgate
//!
//! A callback gateway for WeChat official accounts and mini programs: it answers WeChat's URL
//! handshake, verifies every signature, decrypts safe- and compatible-mode pushes, parses XML
//! and JSON into typed messages, drops WeChat's retries, dispatches each push to a chain of
//! handler plugins under WeChat's 5-second deadline, and replies — encrypted where the push was.
//!
//! The stock `wxgate` binary runs the plugins config.toml describes. To add your own, depend on
//! `wxgate` and `wxgate-handlers` and write a small binary:
//!
//! ```no_run
//! use wxgate::Gateway;
//! use wxgate_handlers::{async_trait, Context, Handler, Outcome, Reply, ScanEvent};
//!
//! struct Greeter;
//!
//! #[async_trait]
//! impl Handler for Greeter {
//!     async fn on_event_scan(&self, _ctx: &Context<'_>, scan: &ScanEvent) -> Outcome {
//!         Reply::Text(format!("scanned {}", scan.event_key)).into()
//!     }
//! }
//!
//! fn main() -> Result<(), wxgate::Error> {
//!     Gateway::load("config.toml")?.handler(Greeter).run()
//! }
//! ```
//!
//! A push flows through the modules in this order: [`http::callback`] (the whole story),
//! [`account`], [`http::body`], [`envelope`] (with [`crypto`] and [`wire`]), the typed
//! [`wxgate_handlers::Message`], [`dedup`], [`dispatch`], and back through [`envelope::seal`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod admin;
pub mod api;
mod clock;
pub mod cluster;
pub mod config;
pub mod crypto;
pub mod dedup;
pub mod dispatch;
pub mod envelope;
mod gateway;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod qr;
pub mod store;
pub mod upstream;
pub mod wire;

pub use config::Config;
pub use gateway::{Error, Gateway, Running, StopHandle};
pub use wxgate_handlers as handlers;

/// The README's Rust examples, compiled as doc tests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
