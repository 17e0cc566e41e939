use super::split_connections;

#[test]
fn connections_are_split_so_the_total_is_at_most_the_limit() {
    assert_eq!(split_connections(25_000, 2), (2, 12_500));
    assert_eq!(split_connections(25_000, 3), (3, 8_333));
    assert_eq!(split_connections(4, 2), (2, 2));
    assert_eq!(split_connections(5, 2), (2, 2));
    assert_eq!(split_connections(1, 8), (1, 1));
    assert_eq!(split_connections(3, 8), (3, 1));
    assert_eq!(split_connections(10, 0), (1, 10));
}
