use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer};

use crate::api::test_support::{
    APPID, SECRET, answer, api, api_at, assert_no_credentials, closed_port_base, refusal,
    stable_token_request, token_answer,
};
use crate::api::{ApiError, OAuthGrant, OAuthUser, TokenSource};

const CODE: &str = "061Ab2Ga1CODEonce9xQzK0vTuI2Ab2GG";
const OAUTH_TOKEN: &str = "OAUTH_TOKEN_86_nV7oP0wMq2RtYxZ";
const REFRESH: &str = "OAUTH_REFRESH_86_kL3jH5gF7dS9aQ";
const OPENID: &str = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc";
const UNIONID: &str = "o6_bmasdasdsad6_2sgVt7hMZOPfL";

/// `GET /sns/oauth2/access_token` with exactly the parameters WeChat documents.
fn exchange_request() -> MockBuilder {
    Mock::given(method("GET"))
        .and(path("/sns/oauth2/access_token"))
        .and(query_param("appid", APPID))
        .and(query_param("secret", SECRET))
        .and(query_param("code", CODE))
        .and(query_param("grant_type", "authorization_code"))
}

/// `GET /sns/userinfo?access_token=OAUTH_TOKEN&openid=OPENID&lang=zh_CN`.
fn userinfo_request() -> MockBuilder {
    Mock::given(method("GET"))
        .and(path("/sns/userinfo"))
        .and(query_param("access_token", OAUTH_TOKEN))
        .and(query_param("openid", OPENID))
        .and(query_param("lang", "zh_CN"))
}

/// Fails the test if the account's access token is fetched: web OAuth never uses it.
async fn forbid_account_token(server: &MockServer) {
    stable_token_request(false)
        .respond_with(token_answer("ACCOUNT_TOKEN", 7200))
        .expect(0)
        .mount(server)
        .await;
}

/// Asserts that neither the secret, the code nor the OAuth token shows in `error`.
fn assert_nothing_leaks(error: &ApiError) {
    assert_no_credentials(error);
    for text in [error.to_string(), format!("{error:?}")] {
        for secret in [CODE, OAUTH_TOKEN] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
        assert!(!text.contains("code="), "URL leaked into {text}");
    }
}

#[tokio::test]
async fn a_code_is_exchanged_for_the_openid_and_unionid() {
    let server = MockServer::start().await;
    forbid_account_token(&server).await;
    exchange_request()
        .respond_with(answer(json!({
            "access_token": OAUTH_TOKEN,
            "expires_in": 7200,
            "refresh_token": REFRESH,
            "openid": OPENID,
            "scope": "snsapi_userinfo",
            "is_snapshotuser": 0,
            "unionid": UNIONID,
        })))
        .expect(1)
        .mount(&server)
        .await;

    let grant = api(&server, TokenSource::StableToken)
        .oauth_exchange(CODE)
        .await
        .unwrap();
    assert_eq!(
        grant,
        OAuthGrant {
            access_token: OAUTH_TOKEN.to_owned(),
            expires_in: 7200,
            refresh_token: REFRESH.to_owned(),
            openid: OPENID.to_owned(),
            scope: "snsapi_userinfo".to_owned(),
            unionid: Some(UNIONID.to_owned()),
            is_snapshotuser: false,
        }
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url.query(),
        Some(
            format!("appid={APPID}&secret={SECRET}&code={CODE}&grant_type=authorization_code")
                .as_str()
        )
    );
    server.verify().await;
}

#[tokio::test]
async fn a_code_exchange_without_unionid() {
    let server = MockServer::start().await;
    forbid_account_token(&server).await;
    exchange_request()
        .respond_with(answer(json!({
            "access_token": OAUTH_TOKEN,
            "expires_in": 7200,
            "refresh_token": REFRESH,
            "openid": OPENID,
            "scope": "snsapi_base",
            "is_snapshotuser": 1,
        })))
        .expect(1)
        .mount(&server)
        .await;

    let grant = api(&server, TokenSource::StableToken)
        .oauth_exchange(CODE)
        .await
        .unwrap();
    assert_eq!(grant.openid, OPENID);
    assert_eq!(grant.scope, "snsapi_base");
    assert_eq!(grant.unionid, None);
    assert!(grant.is_snapshotuser);
    server.verify().await;
}

