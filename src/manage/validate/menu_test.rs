use serde_json::{Value, json};

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Parses and validates a menu given as a JSON value; panics if it does not parse.
fn check(menu: &Value) -> Result<(), Vec<Problem>> {
    let body = serde_json::to_vec(menu).unwrap();
    let parsed = parse_menu(&body).unwrap_or_else(|e| panic!("{menu} did not parse: {e}"));
    validate_menu(&parsed)
}

/// The problems of an invalid menu; panics if it is valid.
fn problems(menu: &Value) -> Vec<Problem> {
    check(menu).expect_err("menu should be invalid")
}

/// The problem paths of an invalid menu.
fn paths(menu: &Value) -> Vec<String> {
    problems(menu).into_iter().map(|p| p.path).collect()
}

/// Asserts exactly one problem, at `path`, whose message contains every part of `needles`.
fn assert_one(menu: &Value, path: &str, needles: &[&str]) {
    let found = problems(menu);
    assert_eq!(found.len(), 1, "expected one problem, got {found:?}");
    assert_eq!(found[0].path, path, "{found:?}");
    for needle in needles {
        assert!(
            found[0].message.contains(needle),
            "message {:?} should contain {needle:?}",
            found[0].message
        );
    }
}

fn click(name: &str) -> Value {
    json!({"type": "click", "name": name, "key": "K"})
}

/// A one-button menu around `button`.
fn one(button: Value) -> Value {
    json!({ "button": [button] })
}

/// A menu whose first button is a submenu holding `subs`.
fn submenu(subs: Vec<Value>) -> Value {
    json!({ "button": [{"name": "More", "sub_button": subs}] })
}

// ---------------------------------------------------------------------------------------------
// Valid menus

/// Every button type, in a three-button menu with sub-buttons, written in the field order the
/// serializer uses so the compact re-serialization can be compared byte for byte.
const FULL_MENU: &str = r#"{"button":[
  {"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},
  {"name":"菜单","sub_button":[
    {"type":"view","name":"搜索","url":"https://www.soso.com/"},
    {"type":"miniprogram","name":"wxa","url":"https://mp.weixin.qq.com","appid":"wx286b93c16bbf9398","pagepath":"pages/lunar/index"},
    {"type":"scancode_waitmsg","name":"扫码带提示","key":"rselfmenu_0_0","sub_button":[]},
    {"type":"pic_photo_or_album","name":"拍照或者相册发图","key":"rselfmenu_1_1"},
    {"type":"media_id","name":"图片","media_id":"MEDIA_ID1"}
  ]},
  {"name":"更多","sub_button":[
    {"type":"scancode_push","name":"扫码推事件","key":"rselfmenu_0_1"},
    {"type":"pic_sysphoto","name":"系统拍照发图","key":"rselfmenu_1_0"},
    {"type":"location_select","name":"发送位置","key":"rselfmenu_2_0"},
    {"type":"article_id","name":"文章","article_id":"ARTICLE_ID1"},
    {"type":"article_view_limited","name":"受限文章","article_id":"ARTICLE_ID2"}
  ]}
]}"#;

#[test]
fn full_menu_parses_validates_and_round_trips() {
    let menu = parse_menu(FULL_MENU.as_bytes()).unwrap();
    assert_eq!(validate_menu(&menu), Ok(()));

    assert_eq!(menu.button.len(), 3);
    assert_eq!(menu.button[0].kind.as_deref(), Some("click"));
    assert_eq!(menu.button[1].kind, None);
    assert_eq!(menu.button[1].sub_button.as_ref().map(Vec::len), Some(5));

    let out = serde_json::to_string(&menu).unwrap();
    let compact: String = FULL_MENU.split('\n').map(str::trim_start).collect();
    assert_eq!(out, compact);
    let original: Value = serde_json::from_str(FULL_MENU).unwrap();
    assert_eq!(serde_json::to_value(&menu).unwrap(), original);
}

