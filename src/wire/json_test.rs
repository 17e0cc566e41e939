use proptest::prelude::*;
use wxgate_handlers::{Fields, Value};

use super::parse_json;
use crate::wire::{MAX_DEPTH, WireError};

fn ok(body: &str) -> Fields {
    match parse_json(body.as_bytes()) {
        Ok(fields) => fields,
        Err(err) => panic!("{body:?} was refused: {err}"),
    }
}

fn err(body: impl AsRef<[u8]>) -> WireError {
    match parse_json(body.as_ref()) {
        Ok(fields) => panic!("accepted: {fields:?}"),
        Err(err) => err,
    }
}

fn texts<'a>(fields: &'a Fields, name: &'a str) -> Vec<&'a str> {
    fields.all(name).filter_map(Value::as_text).collect()
}

#[test]
fn keys_keep_document_order_and_repeats() {
    let parsed = ok(r#"{"b": "2", "a": "1", "b": "3"}"#);
    let entries: Vec<(&str, Option<&str>)> = parsed
        .iter()
        .map(|(name, value)| (name, value.as_text()))
        .collect();
    assert_eq!(
        entries,
        [("b", Some("2")), ("a", Some("1")), ("b", Some("3"))]
    );
}

#[test]
fn scalars_become_text() {
    let parsed = ok(
        r#"{"s": "微信 \"quoted\" \u00e9 \ud83d\ude00", "u": 18446744073709551615, "msg": 6873956789012345678,
            "neg": -42, "f": 23.137466, "whole": 3.0, "exp": 1e300, "t": true, "no": false, "nil": null, "empty": ""}"#,
    );
    assert_eq!(parsed.text("s"), Some("微信 \"quoted\" é 😀"));
    assert_eq!(parsed.text("u"), Some("18446744073709551615"));
    assert_eq!(parsed.text("msg"), Some("6873956789012345678"));
    assert_eq!(parsed.text("neg"), Some("-42"));
    assert_eq!(parsed.text("f"), Some("23.137466"));
    assert_eq!(parsed.text("whole"), Some("3.0"));
    assert_eq!(parsed.text("exp"), Some("1e+300"));
    assert_eq!(parsed.text("t"), Some("true"));
    assert_eq!(parsed.text("no"), Some("false"));
    assert_eq!(parsed.text("nil"), Some(""));
    assert_eq!(parsed.text("empty"), Some(""));
}

#[test]
fn nested_objects_become_nodes() {
    let parsed = ok(r#"{"ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "1"}}"#);
    let info = parsed.node("ScanCodeInfo").expect("node");
    assert_eq!(info.text("ScanType"), Some("qrcode"));
    assert_eq!(info.text("ScanResult"), Some("1"));
    assert!(
        ok(r#"{"Empty": {}}"#)
            .node("Empty")
            .expect("node")
            .is_empty()
    );
}

#[test]
fn arrays_repeat_their_key() {
    let parsed = ok(r#"{
        "Event": "subscribe_msg_popup_event",
        "SubscribeMsgPopupEvent": [
            {"TemplateId": "t1", "SubscribeStatusString": "accept", "PopupScene": "0"},
            {"TemplateId": "t2", "SubscribeStatusString": "reject", "PopupScene": "0"}
        ],
        "Tags": ["a", 1, true, null],
        "After": "x"
    }"#);
    let names: Vec<&str> = parsed.iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "Event",
            "SubscribeMsgPopupEvent",
            "SubscribeMsgPopupEvent",
            "Tags",
            "Tags",
            "Tags",
            "Tags",
            "After"
        ]
    );
    let templates: Vec<&str> = parsed
        .all("SubscribeMsgPopupEvent")
        .filter_map(|item| item.as_node()?.text("TemplateId"))
        .collect();
    assert_eq!(templates, ["t1", "t2"]);
    assert_eq!(texts(&parsed, "Tags"), ["a", "1", "true", ""]);
}