#[tokio::test]
async fn refused_codes_surface_wechats_errcode_once() {
    for (errcode, errmsg) in [
        (40163, "code been used, rid: 6571a1b2-1c2d3e4f-5a6b7c8d"),
        (40029, "invalid code, rid: 6571a1b2-1c2d3e4f-5a6b7c8e"),
    ] {
        let server = MockServer::start().await;
        forbid_account_token(&server).await;
        exchange_request()
            .respond_with(refusal(errcode, errmsg))
            .expect(1)
            .mount(&server)
            .await;

        let error = api(&server, TokenSource::StableToken)
            .oauth_exchange(CODE)
            .await
            .unwrap_err();
        assert_eq!(
            error,
            ApiError::WeChat {
                errcode,
                errmsg: errmsg.to_owned()
            }
        );
        assert_nothing_leaks(&error);
        server.verify().await;
    }
}

#[tokio::test]
async fn an_errmsg_quoting_the_code_or_secret_is_scrubbed() {
    let server = MockServer::start().await;
    exchange_request()
        .respond_with(refusal(
            40029,
            &format!("invalid code {CODE} for appid {APPID} secret {SECRET}"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .oauth_exchange(CODE)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40029));
    assert_nothing_leaks(&error);
    assert!(error.to_string().contains(APPID), "{error}");
}

#[tokio::test]
async fn an_answer_without_openid_is_a_bad_response() {
    let server = MockServer::start().await;
    exchange_request()
        .respond_with(answer(
            json!({ "access_token": OAUTH_TOKEN, "expires_in": 7200 }),
        ))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .oauth_exchange(CODE)
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
    assert_nothing_leaks(&error);
}

#[tokio::test]
async fn an_unreachable_server_does_not_leak_the_code() {
    let api = api_at(
        &closed_port_base(),
        TokenSource::StableToken,
        Duration::from_secs(5),
    );
    let error = api.oauth_exchange(CODE).await.unwrap_err();
    assert!(matches!(error, ApiError::Unreachable(_)), "{error:?}");
    assert_nothing_leaks(&error);
    let error = api.oauth_user(OAUTH_TOKEN, OPENID).await.unwrap_err();
    assert_nothing_leaks(&error);
}

#[tokio::test]
async fn the_profile_is_read_with_the_oauth_token() {
    let server = MockServer::start().await;
    forbid_account_token(&server).await;
    userinfo_request()
        .respond_with(answer(json!({
            "openid": OPENID,
            "nickname": "张三",
            "sex": 1,
            "province": "广东",
            "city": "广州",
            "country": "中国",
            "headimgurl": "https://thirdwx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/46",
            "privilege": [],
            "unionid": UNIONID,
        })))
        .expect(1)
        .mount(&server)
        .await;

    let user = api(&server, TokenSource::StableToken)
        .oauth_user(OAUTH_TOKEN, OPENID)
        .await
        .unwrap();
    assert_eq!(
        user,
        OAuthUser {
            openid: OPENID.to_owned(),
            nickname: "张三".to_owned(),
            headimgurl: "https://thirdwx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/46".to_owned(),
            unionid: Some(UNIONID.to_owned()),
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn a_profile_without_unionid_or_avatar() {
    let server = MockServer::start().await;
    userinfo_request()
        .respond_with(answer(json!({
            "openid": OPENID,
            "nickname": "Li",
            "headimgurl": "",
            "privilege": [],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let user = api(&server, TokenSource::StableToken)
        .oauth_user(OAUTH_TOKEN, OPENID)
        .await
        .unwrap();
    assert_eq!(user.nickname, "Li");
    assert_eq!(user.headimgurl, "");
    assert_eq!(user.unionid, None);
    server.verify().await;
}

#[tokio::test]
async fn a_rejected_oauth_token_is_not_retried() {
    let server = MockServer::start().await;
    forbid_account_token(&server).await;
    userinfo_request()
        .respond_with(refusal(
            40001,
            &format!("invalid credential, access_token is invalid or not latest {OAUTH_TOKEN}"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .oauth_user(OAUTH_TOKEN, OPENID)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40001));
    assert_nothing_leaks(&error);
    server.verify().await;
}

#[test]
fn debug_hides_the_tokens() {
    let grant = OAuthGrant {
        access_token: OAUTH_TOKEN.to_owned(),
        expires_in: 7200,
        refresh_token: REFRESH.to_owned(),
        openid: OPENID.to_owned(),
        scope: "snsapi_base".to_owned(),
        unionid: None,
        is_snapshotuser: false,
    };
    let text = format!("{grant:?}");
    assert!(text.contains(OPENID), "{text}");
    assert!(!text.contains(OAUTH_TOKEN), "{text}");
    assert!(!text.contains(REFRESH), "{text}");
}
