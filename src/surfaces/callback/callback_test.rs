use super::account_segment;

#[test]
fn exactly_one_segment_below_wx_names_the_account() {
    assert_eq!(account_segment("/demo"), Some("demo"));
    for rest in ["", "/", "/demo/", "/demo/x", "demo", "//demo"] {
        assert_eq!(account_segment(rest), None, "{rest:?}");
    }
}
