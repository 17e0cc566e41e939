use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer};

use crate::api::test_support::{
    APPID, SECRET, TOKEN1, TOKEN2, answer, api, api_call, assert_no_credentials, mount_refresh,
    mount_token, refusal, stable_token_request, token_answer,
};
use crate::api::{ApiError, MpLogin, PhoneNumber, TokenSource};

const JS_CODE: &str = "0a3Jw3Ga1JSCODEonce8xQzK0vTuI3Jw3Gq";
const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
const UNIONID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJU";
const PHONE_CODE: &str = "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144";
const PHONE: &str = "/wxa/business/getuserphonenumber";

/// `GET /sns/jscode2session` with exactly the parameters WeChat documents.
fn session_request() -> MockBuilder {
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", APPID))
        .and(query_param("secret", SECRET))
        .and(query_param("js_code", JS_CODE))
        .and(query_param("grant_type", "authorization_code"))
}

/// Fails the test if the access token is fetched: jscode2session does not use it.
async fn forbid_access_token(server: &MockServer) {
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(0)
        .mount(server)
        .await;
}

/// Asserts that neither the secret, the tokens, the codes nor the session_key shows in `text`.
fn assert_no_secret_in(text: &str) {
    for secret in [SECRET, TOKEN1, TOKEN2, JS_CODE, PHONE_CODE, SESSION_KEY] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
    for parameter in ["secret=", "js_code=", "access_token="] {
        assert!(!text.contains(parameter), "URL leaked into {text}");
    }
}

fn assert_nothing_leaks(error: &ApiError) {
    assert_no_credentials(error);
    assert_no_secret_in(&error.to_string());
    assert_no_secret_in(&format!("{error:?}"));
}

#[tokio::test]
async fn a_login_code_is_exchanged_for_the_openid_session_key_and_unionid() {
    let server = MockServer::start().await;
    forbid_access_token(&server).await;
    session_request()
        .respond_with(answer(json!({
            "openid": OPENID,
            "session_key": SESSION_KEY,
            "unionid": UNIONID,
            "errcode": 0,
            "errmsg": "ok",
        })))
        .expect(1)
        .mount(&server)
        .await;

    let login = api(&server, TokenSource::StableToken)
        .code_to_session(JS_CODE)
        .await
        .unwrap();
    assert_eq!(
        login,
        MpLogin {
            openid: OPENID.to_owned(),
            session_key: SESSION_KEY.to_owned(),
            unionid: Some(UNIONID.to_owned()),
        }
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url.query(),
        Some(
            format!(
                "appid={APPID}&secret={SECRET}&js_code={JS_CODE}&grant_type=authorization_code"
            )
            .as_str()
        )
    );
    server.verify().await;
}

