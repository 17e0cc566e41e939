use super::*;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    let mut fields = Fields::new();
    for (name, text) in pairs {
        fields.push_text(*name, *text);
    }
    fields
}

#[test]
fn unsigned_accepts_digits_only() {
    assert_eq!(parse_unsigned::<u64>("1348831860"), Some(1_348_831_860));
    assert_eq!(parse_unsigned::<u64>("0"), Some(0));
    assert_eq!(parse_unsigned::<u64>(""), None);
    assert_eq!(parse_unsigned::<u64>("+1"), None);
    assert_eq!(parse_unsigned::<u64>("-1"), None);
    assert_eq!(parse_unsigned::<u64>("1.5"), None);
    assert_eq!(parse_unsigned::<u64>("99999999999999999999999"), None);
    assert_eq!(parse_unsigned::<u32>("4294967296"), None);
}

#[test]
fn signed_accepts_a_leading_minus() {
    assert_eq!(parse_signed("-20004"), Some(-20004));
    assert_eq!(parse_signed("0"), Some(0));
    assert_eq!(parse_signed("-"), None);
    assert_eq!(parse_signed("+3"), None);
    assert_eq!(parse_signed("3a"), None);
}

#[test]
fn float_rejects_non_finite() {
    assert_eq!(parse_float("23.134521"), Some(23.134521));
    assert_eq!(parse_float("-113.358803"), Some(-113.358803));
    assert_eq!(parse_float("inf"), None);
    assert_eq!(parse_float("NaN"), None);
    assert_eq!(parse_float("1e400"), None);
    assert_eq!(parse_float("abc"), None);
}

#[test]
fn numbers_may_carry_whitespace_but_errors_quote_the_original() {
    let raw = fields(&[("Scale", " 20 "), ("Bad", " x ")]);
    let reader = Reader::top(&raw);
    assert_eq!(reader.unsigned::<u32>("Scale"), Ok(20));
    assert_eq!(
        reader.unsigned::<u32>("Bad"),
        Err(MessageError::NotANumber {
            field: "Bad".into(),
            value: " x ".into()
        })
    );
}

#[test]
fn nested_paths_are_dotted() {
    let mut inner = Fields::new();
    inner.push_text("ScanType", "qrcode");
    let mut raw = Fields::new();
    raw.push("ScanCodeInfo", Value::Node(inner));
    let reader = Reader::top(&raw);
    let info = reader
        .node("ScanCodeInfo", "ScanCodeInfo")
        .expect("node present");
    assert_eq!(info.str("ScanType"), Ok("qrcode"));
    assert_eq!(
        info.str("ScanResult"),
        Err(MessageError::MissingField {
            field: "ScanCodeInfo.ScanResult".into()
        })
    );
}

#[test]
fn text_and_node_mismatches_are_errors() {
    let mut inner = Fields::new();
    inner.push_text("A", "1");
    let mut raw = Fields::new();
    raw.push("Content", Value::Node(inner));
    raw.push_text("ScanCodeInfo", "oops");
    raw.push_text("PicList", "  ");
    raw.push("Empty", Value::Node(Fields::new()));
    let reader = Reader::top(&raw);
    assert_eq!(
        reader.str("Content"),
        Err(MessageError::NotText {
            field: "Content".into()
        })
    );
    assert_eq!(
        reader.node("ScanCodeInfo", "ScanCodeInfo").map(|_| ()),
        Err(MessageError::NotNested {
            field: "ScanCodeInfo".into()
        })
    );
    let blank = reader.node("PicList", "PicList").expect("blank is empty");
    assert_eq!(blank.opt_str("item"), Ok(None));
    assert_eq!(reader.str("Empty"), Ok(""));
    assert_eq!(
        reader.node("Absent", "Absent").map(|_| ()),
        Err(MessageError::MissingField {
            field: "Absent".into()
        })
    );
}
