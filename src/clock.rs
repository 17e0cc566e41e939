//! Cheap clocks for what needs no more than a few milliseconds of precision: the seconds of
//! a push's clock-skew check, of a reply's CreateTime and of the envelope's TimeStamp, and the
//! dedup table's expiry in milliseconds. On Linux they read the kernel's coarse clocks, which
//! the vDSO serves from the last timer tick (1–10 ms old) without reading the TSC: several
//! times cheaper than `SystemTime::now` or `Instant::now` on a virtual machine (BENCHMARKS.md),
//! and a push takes several readings. (Through libc's `clock_gettime`: rustix's own vDSO lookup crashes under
//! valgrind, which `scripts/profile.sh` runs the gateway in.) Elsewhere they fall back to the
//! standard clocks.
//!
//! Timers and latency figures keep using `tokio::time::Instant`, which is precise.

/// Seconds since the Unix epoch, from the coarse wall clock (0 before the epoch).
pub fn unix_secs() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::time::{ClockId, clock_gettime};
        u64::try_from(clock_gettime(ClockId::RealtimeCoarse).tv_sec).unwrap_or(0)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// Microseconds since the Unix epoch, from the precise wall clock (0 before the epoch): for
/// what must differ between two readings a few microseconds apart (fresh ids) or be exact to
/// the millisecond (expiry times shared with other instances).
pub fn unix_micros() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

/// [`unix_secs`] as the store keeps times: signed seconds.
pub fn unix_secs_i64() -> i64 {
    i64::try_from(unix_secs()).unwrap_or(i64::MAX)
}

/// Milliseconds on a monotonic clock with an arbitrary start (the coarse one on Linux): only
/// differences between two readings mean anything.
pub fn monotonic_millis() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::time::{ClockId, clock_gettime};
        let now = clock_gettime(ClockId::MonotonicCoarse);
        let secs = u64::try_from(now.tv_sec).unwrap_or(0);
        let millis = u64::try_from(now.tv_nsec).unwrap_or(0) / 1_000_000;
        secs.saturating_mul(1000).saturating_add(millis)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        let elapsed = START.get_or_init(Instant::now).elapsed();
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
#[path = "clock_test.rs"]
mod tests;
