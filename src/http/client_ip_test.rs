//! Reading the client's address and scheme through trusted proxies, and refusing to be fooled.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use ipnet::IpNet;

use super::{client_ip, is_https};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter().map(|net| net.parse().unwrap()).collect()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn xff(value: &str) -> HeaderMap {
    headers(&[("x-forwarded-for", value)])
}

const PROXY: &str = "10.0.0.2";

fn trusted() -> Vec<IpNet> {
    nets(&["10.0.0.0/8", "127.0.0.1/32", "::1/128"])
}

#[test]
fn without_a_header_or_a_trusted_peer_the_peer_is_the_client() {
    assert_eq!(
        client_ip(ip("203.0.113.9"), &HeaderMap::new(), &trusted()),
        ip("203.0.113.9")
    );
    assert_eq!(
        client_ip(ip(PROXY), &HeaderMap::new(), &trusted()),
        ip(PROXY)
    );
    assert_eq!(
        client_ip(ip(PROXY), &xff("198.51.100.7"), &[]),
        ip(PROXY),
        "nobody is trusted by default"
    );
}

#[test]
fn an_untrusted_peer_cannot_pick_its_address() {
    assert_eq!(
        client_ip(ip("203.0.113.9"), &xff("198.51.100.7"), &trusted()),
        ip("203.0.113.9")
    );
    assert_eq!(
        client_ip(ip("203.0.113.9"), &xff("10.0.0.5"), &trusted()),
        ip("203.0.113.9"),
        "not even a trusted proxy's address"
    );
}

#[test]
fn a_trusted_proxy_names_the_client() {
    assert_eq!(
        client_ip(ip(PROXY), &xff("198.51.100.7"), &trusted()),
        ip("198.51.100.7")
    );
    assert_eq!(
        client_ip(ip(PROXY), &xff("2001:db8::7"), &trusted()),
        ip("2001:db8::7")
    );
}

#[test]
fn the_right_most_untrusted_hop_is_the_client_and_what_lies_left_of_it_is_not_read() {
    // The client sent `X-Forwarded-For: 1.1.1.1` itself; two trusted proxies appended.
    assert_eq!(
        client_ip(
            ip(PROXY),
            &xff("1.1.1.1, 198.51.100.7, 10.0.0.3"),
            &trusted()
        ),
        ip("198.51.100.7")
    );
    // An untrusted hop in the middle of the chain: the chain stops there.
    assert_eq!(
        client_ip(
            ip(PROXY),
            &xff("10.0.0.9, 203.0.113.50, 10.0.0.3"),
            &trusted()
        ),
        ip("203.0.113.50")
    );
    // Garbage a client put left of its own address changes nothing.
    assert_eq!(
        client_ip(ip(PROXY), &xff("not-an-ip, 198.51.100.7"), &trusted()),
        ip("198.51.100.7")
    );
}

#[test]
fn when_every_hop_is_trusted_the_left_most_is_the_client() {
    assert_eq!(
        client_ip(ip(PROXY), &xff("10.1.1.1, 10.0.0.3"), &trusted()),
        ip("10.1.1.1")
    );
}

#[test]
fn several_header_lines_read_as_one_list() {
    let map = headers(&[
        ("x-forwarded-for", "1.1.1.1"),
        ("x-forwarded-for", "198.51.100.7, 10.0.0.3"),
    ]);
    assert_eq!(client_ip(ip(PROXY), &map, &trusted()), ip("198.51.100.7"));
    let map = headers(&[
        ("x-forwarded-for", "198.51.100.7"),
        ("x-forwarded-for", "10.0.0.3"),
    ]);
    assert_eq!(client_ip(ip(PROXY), &map, &trusted()), ip("198.51.100.7"));
}

