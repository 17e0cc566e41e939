use super::*;

#[test]
fn the_authority_is_the_lower_cased_host_and_any_port() {
    assert_eq!(
        authority("https://M.Example.com/a/b?x=1#frag").as_deref(),
        Some("m.example.com")
    );
    assert_eq!(
        authority("http://m.example.com:8080/").as_deref(),
        Some("m.example.com:8080")
    );
    assert_eq!(
        authority("https://m.example.com:443/").as_deref(),
        Some("m.example.com")
    );
    assert_eq!(authority("ftp://m.example.com/"), None);
    assert_eq!(authority("/relative"), None);
    assert_eq!(
        authority("https://user@m.example.com/").as_deref(),
        Some("m.example.com")
    );
}
