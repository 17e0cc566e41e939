use super::*;

#[test]
fn nearest_rank_percentiles() {
    let mut ms: Vec<u64> = (1..=100).rev().map(|i| i * 1_000_000).collect();
    let p = Percentiles::of(&mut ms);
    assert_eq!((p.p50, p.p90, p.p99, p.max), (50.0, 90.0, 99.0, 100.0));
    assert_eq!(Percentiles::of(&mut []), Percentiles::default());
}

#[test]
fn merged_counts() {
    let mut a = Tally::default();
    a.response(200, Duration::from_millis(1));
    a.response(403, Duration::from_millis(1));
    let mut b = Tally::default();
    b.response(200, Duration::from_millis(2));
    b.error("reset");
    a.merge(b);
    assert_eq!(a.responses(), 3);
    assert_eq!(a.other_than(200), 1);
    assert_eq!(a.other_than(202), 3);
    assert_eq!(a.errors, 1);
    assert_eq!(a.first_error.as_deref(), Some("reset"));
}