#[test]
fn hops_may_carry_ports_and_spaces() {
    for (hop, expected) in [
        ("198.51.100.7:5678", "198.51.100.7"),
        ("  198.51.100.7  ", "198.51.100.7"),
        ("[2001:db8::7]:80", "2001:db8::7"),
        ("[2001:db8::7]", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
    ] {
        assert_eq!(
            client_ip(ip(PROXY), &xff(hop), &trusted()),
            ip(expected),
            "{hop}"
        );
    }
    assert_eq!(
        client_ip(ip(PROXY), &xff("198.51.100.7:80,10.0.0.3:443"), &trusted()),
        ip("198.51.100.7")
    );
}

#[test]
fn garbage_before_the_client_is_found_falls_back_to_the_peer() {
    for value in [
        "",
        " ",
        "unknown",
        "198.51.100.7, ",
        "198.51.100.7,,10.0.0.3",
        "198.51.100.7, garbage",
        "198.51.100.7:99999",
        "[198.51.100.7]",
        "[::1",
        "fe80::1%eth0",
        "1.2.3",
        "198.51.100.7 10.0.0.3",
    ] {
        assert_eq!(
            client_ip(ip(PROXY), &xff(value), &trusted()),
            ip(PROXY),
            "{value:?}"
        );
    }
    let mut map = HeaderMap::new();
    map.insert(
        HeaderName::from_static("x-forwarded-for"),
        HeaderValue::from_bytes(b"198.51.100.\xff").unwrap(),
    );
    assert_eq!(client_ip(ip(PROXY), &map, &trusted()), ip(PROXY));
}

#[test]
fn a_v4_mapped_peer_matches_a_v4_trusted_entry() {
    assert_eq!(
        client_ip(ip("::ffff:10.0.0.2"), &xff("198.51.100.7"), &trusted()),
        ip("198.51.100.7")
    );
    assert_eq!(
        client_ip(ip("::ffff:203.0.113.9"), &xff("198.51.100.7"), &trusted()),
        ip("203.0.113.9"),
        "returned in canonical form"
    );
}

#[test]
fn a_single_address_or_a_v6_net_can_be_trusted() {
    let trusted = nets(&["192.0.2.1/32", "fd00::/8"]);
    assert_eq!(
        client_ip(ip("192.0.2.1"), &xff("198.51.100.7"), &trusted),
        ip("198.51.100.7")
    );
    assert_eq!(
        client_ip(ip("192.0.2.2"), &xff("198.51.100.7"), &trusted),
        ip("192.0.2.2")
    );
    assert_eq!(
        client_ip(ip("fd12::1"), &xff("198.51.100.7, fd00::2"), &trusted),
        ip("198.51.100.7")
    );
}

#[test]
fn https_is_read_from_a_trusted_proxy_only() {
    let proto = |value: &str| headers(&[("x-forwarded-proto", value)]);
    let trusted = trusted();
    assert!(is_https(ip(PROXY), &proto("https"), &trusted, "http"));
    assert!(is_https(ip(PROXY), &proto("HTTPS"), &trusted, "http"));
    assert!(is_https(
        ip(PROXY),
        &proto(" https , http"),
        &trusted,
        "http"
    ));
    assert!(!is_https(ip(PROXY), &proto("http"), &trusted, "https"));
    assert!(!is_https(
        ip(PROXY),
        &proto("http, https"),
        &trusted,
        "http"
    ));
    assert!(!is_https(ip(PROXY), &proto("garbage"), &trusted, "http"));
    // No header from a trusted proxy: the connection decides.
    assert!(is_https(ip(PROXY), &HeaderMap::new(), &trusted, "https"));
    assert!(!is_https(ip(PROXY), &HeaderMap::new(), &trusted, "http"));
    // An untrusted peer's header is ignored both ways.
    assert!(!is_https(
        ip("203.0.113.9"),
        &proto("https"),
        &trusted,
        "http"
    ));
    assert!(is_https(
        ip("203.0.113.9"),
        &proto("http"),
        &trusted,
        "https"
    ));
}
