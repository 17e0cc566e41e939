use reqwest::Method;
use serde_json::json;

use super::{Request, parse_answer, required_str, scrub, url};
use crate::api::error::ApiError;

#[test]
fn urls_join_the_base_and_encode_the_query() {
    let request = |query| Request {
        method: Method::GET,
        path: "/cgi-bin/token",
        query,
        body: None,
        secrets: &[],
        data_errcodes: &[],
    };
    assert_eq!(
        url(
            "https://api.weixin.qq.com/",
            &request(&[("appid", "wx1"), ("secret", "a+b/c=&d")])
        ),
        "https://api.weixin.qq.com/cgi-bin/token?appid=wx1&secret=a%2Bb%2Fc%3D%26d"
    );
    assert_eq!(
        url("http://127.0.0.1:9", &request(&[])),
        "http://127.0.0.1:9/cgi-bin/token"
    );
}

#[test]
fn an_errcode_kept_as_data_is_returned_as_the_answer() {
    let body = br#"{"errcode":45065,"errmsg":"clientmsgid exist","msgid":7}"#;
    let answer = parse_answer(body, &[], &[45065]).unwrap();
    assert_eq!(answer["msgid"], 7);
    let error = parse_answer(body, &[], &[45064]).unwrap_err();
    assert_eq!(error.errcode(), Some(45065));
}

#[test]
fn errcode_zero_or_absent_is_success() {
    let answer = parse_answer(br#"{"errcode":0,"errmsg":"ok"}"#, &[], &[]).unwrap();
    assert_eq!(answer["errmsg"], "ok");
    let answer = parse_answer(br#"{"ticket":"t","url":"u"}"#, &[], &[]).unwrap();
    assert_eq!(required_str(&answer, "ticket").unwrap(), "t");
}

#[test]
fn a_non_zero_errcode_is_a_wechat_error() {
    assert_eq!(
        parse_answer(
            br#"{"errcode":40018,"errmsg":"invalid button name size"}"#,
            &[],
            &[]
        ),
        Err(ApiError::WeChat {
            errcode: 40018,
            errmsg: "invalid button name size".into()
        })
    );
    // errmsg is optional.
    assert_eq!(
        parse_answer(br#"{"errcode":-1}"#, &[], &[])
            .unwrap_err()
            .errcode(),
        Some(-1)
    );
}

#[test]
fn malformed_answers_are_bad_responses() {
    for body in [
        &b""[..],
        b"<xml/>",
        b"[1,2]",
        b"\"ok\"",
        br#"{"errcode":"40001"}"#,
        br#"{"errcode":1.5}"#,
    ] {
        let error = parse_answer(body, &[], &[]).unwrap_err();
        assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
    }
    let answer = parse_answer(br#"{"ticket":""}"#, &[], &[]).unwrap();
    assert!(matches!(
        required_str(&answer, "ticket"),
        Err(ApiError::BadResponse(_))
    ));
    assert!(matches!(
        required_str(&answer, "url"),
        Err(ApiError::BadResponse(_))
    ));
}

#[test]
fn credentials_echoed_by_wechat_are_redacted() {
    let body = json!({ "errcode": 40125, "errmsg": "invalid appsecret TOPSECRET, rid: 1" });
    let error = parse_answer(body.to_string().as_bytes(), &["TOPSECRET"], &[]).unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 40125,
            errmsg: "invalid appsecret [redacted], rid: 1".into()
        }
    );
}

#[test]
fn scrub_ignores_empty_secrets() {
    assert_eq!(scrub("a b".into(), &["", "b"]), "a [redacted]");
}
