//! The sliding window, its Retry-After and its memory bound, on an injected clock.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use tokio::time::Instant;

use super::{MAX_KEYS, SHARDS, Throttle};

const SEC: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

fn ip(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(n))
}

#[test]
fn the_limit_is_reached_with_a_sane_retry_after() {
    let throttle = Throttle::new(3, MINUTE);
    let t0 = Instant::now();
    for _ in 0..3 {
        assert_eq!(throttle.hit_at(ip(1), t0), Ok(()));
    }
    let retry = throttle.hit_at(ip(1), t0).unwrap_err();
    assert!(retry >= SEC && retry <= 2 * MINUTE, "{retry:?}");
    assert_eq!(retry.subsec_nanos(), 0, "whole seconds");
    // Refused requests are not counted: the answer does not grow.
    assert_eq!(throttle.hit_at(ip(1), t0 + SEC), Err(retry - SEC));
    // Just before the announced time it is still refused; at it, allowed.
    assert!(throttle.hit_at(ip(1), t0 + retry - SEC).is_err());
    assert_eq!(throttle.hit_at(ip(1), t0 + retry), Ok(()));
}

#[test]
fn other_addresses_are_unaffected() {
    let throttle = Throttle::new(2, MINUTE);
    let t0 = Instant::now();
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    assert!(throttle.hit_at(ip(1), t0).is_ok());
    assert!(throttle.hit_at(ip(1), t0).is_ok());
    assert!(throttle.hit_at(ip(1), t0).is_err());
    assert!(throttle.hit_at(ip(2), t0).is_ok());
    assert!(throttle.hit_at(v6, t0).is_ok());
    assert!(throttle.hit_at(v6, t0).is_ok());
    assert!(throttle.hit_at(v6, t0).is_err());
    assert!(throttle.hit_at(ip(2), t0).is_ok());
}

#[test]
fn the_window_slides() {
    let throttle = Throttle::new(10, MINUTE);
    let t0 = Instant::now();
    for _ in 0..10 {
        assert!(throttle.hit_at(ip(1), t0).is_ok());
    }
    assert!(throttle.hit_at(ip(1), t0 + 30 * SEC).is_err());
    // Half a window into the next one, half the old window's requests still count.
    let t = t0 + MINUTE + 30 * SEC;
    for _ in 0..5 {
        assert!(throttle.hit_at(ip(1), t).is_ok());
    }
    let retry = throttle.hit_at(ip(1), t).unwrap_err();
    assert!(retry <= MINUTE, "{retry:?}");
    // Two windows on, nothing of the burst is left.
    let t = t0 + 3 * MINUTE;
    for _ in 0..10 {
        assert!(throttle.hit_at(ip(1), t).is_ok());
    }
    assert!(throttle.hit_at(ip(1), t).is_err());
}

#[test]
fn a_steady_client_under_the_limit_is_never_refused() {
    // 40 a minute, evenly, against a limit of 60.
    let throttle = Throttle::new(60, MINUTE);
    let t0 = Instant::now();
    for i in 0..600u32 {
        assert!(
            throttle
                .hit_at(ip(1), t0 + Duration::from_millis(1500) * i)
                .is_ok(),
            "request {i}"
        );
    }
}

#[test]
fn retry_after_is_at_least_a_second() {
    let throttle = Throttle::new(1, Duration::from_millis(100));
    let t0 = Instant::now();
    assert!(throttle.hit_at(ip(1), t0).is_ok());
    assert_eq!(throttle.hit_at(ip(1), t0), Err(SEC));
}

#[test]
fn limit_zero_never_throttles() {
    let throttle = Throttle::new(0, MINUTE);
    for _ in 0..10_000 {
        assert!(throttle.hit(ip(1)).is_ok());
    }
    assert_eq!(throttle.tracked(), 0, "and tracks nothing");
}

#[test]
fn eviction_keeps_memory_bounded_dropping_passed_windows_first() {
    let max = SHARDS * 8;
    let throttle = Throttle::with_capacity(2, MINUTE, max);
    let t0 = Instant::now();
    // A flood of addresses, each once: the table never outgrows its bound.
    for n in 0..10_000 {
        assert!(throttle.hit_at(ip(n), t0).is_ok());
        assert!(throttle.tracked() <= max);
    }
    // An address at its limit is kept while newer addresses arrive, as long as older idle
    // ones can go instead.
    let throttle = Throttle::with_capacity(2, MINUTE, max);
    for n in 0..max as u32 {
        assert!(throttle.hit_at(ip(100_000 + n), t0).is_ok());
    }
    let busy = ip(1);
    let later = t0 + 10 * SEC;
    assert!(throttle.hit_at(busy, later).is_ok());
    assert!(throttle.hit_at(busy, later).is_ok());
    assert!(throttle.hit_at(busy, later).is_err());
    for n in 0..max as u32 / 2 {
        let t = later + Duration::from_millis(u64::from(n));
        assert!(throttle.hit_at(ip(200_000 + n), t).is_ok());
        assert!(throttle.hit_at(busy, t).is_err(), "not evicted at {n}");
    }
    assert!(throttle.tracked() <= max);
    // Once their windows have passed, addresses make room without touching live ones.
    let much_later = t0 + 3 * MINUTE;
    for n in 0..max as u32 {
        assert!(throttle.hit_at(ip(300_000 + n), much_later).is_ok());
    }
    assert!(throttle.tracked() <= max);
}

#[test]
fn the_default_bound_holds() {
    let throttle = Throttle::new(5, MINUTE);
    let t0 = Instant::now();
    for n in 0..(MAX_KEYS as u32 + MAX_KEYS as u32 / 2) {
        let _ = throttle.hit_at(ip(n), t0);
    }
    assert!(throttle.tracked() <= MAX_KEYS, "{}", throttle.tracked());
    assert!(throttle.tracked() >= MAX_KEYS / 2, "{}", throttle.tracked());
}

#[test]
fn it_is_shared_across_threads() {
    let throttle = std::sync::Arc::new(Throttle::new(1000, MINUTE));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let throttle = throttle.clone();
            std::thread::spawn(move || (0..500).filter(|_| throttle.hit(ip(7)).is_ok()).count())
        })
        .collect();
    let allowed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(allowed, 1000);
}
