//! # wxgate
//!
//! A callback gateway for WeChat official accounts and mini programs: it answers WeChat's URL
//! handshake, verifies every signature, decrypts safe- and compatible-mode pushes, parses XML
//! and JSON into typed messages, drops WeChat's retries, dispatches each push to a chain of
//! handler plugins under WeChat's 5-second deadline, and replies — encrypted where the push was.
//!
//! The stock `wxgate` binary runs the plugins config.toml describes. To add your own, depend on
//! `wxgate` and write a small binary. A closure answers one message type or event:
//!
//! ```no_run
//! use wxgate::Gateway;
//!
//! fn main() -> Result<(), wxgate::Error> {
//!     Gateway::load("config.toml")?
//!         .on_text(|_ctx, text| async move { format!("you said {}", text.content) })
//!         .on_event_scan(|_ctx, scan| async move { format!("scanned {}", scan.event_key) })
//!         .run()
//! }
//! ```
//!
//! A plugin with state, or for many events, implements the [`Handler`](handlers::Handler)
//! trait (one method per message type and event; override what you handle), for every account
//! or for one ([`Gateway::handler_for`]):
//!
//! ```no_run
//! use wxgate::prelude::*;
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
//!     Gateway::load("config.toml")?.handler_for("shop", Greeter).run()
//! }
//! ```
//!
//! ## Public API
//!
//! What an embedding binary needs and nothing more: [`Gateway`] (load a config, add handler
//! plugins, run or serve), [`Running`] and [`StopHandle`] (stop it), [`Error`], the [`config`]
//! types, the plugin crate re-exported as [`handlers`], and a [`prelude`] with all of it.
//!
//! Everything else is internal. The project's own benches, fuzz targets, black-box tests and
//! the `wxgate` binary's tools reach the internals through `wxgate::internals`, a
//! `#[doc(hidden)]` module that is not part of the public API and may change in any release.
//!
//! ## Where things live
//!
//! A push flows through the modules in this order: the server's front service, the
//! `surfaces::callback` surface (the whole story in one file), `envelope` (query, verify,
//! decrypt, with `crypto` and `wire`), the typed [`handlers::Message`], `dedup`, `dispatch`,
//! and back through `envelope::seal`. ARCHITECTURE.md draws the whole map.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;

pub use config::Config;
pub use server::{Error, Gateway, Running, StopHandle};
pub use wxgate_handlers as handlers;

/// Everything a custom gateway with plugins needs, from this one crate:
/// `use wxgate::prelude::*;` brings the [`Gateway`], the [`Handler`](handlers::Handler) trait
/// and `async_trait`, [`Context`](handlers::Context) and [`Ctx`](handlers::Ctx), replies and
/// outcomes, and every message and event type.
pub mod prelude {
    pub use crate::{Config, Error, Gateway};
    pub use wxgate_handlers::*;
}

/// The gateway's internals: every module but [`config`], for the project's own benches, fuzz
/// targets, black-box tests and the `wxgate` binary's tools. Not part of the public API:
/// anything here may change in any release. (The files are the crate's top-level modules,
/// `src/*.rs` and `src/*/mod.rs`; the crate itself names them `crate::account`, ...)
#[doc(hidden)]
pub mod internals;

use internals::{
    account, api, clock, cluster, crypto, dedup, dispatch, envelope, grants, http, identity,
    logging, manage, metrics, outbox, qr, server, sessions, simulate, state, store, surfaces,
    upstream, wire,
};

/// The README's Rust examples, compiled as doc tests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
