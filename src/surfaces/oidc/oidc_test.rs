use super::*;

#[test]
fn states_are_32_alphanumerics_and_differ() {
    let a = fresh_state();
    let b = fresh_state();
    assert_eq!(a.len(), STATE_LEN);
    assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_ne!(a, b);
}

#[test]
fn secrets_carry_256_bits() {
    let secret = fresh_secret();
    assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
    assert_ne!(secret, fresh_secret());
}

#[test]
fn params_decode_and_notice_repeats() {
    let params = Params::parse(b"a=1&b=x%20y&c=&a=2");
    assert_eq!(params.get("a"), Some("1"));
    assert_eq!(params.get("b"), Some("x y"));
    assert_eq!(params.get("c"), None);
    assert_eq!(params.get("d"), None);
    assert_eq!(params.repeated.as_deref(), Some("a"));
    assert!(Params::parse(b"a=1&b=2").repeated.is_none());
}
