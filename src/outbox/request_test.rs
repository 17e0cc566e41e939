//! Tests of the send requests: each rule accepted and refused, every problem at once, the
//! payloads WeChat gets, and the body hash.

use proptest::prelude::*;
use serde_json::{Value, json};
use wxgate_handlers::Reply;

use super::*;
use crate::api::custom_message;

const OPENID: &str = "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q";

fn body(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn parse_ok(value: &Value, account: AccountKind) -> SendRequest {
    match parse(&body(value), account) {
        Ok(request) => request,
        Err(e) => panic!("expected {value} to be accepted, got {e:?}"),
    }
}

/// The (path, message) pairs of a 422.
fn problems(value: &Value, account: AccountKind) -> Vec<(String, String)> {
    match parse(&body(value), account) {
        Err(RequestError::Invalid(problems)) => {
            problems.into_iter().map(|p| (p.path, p.message)).collect()
        }
        other => panic!("expected 422 problems for {value}, got {other:?}"),
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|&(path, message)| (path.to_owned(), message.to_owned()))
        .collect()
}

/// The message of a 400.
fn malformed(bytes: &[u8], account: AccountKind) -> String {
    match parse(bytes, account) {
        Err(RequestError::Malformed(message)) => message,
        other => panic!(
            "expected 400 for {}, got {other:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

fn subscribe_with(data: Value) -> Value {
    json!({"kind": "subscribe", "to": OPENID, "template_id": "T", "data": data})
}

fn custom_with(reply: Value) -> Value {
    json!({"kind": "custom", "to": OPENID, "reply": reply})
}

// --- template ---

#[test]
fn a_template_message_is_the_body_of_template_send_without_client_msg_id() {
    let request = parse_ok(
        &json!({
            "kind": "template",
            "to": OPENID,
            "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
            "url": "https://shop.example.com/orders/42",
            "miniprogram": {"appid": "wx1234567890abcdef", "pagepath": "index?foo=bar"},
            "data": {
                "first": {"value": "Your order shipped", "color": "#173177"},
                "keyword1": {"value": "42"},
            },
        }),
        AccountKind::Official,
    );
    assert_eq!(request.kind, MessageKind::Template);
    assert_eq!(request.to, OPENID);
    assert_eq!(
        request.payload,
        json!({
            "touser": OPENID,
            "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
            "url": "https://shop.example.com/orders/42",
            "miniprogram": {"appid": "wx1234567890abcdef", "pagepath": "index?foo=bar"},
            "data": {
                "first": {"value": "Your order shipped", "color": "#173177"},
                "keyword1": {"value": "42"},
            },
        })
    );
}

#[test]
fn a_template_message_needs_only_to_template_id_and_data() {
    let request = parse_ok(
        &json!({"kind": "template", "to": OPENID, "template_id": "T", "url": null, "data": {}}),
        AccountKind::Official,
    );
    assert_eq!(
        request.payload,
        json!({"touser": OPENID, "template_id": "T", "data": {}})
    );
}

#[test]
fn template_messages_are_for_official_accounts_only() {
    let message = json!({"kind": "template", "to": OPENID, "template_id": "T", "data": {}});
    assert_eq!(
        problems(&message, AccountKind::MiniProgram),
        pairs(&[(
            "kind",
            "template messages are for official accounts, and this account is a mini \
             program: send a `subscribe` message"
        )])
    );
}

#[test]
fn template_refusals() {
    assert_eq!(
        problems(
            &json!({"kind": "template", "to": OPENID, "template_id": "",
                    "miniprogram": {"appid": ""}, "data": {"first": {"color": "#000"}}}),
            AccountKind::Official
        ),
        pairs(&[
            ("template_id", "must not be empty"),
            ("miniprogram.appid", "must not be empty"),
            ("miniprogram.pagepath", "missing required field"),
            ("data.first.value", "missing required field"),
        ])
    );
    assert_eq!(
        problems(
            &json!({"kind": "template", "to": OPENID}),
            AccountKind::Official
        ),
        pairs(&[
            ("template_id", "missing required field"),
            ("data", "missing required field"),
        ])
    );
}

// --- subscribe ---

#[test]
fn an_official_subscription_message_is_the_body_of_bizsend() {
    let request = parse_ok(
        &json!({
            "kind": "subscribe",
            "to": OPENID,
            "template_id": "T",
            "page": "https://shop.example.com/orders/42",
            "miniprogram": {"appid": "wx1234567890abcdef", "pagepath": "pages/order?id=42"},
            "data": {"thing1": {"value": "订单已发货"}, "time2": {"value": "2024-01-01 12:00"}},
        }),
        AccountKind::Official,
    );
    assert_eq!(request.kind, MessageKind::Subscribe);
    assert_eq!(
        request.payload,
        json!({
            "touser": OPENID,
            "template_id": "T",
            "page": "https://shop.example.com/orders/42",
            "miniprogram": {"appid": "wx1234567890abcdef", "pagepath": "pages/order?id=42"},
            "data": {"thing1": {"value": "订单已发货"}, "time2": {"value": "2024-01-01 12:00"}},
        })
    );
}

#[test]
fn a_mini_program_subscription_message_is_the_body_of_subscribe_send() {
    let request = parse_ok(
        &json!({
            "kind": "subscribe",
            "to": OPENID,
            "template_id": "T",
            "page": "pages/order?id=42",
            "miniprogram_state": "trial",
            "lang": "en_US",
            "data": {"thing1": {"value": "shipped"}},
        }),
        AccountKind::MiniProgram,
    );
    assert_eq!(
        request.payload,
        json!({
            "touser": OPENID,
            "template_id": "T",
            "page": "pages/order?id=42",
            "miniprogram_state": "trial",
            "lang": "en_US",
            "data": {"thing1": {"value": "shipped"}},
        })
    );
    let plain = parse_ok(
        &subscribe_with(json!({"thing1": {"value": "x"}})),
        AccountKind::MiniProgram,
    );
    assert_eq!(
        plain.payload,
        json!({"touser": OPENID, "template_id": "T", "data": {"thing1": {"value": "x"}}})
    );
    for state in ["developer", "trial", "formal"] {
        let mut message = subscribe_with(json!({}));
        message["miniprogram_state"] = json!(state);
        parse_ok(&message, AccountKind::MiniProgram);
    }
    for lang in ["zh_CN", "en_US", "zh_HK", "zh_TW"] {
        let mut message = subscribe_with(json!({}));
        message["lang"] = json!(lang);
        parse_ok(&message, AccountKind::MiniProgram);
    }
}

#[test]
fn each_account_kind_refuses_the_other_kinds_fields() {
    let mut message = subscribe_with(json!({}));
    message["miniprogram"] = json!({"appid": "wx1", "pagepath": "index"});
    message["miniprogram_state"] = json!("formal");
    message["lang"] = json!("zh_CN");
    assert_eq!(
        problems(&message, AccountKind::Official),
        pairs(&[
            (
                "miniprogram_state",
                "is for mini programs: an official account's subscription messages \
                 (message/subscribe/bizsend) have no `miniprogram_state`"
            ),
            (
                "lang",
                "is for mini programs: an official account's subscription messages \
                 (message/subscribe/bizsend) have no `lang`"
            ),
        ])
    );
    assert_eq!(
        problems(&message, AccountKind::MiniProgram),
        pairs(&[(
            "miniprogram",
            "is for official accounts: a mini program's subscription message opens `page` in \
             the mini program itself"
        )])
    );
}

#[test]
fn mini_program_state_and_lang_are_known_words() {
    let mut message = subscribe_with(json!({}));
    message["miniprogram_state"] = json!("release");
    message["lang"] = json!("fr_FR");
    assert_eq!(
        problems(&message, AccountKind::MiniProgram),
        pairs(&[
            (
                "miniprogram_state",
                "unknown value `release`: one of `developer`, `trial`, `formal`"
            ),
            (
                "lang",
                "unknown value `fr_FR`: one of `zh_CN`, `en_US`, `zh_HK`, `zh_TW`"
            ),
        ])
    );
}

#[test]
fn subscription_values_are_limited_by_their_keyword_type_in_characters() {
    for (kind, limit) in SUBSCRIBE_VALUE_LIMITS {
        for account in [AccountKind::Official, AccountKind::MiniProgram] {
            // Counted in characters: a CJK character is 3 bytes, and counts once.
            let longest = "字".repeat(limit);
            parse_ok(
                &subscribe_with(json!({ format!("{kind}1"): {"value": longest} })),
                account,
            );
            let over = "字".repeat(limit + 1);
            assert_eq!(
                problems(
                    &subscribe_with(json!({ format!("{kind}12"): {"value": over} })),
                    account
                ),
                vec![(
                    format!("data.{kind}12.value"),
                    format!(
                        "is {} characters long, more than {limit} for a `{kind}` value",
                        limit + 1
                    )
                )]
            );
        }
    }
    // A key without digits has its type too; other types are not measured.
    assert_eq!(
        problems(
            &subscribe_with(json!({"symbol": {"value": "¥¥¥¥¥¥"}})),
            AccountKind::Official
        ),
        pairs(&[(
            "data.symbol.value",
            "is 6 characters long, more than 5 for a `symbol` value"
        )])
    );
    parse_ok(
        &subscribe_with(json!({
            "time1": {"value": "x".repeat(100)},
            "amount2": {"value": "x".repeat(100)},
            "things3": {"value": "x".repeat(100)},
        })),
        AccountKind::Official,
    );
}

#[test]
fn subscription_refusals() {
    assert_eq!(
        problems(
            &json!({"kind": "subscribe", "to": OPENID, "template_id": "",
                    "data": {"thing1": {}, "name2": {"value": "一二三四五六七八九十十"}}}),
            AccountKind::MiniProgram
        ),
        pairs(&[
            ("template_id", "must not be empty"),
            (
                "data.name2.value",
                "is 11 characters long, more than 10 for a `name` value"
            ),
            ("data.thing1.value", "missing required field"),
        ])
    );
    assert_eq!(
        problems(
            &json!({"kind": "subscribe", "to": OPENID, "data": null}),
            AccountKind::Official
        ),
        pairs(&[
            ("template_id", "missing required field"),
            ("data", "missing required field"),
        ])
    );
}

// --- to and kind ---

#[test]
fn to_is_1_to_128_bytes() {
    let longest = "o".repeat(MAX_TO_BYTES);
    let request = parse_ok(
        &json!({"kind": "custom", "to": longest, "reply": {"text": "hi"}}),
        AccountKind::Official,
    );
    assert_eq!(request.to, longest);
    for (to, message) in [
        (json!(""), "must not be empty"),
        (json!("o".repeat(129)), "is 129 bytes long, more than 128"),
        // Bytes, not characters: 43 × 3 bytes.
        (json!("字".repeat(43)), "is 129 bytes long, more than 128"),
        (Value::Null, "missing required field"),
    ] {
        assert_eq!(
            problems(
                &json!({"kind": "custom", "to": to, "reply": {"text": "hi"}}),
                AccountKind::Official
            ),
            pairs(&[("to", message)]),
            "{to}"
        );
    }
}

#[test]
fn kind_is_required_and_known() {
    assert_eq!(
        problems(&json!({"to": OPENID}), AccountKind::Official),
        pairs(&[(
            "kind",
            "missing required field: one of `template`, `subscribe` or `custom`"
        )])
    );
    assert_eq!(
        problems(
            &json!({"kind": "mass", "to": "", "whatever": 1}),
            AccountKind::Official
        ),
        pairs(&[
            (
                "kind",
                "unknown kind `mass`: one of `template`, `subscribe` or `custom`"
            ),
            ("to", "must not be empty"),
        ])
    );
    assert!(
        malformed(br#"{"kind": 1, "to": "x"}"#, AccountKind::Official)
            .contains("`kind` must be a string, found a number")
    );
}

#[test]
fn message_kinds_are_lower_case_words() {
    for (kind, word) in [
        (MessageKind::Template, "template"),
        (MessageKind::Subscribe, "subscribe"),
        (MessageKind::Custom, "custom"),
    ] {
        assert_eq!(kind.as_str(), word);
        assert_eq!(serde_json::to_value(kind).ok(), Some(json!(word)));
        assert_eq!(
            serde_json::from_value::<MessageKind>(json!(word)).ok(),
            Some(kind)
        );
    }
}

// --- custom ---

#[test]
fn custom_messages_are_the_customer_service_json_of_the_reply() {
    let replies = [
        json!({"text": "hi"}),
        json!({"image": {"media_id": "IMG"}}),
        json!({"voice": {"media_id": "VOICE"}}),
        json!({"video": {"media_id": "VIDEO", "title": "t", "description": "d"}}),
        json!({"music": {"title": "t", "music_url": "https://m/1.mp3", "thumb_media_id": "TH"}}),
        json!({"news": [{"title": "t", "description": "d", "url": "https://x", "pic_url": "https://x/p.png"}]}),
    ];
    for reply in replies {
        let request = parse_ok(&custom_with(reply.clone()), AccountKind::Official);
        assert_eq!(request.kind, MessageKind::Custom);
        let typed: Reply = match serde_json::from_value(reply.clone()) {
            Ok(typed) => typed,
            Err(e) => panic!("{reply}: {e}"),
        };
        let expected = match custom_message(OPENID, &typed) {
            Ok(expected) => expected,
            Err(e) => panic!("{reply}: {e}"),
        };
        assert_eq!(request.payload, expected, "{reply}");
        // Mini programs send customer-service messages too.
        parse_ok(&custom_with(reply), AccountKind::MiniProgram);
    }
    assert_eq!(
        parse_ok(&custom_with(json!({"text": "hi"})), AccountKind::Official).payload,
        json!({"touser": OPENID, "msgtype": "text", "text": {"content": "hi"}})
    );
    assert_eq!(
        parse_ok(
            &custom_with(json!({"news": [{"title": "t"}]})),
            AccountKind::Official
        )
        .payload,
        json!({"touser": OPENID, "msgtype": "news", "news": {"articles": [
            {"title": "t", "description": "", "url": "", "picurl": ""}
        ]}})
    );
}

#[test]
fn a_mini_program_card_is_a_customer_service_message() {
    let page = json!({"title": "Order 42", "appid": "wx1234567890abcdef",
                      "pagepath": "pages/order?id=42", "thumb_media_id": "THUMB"});
    for account in [AccountKind::Official, AccountKind::MiniProgram] {
        let request = parse_ok(&custom_with(json!({"miniprogrampage": page})), account);
        assert_eq!(
            request.payload,
            json!({"touser": OPENID, "msgtype": "miniprogrampage", "miniprogrampage": page})
        );
    }
    assert_eq!(
        problems(
            &custom_with(json!({"miniprogrampage": {"title": "t", "appid": ""}})),
            AccountKind::Official
        ),
        vec![
            (
                "reply.miniprogrampage.appid".to_owned(),
                "must not be empty".to_owned()
            ),
            (
                "reply.miniprogrampage.pagepath".to_owned(),
                "missing required field".to_owned()
            ),
            (
                "reply.miniprogrampage.thumb_media_id".to_owned(),
                "missing required field".to_owned()
            ),
        ]
    );
}

#[test]
fn custom_refusals() {
    for (reply, path, message) in [
        (
            json!({"transfer_customer_service": {}}),
            "reply.transfer_customer_service",
            "a transfer to customer service is a passive reply only: the customer-service API \
             cannot send it",
        ),
        (
            json!({"news": []}),
            "reply.news",
            "has 0 articles; a customer-service message carries exactly one",
        ),
        (
            json!({"news": [{"title": "a"}, {"title": "b"}]}),
            "reply.news",
            "has 2 articles; a customer-service message carries exactly one",
        ),
        (
            json!({"location": {}}),
            "reply.location",
            "unknown reply `location`: one of `text`, `image`, `voice`, `video`, `music`, `news`, `miniprogrampage`",
        ),
        (
            json!({}),
            "reply",
            "is empty: give one of `text`, `image`, `voice`, `video`, `music`, `news`, `miniprogrampage`",
        ),
        (
            json!({"text": "a", "image": {"media_id": "m"}}),
            "reply",
            "holds 2 replies (`image`, `text`); a message is one of them",
        ),
        (
            Value::Null,
            "reply",
            "missing required field: a reply such as {\"text\": \"...\"}, one of `text`, \
             `image`, `voice`, `video`, `music`, `news`, `miniprogrampage`",
        ),
        (
            json!({"image": {}}),
            "reply.image.media_id",
            "missing required field",
        ),
        (
            json!({"video": {"title": "t"}}),
            "reply.video.media_id",
            "missing required field",
        ),
        (
            json!({"music": {"title": "t"}}),
            "reply.music.thumb_media_id",
            "missing required field",
        ),
        (
            json!({"news": [{"url": "https://x"}]}),
            "reply.news[0].title",
            "missing required field",
        ),
    ] {
        assert_eq!(
            problems(&custom_with(reply.clone()), AccountKind::Official),
            pairs(&[(path, message)]),
            "{reply}"
        );
    }
}

#[test]
fn custom_replies_of_the_wrong_shape_are_malformed() {
    for (reply, expected) in [
        (json!("hi"), "`reply` must be an object such as"),
        (
            json!({"text": 5}),
            "`reply.text`: invalid type: integer `5`",
        ),
        (
            json!({"image": {"media_id": "m", "url": "x"}}),
            "`reply.image`: unknown field `url`",
        ),
        (
            json!({"news": [{"title": "t", "picurl": "x"}]}),
            "`reply.news[0]`: unknown field `picurl`",
        ),
        (
            json!({"news": {"title": "t"}}),
            "`reply.news`: invalid type",
        ),
    ] {
        let message = malformed(&body(&custom_with(reply.clone())), AccountKind::Official);
        assert!(message.contains(expected), "{reply}: {message}");
    }
}

// --- shape, and everything at once ---

#[test]
fn bodies_that_are_not_json_objects_are_malformed() {
    for (bytes, expected) in [
        (&b"{\"kind\": "[..], "the request body is not valid JSON: "),
        (b"", "the request body is not valid JSON: "),
        (b"\xff", "the request body is not valid JSON: "),
        (
            b"[]",
            "the request body must be a JSON object, found an array",
        ),
        (
            b"\"template\"",
            "the request body must be a JSON object, found a string",
        ),
        (
            b"null",
            "the request body must be a JSON object, found null",
        ),
    ] {
        let message = malformed(bytes, AccountKind::Official);
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn every_fault_of_shape_is_in_one_400() {
    let message = malformed(
        &body(&json!({
            "kind": "template",
            "to": 42,
            "touser": OPENID,
            "client_msg_id": "x",
            "template_id": ["T"],
            "url": false,
            "miniprogram": "wx1",
            "data": {"first": {"value": 1, "colour": "#000"}, "second": "x"},
        })),
        AccountKind::Official,
    );
    for expected in [
        "`to` must be a string, found a number",
        "unknown field `client_msg_id`, expected one of `kind`, `to`, `template_id`, `url`, \
         `miniprogram`, `data`",
        "unknown field `touser`",
        "`template_id` must be a string, found an array",
        "`url` must be a string, found a boolean",
        "`miniprogram` must be an object, found a string",
        "`data.first.value` must be a string, found a number",
        "unknown field `data.first.colour`, expected one of `value`, `color`",
        "`data.second` must be an object such as {\"value\": \"...\"}, found a string",
    ] {
        assert!(message.contains(expected), "{expected} not in {message}");
    }
    assert!(message.starts_with("the request body does not have the expected shape: "));
    // A field of another kind is unknown to this one.
    let message = malformed(
        &body(&json!({"kind": "custom", "to": OPENID, "reply": {"text": "x"}, "data": {}})),
        AccountKind::Official,
    );
    assert!(
        message.contains("unknown field `data`, expected one of `kind`, `to`, `reply`"),
        "{message}"
    );
}

#[test]
fn every_broken_rule_is_in_one_422_with_json_paths() {
    let message = json!({
        "kind": "subscribe",
        "to": "o".repeat(200),
        "data": {
            "thing1": {"value": "a thing of more than twenty characters"},
            "phone_number2": {"value": "+86 138 0000 0000 00"},
            "a b": {},
            "car_number3": {"value": "粤B1234567"},
        },
        "miniprogram": {"pagepath": "index"},
        "lang": "zh_CN",
    });
    let expected = pairs(&[
        ("to", "is 200 bytes long, more than 128"),
        ("template_id", "missing required field"),
        ("miniprogram.appid", "missing required field"),
        (
            "lang",
            "is for mini programs: an official account's subscription messages \
             (message/subscribe/bizsend) have no `lang`",
        ),
        ("data[\"a b\"].value", "missing required field"),
        (
            "data.car_number3.value",
            "is 9 characters long, more than 8 for a `car_number` value",
        ),
        (
            "data.phone_number2.value",
            "is 20 characters long, more than 17 for a `phone_number` value",
        ),
        (
            "data.thing1.value",
            "is 38 characters long, more than 20 for a `thing` value",
        ),
    ]);
    assert_eq!(problems(&message, AccountKind::Official), expected);
    let error = parse(&body(&message), AccountKind::Official);
    assert_eq!(
        error.map_err(|e| e.to_string()).err().as_deref(),
        Some("8 problem(s) with the request")
    );
}

#[test]
fn problems_serialize_as_the_admin_api_answers() {
    let problem = Problem::new("data.thing1.value", "too long");
    assert_eq!(
        serde_json::to_value(&problem).ok(),
        Some(json!({"path": "data.thing1.value", "message": "too long"}))
    );
    assert_eq!(problem.to_string(), "data.thing1.value: too long");
    assert_eq!(
        RequestError::Malformed("bad".into()).to_string(),
        "bad".to_owned()
    );
}

// --- body_hash ---

#[test]
fn idempotency_keys_are_1_to_255_printable_ascii_characters_without_spaces() {
    for key in ["a", "order-1042:shipped", "!~", &"k".repeat(MAX_KEY_LEN)] {
        assert!(valid_key(key.as_bytes()), "{key}");
    }
    for key in [
        "",
        "two words",
        "tab\there",
        "é",
        &"k".repeat(MAX_KEY_LEN + 1),
    ] {
        assert!(!valid_key(key.as_bytes()), "{key}");
    }
}

#[test]
fn body_hash_is_the_sha256_of_the_canonical_json() {
    // {"a":[1,true,null,"é"],"b":{"c":"x"}}
    let expected = "ce7c4997af73900aa484c3a03ecc49816362bd44d641d4e1d471d487b1df4e50";
    for text in [
        r#"{"a":[1,true,null,"é"],"b":{"c":"x"}}"#,
        "{ \"b\" : { \"c\" : \"x\" } ,\n\t\"a\" : [ 1 , true , null , \"\\u00e9\" ] }\r\n",
        r#"{"b":{"c":"\u0078"},"a":[1,true,null,"é"]}"#,
    ] {
        assert_eq!(
            body_hash(text.as_bytes()).ok().as_deref(),
            Some(expected),
            "{text}"
        );
    }
    for other in [
        r#"{"a":[true,1,null,"é"],"b":{"c":"x"}}"#,
        r#"{"a":[1,true,null,"é"],"b":{"c":"x "}}"#,
        r#"{"a":[1,true,null,"é"],"b":{"C":"x"}}"#,
        r#"{"a":[1,true,null,"é"]}"#,
    ] {
        assert_ne!(
            body_hash(other.as_bytes()).ok().as_deref(),
            Some(expected),
            "{other}"
        );
    }
    assert!(matches!(
        body_hash(b"{\"a\":"),
        Err(RequestError::Malformed(_))
    ));
}

/// A JSON value with its objects' keys in an order of their own.
#[derive(Debug, Clone)]
enum Tree {
    Leaf(Value),
    Array(Vec<Tree>),
    Object(Vec<(String, Tree)>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z \"\\\\/é字\u{1f600}\n]{0,8}".prop_map(Value::from),
    ]
    .prop_map(Tree::Leaf);
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::Array),
            prop::collection::btree_map("[a-z\"é]{0,4}", inner, 0..6)
                .prop_map(|map| Tree::Object(map.into_iter().collect())),
        ]
    })
}

/// Writes `tree` as JSON text: each object's keys rotated by `rotate` (and reversed when
/// `reverse`), whitespace from `spaces` between the tokens, and every non-ASCII character
/// escaped as `\uXXXX` when `escape`.
struct Writer<'s> {
    rotate: usize,
    reverse: bool,
    escape: bool,
    spaces: &'s [&'static str],
    next_space: usize,
    out: String,
}

impl Writer<'_> {
    fn space(&mut self) {
        if !self.spaces.is_empty() {
            let space = self.spaces[self.next_space % self.spaces.len()];
            self.out.push_str(space);
            self.next_space += 1;
        }
    }

    fn string(&mut self, text: &str) {
        if !self.escape {
            self.out.push_str(&Value::from(text).to_string());
            return;
        }
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if c.is_ascii() && !c.is_ascii_control() => self.out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
        self.out.push('"');
    }

    fn write(&mut self, tree: &Tree) {
        self.space();
        match tree {
            Tree::Leaf(Value::String(text)) => self.string(text),
            Tree::Leaf(value) => self.out.push_str(&value.to_string()),
            Tree::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.write(item);
                }
                self.space();
                self.out.push(']');
            }
            Tree::Object(entries) => {
                let mut entries: Vec<&(String, Tree)> = entries.iter().collect();
                if !entries.is_empty() {
                    let by = self.rotate % entries.len();
                    entries.rotate_left(by);
                }
                if self.reverse {
                    entries.reverse();
                }
                self.out.push('{');
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.space();
                    self.string(key);
                    self.space();
                    self.out.push(':');
                    self.write(item);
                }
                self.space();
                self.out.push('}');
            }
        }
        self.space();
    }
}

