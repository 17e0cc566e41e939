//! The memory backend's expiry and capacity, on an injected clock.

use std::time::Duration;

use tokio::time::Instant;

use super::{GrantKind, GrantsError, Key, MemoryGrants, SWEEP_EVERY};

const SEC: Duration = Duration::from_secs(1);

fn key(n: u32) -> Key {
    let mut digest = [0u8; 32];
    digest[..4].copy_from_slice(&n.to_be_bytes());
    (GrantKind::Code, digest)
}

#[test]
fn entries_expire_at_their_ttl() {
    let grants = MemoryGrants::new(10);
    let t0 = Instant::now();
    grants.put(key(1), "v", 10 * SEC, t0).unwrap();
    assert_eq!(grants.get(&key(1), t0 + 9 * SEC).as_deref(), Some("v"));
    assert_eq!(grants.get(&key(1), t0 + 10 * SEC), None);
    assert_eq!(grants.len(), 0, "removed when met expired");

    grants.put(key(2), "v", 10 * SEC, t0).unwrap();
    assert_eq!(grants.take(&key(2), t0 + 10 * SEC), None);
    assert_eq!(grants.replace(&key(2), "w", 10 * SEC, t0 + 10 * SEC), None);
    assert_eq!(grants.len(), 0);
}

#[test]
fn replace_renews_the_ttl() {
    let grants = MemoryGrants::new(10);
    let t0 = Instant::now();
    grants.put(key(1), "a", 10 * SEC, t0).unwrap();
    assert_eq!(
        grants
            .replace(&key(1), "b", 10 * SEC, t0 + 5 * SEC)
            .as_deref(),
        Some("a")
    );
    assert_eq!(grants.get(&key(1), t0 + 14 * SEC).as_deref(), Some("b"));
    assert_eq!(grants.get(&key(1), t0 + 15 * SEC), None);
}

#[test]
fn a_full_map_purges_expired_entries_and_refuses_only_when_all_are_live() {
    let grants = MemoryGrants::new(3);
    let t0 = Instant::now();
    grants.put(key(1), "v", SEC, t0).unwrap();
    grants.put(key(2), "v", 10 * SEC, t0).unwrap();
    grants.put(key(3), "v", 10 * SEC, t0).unwrap();
    assert!(matches!(
        grants.put(key(4), "v", 10 * SEC, t0),
        Err(GrantsError::Full)
    ));
    // Overwriting an entry needs no room.
    grants.put(key(3), "w", 10 * SEC, t0).unwrap();

    // Key 1 has expired: it makes room.
    grants.put(key(4), "v", 10 * SEC, t0 + 2 * SEC).unwrap();
    assert_eq!(grants.len(), 3);
    assert!(matches!(
        grants.put(key(5), "v", 10 * SEC, t0 + 2 * SEC),
        Err(GrantsError::Full)
    ));
    // Taking one makes room too.
    assert!(grants.take(&key(2), t0 + 2 * SEC).is_some());
    grants.put(key(5), "v", 10 * SEC, t0 + 2 * SEC).unwrap();
    // Once everything has expired, everything is purged.
    grants.put(key(6), "v", SEC, t0 + 20 * SEC).unwrap();
    assert_eq!(grants.len(), 1);
}

#[test]
fn expired_entries_are_swept_as_new_ones_arrive_well_below_capacity() {
    let grants = MemoryGrants::new(1_000_000);
    let t0 = Instant::now();
    let count = u32::try_from(SWEEP_EVERY).unwrap();
    for n in 0..count {
        grants.put(key(n), "v", SEC, t0).unwrap();
    }
    assert_eq!(grants.len(), SWEEP_EVERY);
    // None is ever read again; the next new entries sweep them away.
    for n in count..count * 2 + 1 {
        grants.put(key(n), "v", 60 * SEC, t0 + 2 * SEC).unwrap();
    }
    assert!(grants.len() <= SWEEP_EVERY + 1, "{}", grants.len());
}

#[test]
fn huge_ttls_do_not_overflow_the_clock() {
    let grants = MemoryGrants::new(2);
    let t0 = Instant::now();
    grants.put(key(1), "v", Duration::MAX, t0).unwrap();
    assert_eq!(grants.get(&key(1), t0 + 1000 * SEC).as_deref(), Some("v"));
}
