use super::*;

#[test]
fn the_dummy_hash_is_a_real_argon2_hash() {
    let Some(dummy) = DUMMY_HASH.as_deref() else {
        panic!("no dummy hash");
    };
    assert!(dummy.starts_with("$argon2id$"));
    assert!(Argon2::default().verify_password(b"", dummy).is_err());
}

#[test]
fn the_throttle_is_five_per_name_and_twenty_per_address_in_five_minutes() {
    assert_eq!(THROTTLE_WINDOW_SECS, 300);
    assert_eq!(MAX_FAILURES_PER_NAME, 5);
    assert_eq!(MAX_FAILURES_PER_IP, 20);
}

#[test]
fn the_sign_in_form_tolerates_missing_fields() {
    let form: SignInForm = parse_form(b"name=li").unwrap();
    assert_eq!(form.name, "li");
    assert_eq!(form.password, "");
    assert_eq!(form.next, "");
}