fn render(
    tree: &Tree,
    rotate: usize,
    reverse: bool,
    escape: bool,
    spaces: &[&'static str],
) -> String {
    let mut writer = Writer {
        rotate,
        reverse,
        escape,
        spaces,
        next_space: 0,
        out: String::new(),
    };
    writer.write(tree);
    writer.out
}

const SPACES: [&str; 6] = ["", " ", "\n", "\t", "\r\n  ", "   "];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Key order, whitespace and string escapes do not change the hash of a JSON value.
    #[test]
    fn key_order_and_whitespace_do_not_change_body_hash(
        tree in tree(),
        rotate in 0usize..6,
        reverse: bool,
        escape: bool,
        spaces in prop::collection::vec(prop::sample::select(SPACES.to_vec()), 1..8),
    ) {
        let compact = render(&tree, 0, false, false, &[]);
        let other = render(&tree, rotate, reverse, escape, &spaces);
        let first = body_hash(compact.as_bytes());
        prop_assert!(first.is_ok(), "{compact}: {first:?}");
        prop_assert_eq!(&first, &body_hash(other.as_bytes()), "{} vs {}", compact, other);
        // And it is the hash of the value itself, as serde_json writes it.
        let value: Value = serde_json::from_str(&compact).unwrap_or(Value::Null);
        prop_assert_eq!(&first, &body_hash(value.to_string().as_bytes()));
    }
}
