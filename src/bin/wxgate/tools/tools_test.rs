use super::*;

#[test]
fn durations() {
    assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert!(parse_duration("ten").is_err());
    assert!(parse_duration("5h").is_err());
}

#[test]
fn urls_reach_unspecified_listeners_over_loopback() {
    let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    assert_eq!(callback_url(any, "demo"), "http://127.0.0.1:8080/wx/demo");
    let any6: SocketAddr = "[::]:9000".parse().unwrap();
    assert_eq!(callback_url(any6, "a"), "http://[::1]:9000/wx/a");
    let fixed: SocketAddr = "10.1.2.3:80".parse().unwrap();
    assert_eq!(callback_url(fixed, "a"), "http://10.1.2.3:80/wx/a");
}