#[tokio::test]
async fn a_login_without_unionid() {
    let server = MockServer::start().await;
    forbid_access_token(&server).await;
    session_request()
        .respond_with(answer(
            json!({ "openid": OPENID, "session_key": SESSION_KEY }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let login = api(&server, TokenSource::StableToken)
        .code_to_session(JS_CODE)
        .await
        .unwrap();
    assert_eq!(login.openid, OPENID);
    assert_eq!(login.session_key, SESSION_KEY);
    assert_eq!(login.unionid, None);
    server.verify().await;
}

#[tokio::test]
async fn an_empty_unionid_is_none() {
    let server = MockServer::start().await;
    session_request()
        .respond_with(answer(json!({
            "openid": OPENID,
            "session_key": SESSION_KEY,
            "unionid": "",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let login = api(&server, TokenSource::StableToken)
        .code_to_session(JS_CODE)
        .await
        .unwrap();
    assert_eq!(login.unionid, None);
}

/// WeChat refuses the code with `errcode`: the error carries it, WeChat is asked once, and
/// nothing secret shows, even when WeChat's message repeats the code and the secret.
async fn refused_login(errcode: i64, errmsg: &str) {
    let server = MockServer::start().await;
    forbid_access_token(&server).await;
    session_request()
        .respond_with(refusal(
            errcode,
            &format!("{errmsg}, js_code {JS_CODE} secret {SECRET} rid: 6523a1b2-0c1d2e3f"),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .code_to_session(JS_CODE)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(errcode), "{error}");
    assert!(error.to_string().contains(errmsg), "{error}");
    assert_nothing_leaks(&error);
    server.verify().await;
}

#[tokio::test]
async fn an_invalid_code_40029_is_refused_once() {
    refused_login(40029, "invalid code").await;
}

#[tokio::test]
async fn a_used_code_40163_is_refused_once() {
    refused_login(40163, "code been used").await;
}

#[tokio::test]
async fn too_many_logins_45011_are_refused_once() {
    refused_login(
        45011,
        "api minute-quota reach limit  mustslower  retry next minute",
    )
    .await;
}

#[tokio::test]
async fn a_high_risk_user_40226_is_refused_once() {
    refused_login(40226, "invalid user, high risk").await;
}

#[tokio::test]
async fn a_login_answer_without_a_session_key_is_a_bad_response() {
    for body in [
        json!({ "openid": OPENID }),
        json!({ "openid": OPENID, "session_key": "" }),
        json!({ "session_key": SESSION_KEY }),
    ] {
        let server = MockServer::start().await;
        session_request()
            .respond_with(answer(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let error = api(&server, TokenSource::StableToken)
            .code_to_session(JS_CODE)
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::BadResponse(_)), "{body}: {error}");
        assert_nothing_leaks(&error);
    }
}

#[tokio::test]
async fn a_login_that_fails_to_connect_shows_no_secret() {
    let base = crate::api::test_support::closed_port_base();
    let api = crate::api::test_support::api_at(
        &base,
        TokenSource::StableToken,
        std::time::Duration::from_secs(5),
    );
    let error = api.code_to_session(JS_CODE).await.unwrap_err();
    assert!(matches!(error, ApiError::Unreachable(_)), "{error}");
    assert_nothing_leaks(&error);
}

#[test]
fn debug_output_redacts_the_session_key() {
    let login = MpLogin {
        openid: OPENID.to_owned(),
        session_key: SESSION_KEY.to_owned(),
        unionid: Some(UNIONID.to_owned()),
    };
    let debug = format!("{login:?}");
    assert!(debug.contains(OPENID), "{debug}");
    assert!(debug.contains(UNIONID), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert_no_secret_in(&debug);
}

/// `POST getuserphonenumber?access_token=token` with exactly `{"code": PHONE_CODE}`.
fn phone_request(token: &str) -> MockBuilder {
    api_call("POST", PHONE, token).and(body_json(json!({ "code": PHONE_CODE })))
}

/// WeChat's documented answer, `countryCode` as given.
fn phone_answer(country_code: serde_json::Value) -> serde_json::Value {
    json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": "+86 13800000000",
            "purePhoneNumber": "13800000000",
            "countryCode": country_code,
            "watermark": { "timestamp": 1637744274, "appid": APPID },
        },
    })
}

fn expected_phone() -> PhoneNumber {
    PhoneNumber {
        phone_number: "+86 13800000000".to_owned(),
        pure_phone_number: "13800000000".to_owned(),
        country_code: "86".to_owned(),
        watermark_appid: APPID.to_owned(),
        watermark_timestamp: 1637744274,
    }
}

#[tokio::test]
async fn a_phone_code_gives_the_number_and_its_watermark() {
    for country_code in [json!(86), json!("86")] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        phone_request(TOKEN1)
            .respond_with(answer(phone_answer(country_code)))
            .expect(1)
            .mount(&server)
            .await;

        let phone = api(&server, TokenSource::StableToken)
            .user_phone_number(PHONE_CODE)
            .await
            .unwrap();
        assert_eq!(phone, expected_phone());
        server.verify().await;
    }
}

#[tokio::test]
async fn a_rejected_token_on_the_phone_call_is_refreshed_and_retried_once() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    phone_request(TOKEN1)
        .respond_with(refusal(
            40001,
            "invalid credential, access_token is invalid",
        ))
        .expect(1)
        .mount(&server)
        .await;
    phone_request(TOKEN2)
        .respond_with(answer(phone_answer(json!(86))))
        .expect(1)
        .mount(&server)
        .await;

    let phone = api(&server, TokenSource::StableToken)
        .user_phone_number(PHONE_CODE)
        .await
        .unwrap();
    assert_eq!(phone, expected_phone());
    server.verify().await;
}

#[tokio::test]
async fn a_refused_phone_code_is_not_retried_and_shows_no_code() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    phone_request(TOKEN1)
        .respond_with(refusal(
            40029,
            &format!("invalid code {PHONE_CODE}, rid: 6523a1b2-0c1d2e3f"),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .user_phone_number(PHONE_CODE)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40029));
    assert_nothing_leaks(&error);
    server.verify().await;
}

#[tokio::test]
async fn a_phone_answer_without_phone_info_is_a_bad_response() {
    for body in [
        json!({ "errcode": 0, "errmsg": "ok" }),
        json!({ "errcode": 0, "phone_info": { "phoneNumber": "+86 13800000000" } }),
    ] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        phone_request(TOKEN1)
            .respond_with(answer(body.clone()))
            .mount(&server)
            .await;
        let error = api(&server, TokenSource::StableToken)
            .user_phone_number(PHONE_CODE)
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::BadResponse(_)), "{body}: {error}");
        assert_nothing_leaks(&error);
    }
}
