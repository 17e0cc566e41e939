use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{monotonic_millis, unix_secs};

#[test]
fn the_coarse_wall_clock_agrees_with_the_system_clock_to_the_second() {
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let coarse = unix_secs();
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The coarse clock lags by at most a timer tick: it may still show the last second.
    assert!(
        coarse + 1 >= before && coarse <= after,
        "{before} {coarse} {after}"
    );
}

#[test]
fn monotonic_millis_advance_with_real_time_within_a_tick() {
    let start = Instant::now();
    let first = monotonic_millis();
    std::thread::sleep(Duration::from_millis(120));
    let second = monotonic_millis();
    let elapsed = u64::try_from(start.elapsed().as_millis()).unwrap();
    assert!(second >= first);
    // Within two ticks of 10 ms (HZ=100, the coarsest kernels) of the precise clock.
    assert!(second - first + 20 >= 120, "{first} {second}");
    assert!(second - first <= elapsed + 20, "{first} {second} {elapsed}");
}
