use super::*;

#[test]
fn messages_name_the_field() {
    let missing = MessageError::MissingField {
        field: "CreateTime".into(),
    };
    assert_eq!(missing.to_string(), "missing field CreateTime");
    assert_eq!(missing.field(), "CreateTime");

    let bad = MessageError::not_a_number("Location_X".into(), "abc");
    assert_eq!(
        bad.to_string(),
        r#"field Location_X is not a number: "abc""#
    );
    assert_eq!(bad.field(), "Location_X");
}

#[test]
fn long_values_are_cut_short() {
    let long = "9".repeat(1000);
    let MessageError::NotANumber { value, .. } = MessageError::not_a_number("Scale".into(), &long)
    else {
        panic!("expected NotANumber");
    };
    assert_eq!(value.chars().count(), MAX_QUOTED_CHARS + 1);
    assert!(value.ends_with('…'));

    // Multi-byte text is cut on a character boundary.
    let wide = "北".repeat(100);
    let MessageError::NotANumber { value, .. } = MessageError::not_a_number("Scale".into(), &wide)
    else {
        panic!("expected NotANumber");
    };
    assert_eq!(value, format!("{}…", "北".repeat(MAX_QUOTED_CHARS)));
}
