//! The client behind a request: its address and whether it connected over https, seen through
//! the reverse proxies named in `[server] trusted_proxies`.
//!
//! Headers are believed only from a trusted peer: anybody can send `X-Forwarded-For`, so from
//! any other peer the connection is all there is. Each proxy appends the address it received the
//! request from, so `X-Forwarded-For` is read right to left: the first hop that is not itself a
//! trusted proxy is the client. Whatever lies left of it was written by that client and is never
//! read — a client cannot pick its own address by sending the header. A hop that cannot be
//! read before the client is found makes the whole header worthless: the peer is the answer.
//!
//! Addresses are compared and returned in canonical form (`::ffff:1.2.3.4` is `1.2.3.4`), so a
//! dual-stack listener and an IPv4 `trusted_proxies` entry agree.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The header proxies append the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The header proxies name the client's scheme in.
const FORWARDED_PROTO: &str = "x-forwarded-proto";

/// The client's address: `peer`, or when `peer` is in `trusted`, the right-most address of
/// X-Forwarded-For that is not itself trusted (all trusted: the left-most). Malformed header
/// (an unreadable hop before the client is found): peer. Several X-Forwarded-For lines read
/// as one list, in order. Hops may carry a port (`1.2.3.4:5678`, `[::1]:80`).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all(FORWARDED_FOR) {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        hops.extend(text.split(','));
    }
    let mut leftmost = None;
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            return peer;
        };
        if !is_trusted(address, trusted) {
            return address;
        }
        leftmost = Some(address);
    }
    leftmost.unwrap_or(peer)
}

/// Whether the request came over https: X-Forwarded-Proto from a trusted peer, else the
/// connection's scheme. Of a list of schemes (`https, http`) the left-most counts, the one the
/// first proxy saw the client use; a trusted peer that sends no X-Forwarded-Proto leaves the
/// connection's scheme.
pub fn is_https(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    connection_scheme: &str,
) -> bool {
    let forwarded = headers
        .get(FORWARDED_PROTO)
        .filter(|_| is_trusted(peer.to_canonical(), trusted));
    match forwarded {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.split(',').next())
            .is_some_and(|scheme| scheme.trim().eq_ignore_ascii_case("https")),
        None => connection_scheme.eq_ignore_ascii_case("https"),
    }
}

fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&address))
}

/// One hop of X-Forwarded-For: an address, with or without a port, spaces around it trimmed.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = if let Ok(address) = hop.parse::<IpAddr>() {
        address
    } else if let Ok(socket) = hop.parse::<SocketAddr>() {
        socket.ip()
    } else {
        // `[::1]` without a port.
        let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
        IpAddr::V6(inner.parse::<Ipv6Addr>().ok()?)
    };
    Some(address.to_canonical())
}

#[cfg(test)]
#[path = "client_ip_test.rs"]
mod tests;
