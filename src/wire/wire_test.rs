use super::{Format, WireError, decode, detect};

#[path = "fixtures_test.rs"]
mod fixtures;

#[test]
fn json_by_media_type_ignoring_parameters_and_case() {
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "  application/json  ",
    ] {
        assert_eq!(
            detect(Some(content_type), b"<xml/>"),
            Format::Json,
            "{content_type}"
        );
    }
}

#[test]
fn other_media_types_leave_it_to_the_body() {
    for content_type in [
        "text/xml",
        "application/xml; charset=utf-8",
        "text/plain",
        "application/jsonp",
        "application/json-seq",
        "text/json",
        "",
    ] {
        assert_eq!(
            detect(Some(content_type), b"<xml/>"),
            Format::Xml,
            "{content_type}"
        );
    }
    assert_eq!(detect(None, b"<xml/>"), Format::Xml);
    assert_eq!(detect(None, b""), Format::Xml);
}

#[test]
fn json_by_first_byte() {
    assert_eq!(detect(None, b"{}"), Format::Json);
    assert_eq!(detect(Some("text/xml"), b" \r\n\t{\"a\":1}"), Format::Json);
    assert_eq!(detect(None, b"\xEF\xBB\xBF{}"), Format::Json);
    assert_eq!(detect(None, b"[{}]"), Format::Xml);
    assert_eq!(detect(None, b"x{}"), Format::Xml);
}

#[test]
fn decode_follows_the_format() {
    let json = br#"{"MsgType": "text"}"#;
    assert_eq!(
        decode(Format::Json, json)
            .ok()
            .and_then(|f| f.text("MsgType").map(str::to_owned)),
        Some("text".to_owned())
    );
    assert!(matches!(
        decode(Format::Xml, json),
        Err(WireError::OutsideRoot { .. })
    ));
    let xml = b"<xml><MsgType>text</MsgType></xml>";
    assert!(decode(Format::Xml, xml).is_ok());
    assert!(matches!(
        decode(Format::Json, xml),
        Err(WireError::JsonNotObject { found: "XML" })
    ));
    let bom_json = b"\xEF\xBB\xBF{\"a\": 1}";
    assert!(decode(detect(None, bom_json), bom_json).is_ok());
}
