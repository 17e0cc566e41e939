//! # wxgate-handlers
//!
//! Everything a wxgate handler-plugin author depends on: the typed WeChat message model, the
//! reply model, and the [`Handler`] trait. No HTTP framework here: plugins stay small and the
//! gateway (`wxgate`) does the wire work.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fields;
pub mod plugins;
pub mod reply;

pub use fields::{Fields, Value};
pub use reply::{Article, Media, Music, Outcome, Reply, Transfer, Video};
