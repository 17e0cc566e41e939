//! The gateway's internals: the crate's top-level modules but [`crate::config`], declared here
//! so that they are reachable as `wxgate::internals::*` by the project's own benches, fuzz
//! targets, black-box tests and the `wxgate` binary's tools, and by nobody else by intent.
//! Not part of the public API: anything here may change in any release. Inside the crate they
//! are named as top-level modules (`crate::account`, ...): `lib.rs` imports them all.
//!
//! The `#[path]`s keep each module's file where a top-level module's file is
//! (`src/account.rs`, `src/api/mod.rs`, ...).

#[path = "account.rs"]
pub mod account;
#[path = "api/mod.rs"]
pub mod api;
#[path = "clock.rs"]
pub mod clock;
#[path = "cluster/mod.rs"]
pub mod cluster;
#[path = "crypto/mod.rs"]
pub mod crypto;
#[path = "dedup/mod.rs"]
pub mod dedup;
#[path = "dispatch.rs"]
pub mod dispatch;
#[path = "envelope/mod.rs"]
pub mod envelope;
#[path = "grants/mod.rs"]
pub mod grants;
#[path = "http/mod.rs"]
pub mod http;
#[path = "identity/mod.rs"]
pub mod identity;
#[path = "logging.rs"]
pub mod logging;
#[path = "manage/mod.rs"]
pub mod manage;
#[path = "metrics.rs"]
pub mod metrics;
#[path = "outbox/mod.rs"]
pub mod outbox;
#[path = "qr.rs"]
pub mod qr;
#[path = "server/mod.rs"]
pub mod server;
#[path = "sessions/mod.rs"]
pub mod sessions;
#[path = "simulate/mod.rs"]
pub mod simulate;
#[path = "state.rs"]
pub mod state;
#[path = "store/mod.rs"]
pub mod store;
#[path = "surfaces/mod.rs"]
pub mod surfaces;
#[path = "upstream.rs"]
pub mod upstream;
#[path = "wire/mod.rs"]
pub mod wire;