#[test]
fn none_fields_are_left_out() {
    let menu =
        parse_menu(br#"{"button":[{"type":"view","name":"Go","url":"https://a.b/"}]}"#).unwrap();
    let out = serde_json::to_string(&menu).unwrap();
    assert_eq!(
        out,
        r#"{"button":[{"type":"view","name":"Go","url":"https://a.b/"}]}"#
    );
}

#[test]
fn every_type_with_its_fields_is_valid() {
    for kind in [
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    ] {
        assert_eq!(
            check(&one(json!({"type": kind, "name": "n", "key": "k"}))),
            Ok(()),
            "{kind}"
        );
    }
    let ok = [
        json!({"type": "view", "name": "n", "url": "https://a.b/"}),
        json!({"type": "media_id", "name": "n", "media_id": "m"}),
        json!({"type": "view_limited", "name": "n", "media_id": "m"}),
        json!({"type": "article_id", "name": "n", "article_id": "a"}),
        json!({"type": "article_view_limited", "name": "n", "article_id": "a"}),
        json!({"type": "miniprogram", "name": "n", "url": "https://a.b/", "appid": "wx1", "pagepath": "p/i"}),
    ];
    for button in ok {
        assert_eq!(check(&one(button.clone())), Ok(()), "{button}");
    }
}

#[test]
fn plain_top_button_may_carry_an_empty_sub_button_list() {
    // WeChat's own menu/get output puts `"sub_button": []` on plain buttons.
    let menu = one(json!({"type": "click", "name": "n", "key": "k", "sub_button": []}));
    assert_eq!(check(&menu), Ok(()));
}

#[test]
fn limits_are_inclusive() {
    let menu = json!({"button": [
        {"type": "click", "name": "a".repeat(16), "key": "k".repeat(128)},
        {"type": "view", "name": "v", "url": "u".repeat(1024)},
        {"name": "s", "sub_button": [
            {"type": "click", "name": "b".repeat(60), "key": "k"},
            click("2"), click("3"), click("4"), click("5"),
        ]},
    ]});
    assert_eq!(check(&menu), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// One rule broken at a time

#[test]
fn no_buttons() {
    assert_one(&json!({"button": []}), "button", &["1 to 3"]);
}

#[test]
fn fourth_button() {
    let menu = json!({"button": [click("1"), click("2"), click("3"), click("4")]});
    assert_one(&menu, "button[3]", &["at most 3", "has 4"]);
}

#[test]
fn fifth_button_reported_once_at_the_first_extra() {
    let menu = json!({"button": [click("1"), click("2"), click("3"), click("4"), click("5")]});
    assert_one(&menu, "button[3]", &["has 5"]);
}

#[test]
fn sixth_sub_button() {
    let subs: Vec<Value> = (1..=6).map(|i| click(&i.to_string())).collect();
    let menu = json!({"button": [click("a"), {"name": "More", "sub_button": subs}]});
    assert_one(&menu, "button[1].sub_button[5]", &["at most 5", "has 6"]);
}

#[test]
fn empty_sub_button_on_a_top_button_without_type() {
    let menu = one(json!({"name": "More", "sub_button": []}));
    assert_one(&menu, "button[0].sub_button", &["empty"]);
}

#[test]
fn submenu_with_a_type() {
    let menu =
        one(json!({"type": "click", "name": "More", "key": "k", "sub_button": [click("a")]}));
    assert_one(
        &menu,
        "button[0].type",
        &["sub_button", "cannot have a type"],
    );
}

#[test]
fn sub_button_with_its_own_sub_button() {
    let nested = json!({"type": "click", "name": "c", "key": "k", "sub_button": [click("x")]});
    let menu = submenu(vec![click("a"), click("b"), nested]);
    assert_one(
        &menu,
        "button[0].sub_button[2].sub_button",
        &["own sub_button"],
    );
}

#[test]
fn sub_button_with_an_empty_sub_button_list_is_fine() {
    // WeChat's own create-menu example writes `"sub_button": [ ]` on sub-buttons.
    let menu = submenu(vec![
        json!({"type": "click", "name": "c", "key": "k", "sub_button": []}),
    ]);
    assert_eq!(check(&menu), Ok(()));
}

#[test]
fn empty_name() {
    assert_one(
        &one(json!({"type": "click", "name": "", "key": "k"})),
        "button[0].name",
        &["empty"],
    );
    assert_one(
        &one(json!({"type": "click", "name": "  ", "key": "k"})),
        "button[0].name",
        &["empty"],
    );
    assert_one(
        &submenu(vec![click("")]),
        "button[0].sub_button[0].name",
        &["empty"],
    );
}

#[test]
fn top_level_name_too_long() {
    let menu = json!({"button": [click("a"), click("b"), click(&"x".repeat(17))]});
    assert_one(
        &menu,
        "button[2].name",
        &["17 bytes", "at most 16", "top-level"],
    );
}

#[test]
fn submenu_name_too_long() {
    let menu = one(json!({"name": "x".repeat(17), "sub_button": [click("a")]}));
    assert_one(&menu, "button[0].name", &["17 bytes", "at most 16"]);
}

#[test]
fn sub_button_name_too_long() {
    let menu = submenu(vec![click("a"), click(&"x".repeat(61))]);
    assert_one(
        &menu,
        "button[0].sub_button[1].name",
        &["61 bytes", "at most 60", "sub-button"],
    );
}

#[test]
fn names_count_utf8_bytes() {
    let name = "六个汉字名称"; // 6 characters, 18 bytes
    assert_eq!(name.chars().count(), 6);
    assert_one(
        &one(click(name)),
        "button[0].name",
        &["18 bytes", "at most 16"],
    );
    assert_eq!(check(&submenu(vec![click(name)])), Ok(()));
    // Five characters are 15 bytes: fine at the top level.
    assert_eq!(check(&one(click("五个汉字名"))), Ok(()));
}

#[test]
fn key_too_long() {
    let menu = one(json!({"type": "click", "name": "n", "key": "k".repeat(129)}));
    assert_one(&menu, "button[0].key", &["129 bytes", "at most 128"]);
}

#[test]
fn url_too_long() {
    let menu = submenu(vec![
        json!({"type": "view", "name": "n", "url": "u".repeat(1025)}),
    ]);
    assert_one(
        &menu,
        "button[0].sub_button[0].url",
        &["1025 bytes", "at most 1024"],
    );
}

#[test]
fn length_limits_apply_to_fields_the_type_does_not_need() {
    let menu =
        one(json!({"type": "view", "name": "n", "url": "https://a/", "key": "k".repeat(129)}));
    assert_one(&menu, "button[0].key", &["129 bytes"]);
}

#[test]
fn missing_type() {
    assert_one(
        &one(json!({"name": "n", "key": "k"})),
        "button[0].type",
        &["required", "click, view"],
    );
    assert_one(
        &submenu(vec![json!({"name": "n", "key": "k"})]),
        "button[0].sub_button[0].type",
        &["required"],
    );
}

#[test]
fn unknown_type_lists_the_valid_ones() {
    let found = problems(&one(json!({"type": "clik", "name": "n", "key": "k"})));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "button[0].type");
    assert!(
        found[0]
            .message
            .starts_with("type `clik` is not a menu button type; use one of click, view, ")
    );
    for kind in BUTTON_TYPES {
        assert!(
            found[0].message.contains(kind),
            "{kind} missing from {}",
            found[0].message
        );
    }
}

#[test]
fn empty_type() {
    assert_one(
        &one(json!({"type": "", "name": "n", "key": "k"})),
        "button[0].type",
        &["empty"],
    );
}

#[test]
fn types_are_case_sensitive() {
    assert_one(
        &one(json!({"type": "CLICK", "name": "n", "key": "k"})),
        "button[0].type",
        &["`CLICK`"],
    );
}

#[test]
fn required_field_per_type() {
    let cases: &[(&str, &str)] = &[
        ("click", "key"),
        ("scancode_push", "key"),
        ("scancode_waitmsg", "key"),
        ("pic_sysphoto", "key"),
        ("pic_photo_or_album", "key"),
        ("pic_weixin", "key"),
        ("location_select", "key"),
        ("view", "url"),
        ("media_id", "media_id"),
        ("view_limited", "media_id"),
        ("article_id", "article_id"),
        ("article_view_limited", "article_id"),
    ];
    for (kind, field) in cases {
        let menu = one(json!({"type": kind, "name": "n"}));
        let path = format!("button[0].{field}");
        let message = format!("{field} is required for type {kind}");
        assert_one(&menu, &path, &[&message]);
    }
}

#[test]
fn required_field_must_not_be_empty() {
    let menu = one(json!({"type": "click", "name": "n", "key": ""}));
    assert_one(
        &menu,
        "button[0].key",
        &["key must not be empty for type click"],
    );
}

#[test]
fn miniprogram_needs_url_appid_and_pagepath() {
    assert_eq!(
        paths(&one(json!({"type": "miniprogram", "name": "n"}))),
        ["button[0].url", "button[0].appid", "button[0].pagepath"]
    );
    let no_url = json!({"type": "miniprogram", "name": "n", "appid": "wx1", "pagepath": "p"});
    assert_one(
        &one(no_url),
        "button[0].url",
        &["url is required for type miniprogram"],
    );
    let no_appid =
        json!({"type": "miniprogram", "name": "n", "url": "https://a/", "pagepath": "p"});
    assert_one(
        &one(no_appid),
        "button[0].appid",
        &["appid is required for type miniprogram"],
    );
    let no_page = json!({"type": "miniprogram", "name": "n", "url": "https://a/", "appid": "wx1"});
    assert_one(
        &one(no_page),
        "button[0].pagepath",
        &["pagepath is required for type miniprogram"],
    );
}

#[test]
fn a_field_of_another_type_does_not_satisfy_the_requirement() {
    let menu = one(json!({"type": "view", "name": "n", "key": "k"}));
    assert_one(&menu, "button[0].url", &["url is required for type view"]);
}

// ---------------------------------------------------------------------------------------------
// Many problems at once

#[test]
fn every_problem_is_listed_in_document_order() {
    let menu = json!({"button": [
        {"type": "clik", "name": "", "key": "k".repeat(129)},
        {"name": "x".repeat(17), "type": "click", "sub_button": [
            {"type": "view", "name": "y".repeat(61)},
            {"name": "n", "key": "k", "sub_button": [click("deep")]},
            click("3"), click("4"), click("5"),
            {"type": "miniprogram", "name": "6", "url": "u".repeat(1025)},
        ]},
        {"type": "media_id", "name": "ok"},
        click("4th"),
    ]});
    assert_eq!(
        paths(&menu),
        [
            "button[0].name",
            "button[0].type",
            "button[0].key",
            "button[1].name",
            "button[1].type",
            "button[1].sub_button[0].name",
            "button[1].sub_button[0].url",
            "button[1].sub_button[1].type",
            "button[1].sub_button[1].sub_button",
            "button[1].sub_button[5]",
            "button[1].sub_button[5].url",
            "button[1].sub_button[5].appid",
            "button[1].sub_button[5].pagepath",
            "button[2].media_id",
            "button[3]",
        ]
    );
}

#[test]
fn problems_serialize_as_path_and_message() {
    let found = problems(&one(json!({"type": "click", "name": "n"})));
    assert_eq!(
        serde_json::to_value(&found).unwrap(),
        json!([{"path": "button[0].key", "message": "key is required for type click"}])
    );
    assert_eq!(
        found[0].to_string(),
        "button[0].key: key is required for type click"
    );
}

// ---------------------------------------------------------------------------------------------
// Menu parse errors

fn bad_menu(body: &str) -> String {
    match parse_menu(body.as_bytes()) {
        Ok(menu) => panic!("{body} parsed as {menu:?}"),
        Err(BadRequest(message)) => message,
    }
}

#[test]
fn malformed_json() {
    let message = bad_menu(r#"{"button": [}"#);
    assert!(message.contains("not valid JSON"), "{message}");
    assert!(message.contains("line 1 column 13"), "{message}");

    let message = bad_menu("");
    assert!(message.contains("not valid JSON"), "{message}");
    let message = bad_menu(r#"{"button": []} x"#);
    assert!(message.contains("trailing"), "{message}");
}

#[test]
fn unknown_field_in_menu_or_button() {
    let message = bad_menu(r#"{"button": [], "colour": "red"}"#);
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("line 1 column 23"), "{message}");
    assert!(message.contains("expected shape"), "{message}");

    let message =
        bad_menu("{\"button\": [\n  {\"type\": \"click\", \"name\": \"n\", \"colour\": \"red\"}]}");
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn wrong_json_type() {
    let message = bad_menu(r#"{"button": {}}"#);
    assert!(
        message.contains("invalid type: map, expected a sequence"),
        "{message}"
    );
    assert!(message.contains("line 1 column 11"), "{message}");

    let message = bad_menu(r#"{"button": [{"type": 1, "name": "n"}]}"#);
    assert!(message.contains("invalid type: integer `1`"), "{message}");

    let message = bad_menu(r#"{"button": [{"type": "click", "name": "n", "sub_button": {}}]}"#);
    assert!(message.contains("invalid type: map"), "{message}");
}

#[test]
fn missing_name_or_button_is_a_parse_error() {
    assert!(
        bad_menu(r#"{"button": [{"type": "click", "key": "k"}]}"#).contains("missing field `name`")
    );
    assert!(bad_menu("{}").contains("missing field `button`"));
}

#[test]
fn button_types_match_the_required_fields_table() {
    assert_eq!(
        BUTTON_TYPES,
        [
            "click",
            "view",
            "scancode_push",
            "scancode_waitmsg",
            "pic_sysphoto",
            "pic_photo_or_album",
            "pic_weixin",
            "location_select",
            "media_id",
            "article_id",
            "article_view_limited",
            "miniprogram",
            "view_limited",
        ]
    );
    for kind in BUTTON_TYPES {
        assert!(required_fields(kind).is_some(), "{kind}");
    }
    assert!(required_fields("news").is_none());
}
