//! The gateway's companion tools, built into the `wxgate` binary:
//!
//! | module | subcommand | what |
//! |---|---|---|
//! | [`simulate`] | `wxgate simulate` | plays WeChat: one push, signed and encrypted, reply checked and shown |
//! | [`loadgen`] | `wxgate bench` | drives a gateway with unique pushes (or, `--send`, template sends to the send API) over keep-alive connections |
//! | [`baseline`] | `wxgate bench-baseline` | a minimal actix-web server, the yardstick for `bench`; `--wechat`, a mock of WeChat's API that answers at once |
//! | [`rotate_key`] | `wxgate rotate-signing-key` | a new OpenID Connect signing key in the store |
//! | [`hash_password`] | `wxgate hash-password` | the argon2 hash of a console admin's password |
//!
//! Pushes are built and replies opened by the library's `simulate` module, which the console's
//! simulator shares.

pub mod baseline;
pub mod hash_password;
pub mod loadgen;
pub mod rotate_key;
pub mod simulate;

use std::net::SocketAddr;
use std::time::Duration;

pub use wxgate::internals::simulate::reachable;

/// The callback URL of `account` on a gateway listening on `listen`; an unspecified address
/// (`0.0.0.0`, `::`) is reached over loopback.
pub fn callback_url(listen: SocketAddr, account: &str) -> String {
    format!("http://{}/wx/{account}", reachable(listen))
}

/// Parses `10s`, `500ms`, `2m`, `1.5s` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 10s, 500ms or 2m"))?;
    let secs = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        other => return Err(format!("unknown unit {other:?}: use ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
#[path = "tools_test.rs"]
mod tests;
