//! Playing WeChat: pushes built as WeChat builds them ([`messages`]: every message and event
//! type; [`push`]: the XML, signed, and encrypted for compatible and safe accounts), and the
//! gateway's reply checked and opened. The `wxgate simulate` and `wxgate bench` tools and the
//! console's simulator share it, so what they send is what the gateway gets from WeChat.
//!
//! A foundation: it knows the config, `crypto` and `wire`, and nothing of HTTP but where a
//! gateway is reached ([`reachable`]).

pub mod messages;
pub mod push;

pub use messages::{EVENTS, Envelope, EventArgs, Kind, MESSAGE_TYPES, UnknownType};
pub use push::{Node, Opened, PushXml, ReplyError, Sender, Signed};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where a gateway listening on `listen` is reached from its own host: an unspecified address
/// (`0.0.0.0`, `::`) is reached over loopback.
pub fn reachable(mut listen: SocketAddr) -> SocketAddr {
    if listen.ip().is_unspecified() {
        listen.set_ip(match listen.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    listen
}

#[cfg(test)]
#[path = "simulate_test.rs"]
mod tests;
