use super::*;

#[test]
fn unspecified_listeners_are_reached_over_loopback() {
    let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    assert_eq!(reachable(any), "127.0.0.1:8080".parse().unwrap());
    let any6: SocketAddr = "[::]:9000".parse().unwrap();
    assert_eq!(reachable(any6), "[::1]:9000".parse().unwrap());
    let fixed: SocketAddr = "10.1.2.3:80".parse().unwrap();
    assert_eq!(reachable(fixed), fixed);
}
