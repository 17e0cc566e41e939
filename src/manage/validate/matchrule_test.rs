use serde_json::{Value, json};

use super::*;

fn buttons() -> Value {
    json!([{ "type": "click", "name": "会员", "key": "VIP" }])
}

fn request(body: &Value) -> ConditionalMenuRequest {
    let bytes = serde_json::to_vec(body).unwrap();
    parse_conditional(&bytes).unwrap_or_else(|e| panic!("{body} did not parse: {e}"))
}

fn problems(body: &Value) -> Vec<Problem> {
    validate_conditional(&request(body)).expect_err("should be invalid")
}

fn paths(body: &Value) -> Vec<String> {
    problems(body).into_iter().map(|p| p.path).collect()
}

#[test]
fn a_valid_menu_serializes_to_what_wechat_expects() {
    let valid = validate_conditional(&request(&json!({
        "button": buttons(),
        "matchrule": { "tag_id": 2, "client_platform_type": "2" }
    })))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&valid).unwrap(),
        json!({
            "button": buttons(),
            "matchrule": { "tag_id": "2", "client_platform_type": "2" }
        }),
        "a numeric tag_id is sent as a string"
    );
}

#[test]
fn either_accepted_rule_alone_is_enough() {
    for (rule, expected) in [
        (json!({ "tag_id": "100" }), json!({ "tag_id": "100" })),
        (
            json!({ "client_platform_type": 3 }),
            json!({ "client_platform_type": "3" }),
        ),
    ] {
        let valid =
            validate_conditional(&request(&json!({ "button": buttons(), "matchrule": rule })))
                .unwrap();
        assert_eq!(serde_json::to_value(&valid.matchrule).unwrap(), expected);
    }
}

#[test]
fn a_missing_null_or_empty_matchrule_is_a_problem() {
    for body in [
        json!({ "button": buttons() }),
        json!({ "button": buttons(), "matchrule": null }),
        json!({ "button": buttons(), "matchrule": {} }),
        json!({ "button": buttons(), "matchrule": "tag_id=2" }),
        json!({ "button": buttons(), "matchrule": [] }),
    ] {
        let found = problems(&body);
        assert_eq!(found.len(), 1, "{body}: {found:?}");
        assert_eq!(found[0].path, "matchrule", "{body}");
        assert!(found[0].message.contains("tag_id"), "{found:?}");
    }
}

#[test]
fn each_refused_rule_is_named_with_errcode_65320() {
    for field in REFUSED_RULES {
        let body = json!({ "button": buttons(), "matchrule": { *field: "1", "tag_id": "2" } });
        let found = problems(&body);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, format!("matchrule.{field}"));
        assert!(found[0].message.contains("65320"), "{found:?}");
        assert!(found[0].message.contains("tag_id or client_platform_type"));
    }
    let all = json!({ "button": buttons(), "matchrule": {
        "sex": "1", "country": "中国", "province": "广东", "city": "广州", "language": "zh_CN"
    } });
    assert_eq!(problems(&all).len(), 5, "every refused rule is listed");
}

#[test]
fn unknown_fields_are_problems_in_the_body_and_the_rule() {
    let found = paths(&json!({
        "button": buttons(),
        "matchrule": { "tag_id": "2", "group_id": "1" },
        "menuid": "1"
    }));
    assert_eq!(found, ["menuid", "matchrule.group_id"]);
}

#[test]
fn bad_values_of_accepted_rules_are_problems() {
    for (rule, path) in [
        (json!({ "tag_id": "" }), "matchrule.tag_id"),
        (json!({ "tag_id": "vip" }), "matchrule.tag_id"),
        (json!({ "tag_id": -1 }), "matchrule.tag_id"),
        (json!({ "tag_id": 1.5 }), "matchrule.tag_id"),
        (json!({ "tag_id": true }), "matchrule.tag_id"),
        (
            json!({ "client_platform_type": "4" }),
            "matchrule.client_platform_type",
        ),
        (
            json!({ "client_platform_type": 0 }),
            "matchrule.client_platform_type",
        ),
        (
            json!({ "client_platform_type": "iOS" }),
            "matchrule.client_platform_type",
        ),
    ] {
        let body = json!({ "button": buttons(), "matchrule": rule });
        assert_eq!(paths(&body), [path], "{body}");
    }
    let message = &problems(&json!({
        "button": buttons(), "matchrule": { "client_platform_type": "9" }
    }))[0]
        .message;
    assert!(message.contains("\"1\" (iOS)"), "{message}");
}

#[test]
fn buttons_follow_the_default_menus_rules() {
    let found = paths(&json!({
        "button": [
            { "type": "click", "name": "a" },
            { "type": "view", "name": "这个名字实在是太长了", "url": "https://example.com" }
        ],
        "matchrule": { "tag_id": "2" }
    }));
    assert_eq!(found, ["button[0].key", "button[1].name"]);
    assert_eq!(
        paths(&json!({ "matchrule": { "tag_id": "2" } })),
        ["button"],
        "a missing button list is an empty menu"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let found = paths(&json!({
        "button": [],
        "matchrule": { "sex": "1" },
        "x": 1
    }));
    assert_eq!(found, ["x", "button", "matchrule.sex"]);
}

#[test]
fn broken_json_and_unknown_button_fields_fail_the_parse() {
    for body in [
        &b"{"[..],
        br#"{"button": [{"type": "click", "name": "a", "key": "K", "colour": "red"}]}"#,
        br#"{"button": {}}"#,
        br#"[]"#,
    ] {
        let error = parse_conditional(body).unwrap_err();
        assert!(error.0.starts_with("conditional menu body"), "{error}");
    }
}

#[test]
fn try_match_needs_a_user_id() {
    let parsed = parse_try_match(br#"{"user_id": " oUser1 "}"#).unwrap();
    assert_eq!(validate_try_match(parsed.user_id.as_deref()), Ok("oUser1"));
    for body in [
        &br#"{}"#[..],
        br#"{"user_id": ""}"#,
        br#"{"user_id": "  "}"#,
    ] {
        let parsed = parse_try_match(body).unwrap();
        let found = validate_try_match(parsed.user_id.as_deref()).unwrap_err();
        assert_eq!(found[0].path, "user_id");
    }
    for body in [&br#"{"user_id": 1}"#[..], br#"{"openid": "o"}"#, b"{"] {
        assert!(parse_try_match(body).is_err());
    }
}