#[test]
fn nested_arrays_are_flattened_and_empty_arrays_vanish() {
    let parsed = ok(r#"{"a": [[1, 2], [], [[3]]], "e": [], "z": 0}"#);
    assert_eq!(texts(&parsed, "a"), ["1", "2", "3"]);
    assert!(parsed.get("e").is_none());
    assert_eq!(parsed.len(), 4);
}

#[test]
fn top_level_must_be_an_object() {
    for (body, found) in [
        ("[]", "an array"),
        (" [{\"a\": 1}]", "an array"),
        ("\"text\"", "a string"),
        ("42", "a number"),
        ("-1", "a number"),
        ("true", "a boolean"),
        ("null", "null"),
        ("", "nothing"),
        ("  \n", "nothing"),
        ("<xml/>", "XML"),
    ] {
        let error = err(body);
        assert_eq!(error, WireError::JsonNotObject { found }, "{body:?}");
    }
    assert_eq!(
        err("[1]").to_string(),
        "expected a JSON object at the top level, found an array"
    );
}

#[test]
fn bad_syntax_is_refused_with_its_position() {
    for body in [
        "{",
        "{\"a\"}",
        "{\"a\": }",
        "{\"a\": 1,}",
        "{\"a\": 1} trailing",
        "{\"a\": 1}{}",
        "{'a': 1}",
        "{\"a\": tru}",
        "{\"a\": \"unterminated}",
        "{\"a\": 01}",
        "{\"a\": NaN}",
        "{\"a\": \"\\x\"}",
    ] {
        let error = err(body);
        assert!(matches!(error, WireError::Json { .. }), "{body}: {error}");
        assert!(error.to_string().contains("line 1"), "{error}");
    }
    assert_eq!(
        err("{\"a\": 1,}").to_string(),
        "malformed JSON: trailing comma at line 1 column 9"
    );
}

#[test]
fn invalid_utf8_in_a_string_is_refused() {
    assert!(matches!(err(b"{\"a\": \"\xFF\"}"), WireError::Json { .. }));
}

fn nested_objects(depth: usize) -> String {
    // `depth` objects in all, the top level included.
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

#[test]
fn depth_limit_is_inclusive() {
    let mut fields = ok(&nested_objects(MAX_DEPTH));
    // Down from the top-level object's members to the innermost object's.
    for _ in 1..MAX_DEPTH {
        fields = fields.node("a").expect("node").clone();
    }
    assert_eq!(fields.text("a"), Some("1"));

    let error = err(nested_objects(MAX_DEPTH + 1));
    assert!(
        matches!(error, WireError::JsonTooDeep { line: 1, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("JSON nesting deeper than 32 at line 1, column "),
        "{error}"
    );
}

#[test]
fn arrays_count_toward_depth() {
    let body = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert!(matches!(err(body), WireError::JsonTooDeep { .. }));
    let body = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(texts(&ok(&body), "a"), ["1"]);
}

#[test]
fn very_deep_input_fails_without_overflowing_the_stack() {
    let body = format!("{{\"a\":{}", "[".repeat(100_000));
    assert!(matches!(err(body), WireError::JsonTooDeep { .. }));
    let body = nested_objects(100_000);
    assert!(matches!(err(body), WireError::JsonTooDeep { .. }));
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_json(&body);
    }

    #[test]
    fn strings_round_trip(key in "\\PC{1,16}", value in "\\PC*") {
        let body = format!(
            "{{{}: {}}}",
            serde_json::Value::String(key.clone()),
            serde_json::Value::String(value.clone())
        );
        let parsed = parse_json(body.as_bytes());
        prop_assert_eq!(parsed.ok().and_then(|f| f.text(&key).map(str::to_owned)), Some(value));
    }

    #[test]
    fn integers_keep_their_exact_digits(n in any::<u64>(), i in any::<i64>()) {
        let parsed = parse_json(format!("{{\"n\": {n}, \"i\": {i}}}").as_bytes());
        let parsed = parsed.ok();
        prop_assert_eq!(parsed.as_ref().and_then(|f| f.text("n")).map(str::to_owned), Some(n.to_string()));
        prop_assert_eq!(parsed.as_ref().and_then(|f| f.text("i")).map(str::to_owned), Some(i.to_string()));
    }
}

#[test]
fn arrays_stay_arrays_for_forward_bots() {
    // The `List` of a mini program's subscribe_msg_popup_event, with one element.
    let fields = ok(
        r#"{"Event":"subscribe_msg_popup_event","List":[{"TemplateId":"T","SubscribeStatusString":"accept"}],"Empty":[],"Two":[1,2],"One":"x"}"#,
    );
    assert!(fields.is_list("List") && fields.is_list("Empty") && !fields.is_list("One"));
    assert_eq!(
        fields.to_json(),
        serde_json::json!({
            "Event": "subscribe_msg_popup_event",
            "List": [{"TemplateId": "T", "SubscribeStatusString": "accept"}],
            "Empty": [],
            "Two": ["1", "2"],
            "One": "x",
        })
    );
}
