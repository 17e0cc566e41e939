use super::*;

#[test]
fn cpu_time_of_a_process() {
    let mine = cpu_ticks(std::process::id());
    assert!(mine.is_some());
    assert_eq!(cpu_ticks(u32::MAX), None);
}

#[test]
fn urls() {
    let (addr, target) = parse_url("http://127.0.0.1:8080/wx/safe").unwrap();
    assert_eq!(addr, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(target.authority, "127.0.0.1:8080");
    assert_eq!(target.path, "/wx/safe");
    let (addr, target) = parse_url("http://127.0.0.1").unwrap();
    assert_eq!(addr.port(), 80);
    assert_eq!(target.path, "/");
    let (_, target) = parse_url("http://127.0.0.1:9?x=1").unwrap();
    assert_eq!(target.path, "/?x=1");
    assert!(parse_url("https://127.0.0.1/").is_err());
}
