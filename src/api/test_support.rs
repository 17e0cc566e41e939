//! A mock WeChat API on 127.0.0.1 answering as WeChat documents, and clients pointed at it.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use super::{ApiConfig, TokenSource, WeChatApi};

pub(super) const APPID: &str = "wx0123456789abcdef";
pub(super) const SECRET: &str = "SeCrEt0123456789abcdef0123456789";
pub(super) const TOKEN1: &str = "TOKEN_ONE_80_IQ2lbmW9nXz4v3xUpkJ";
pub(super) const TOKEN2: &str = "TOKEN_TWO_91_HZvDj7f0Lq5ZcYbWmNt";

pub(super) fn config(api_base: &str, token_source: TokenSource) -> ApiConfig {
    ApiConfig {
        appid: APPID.to_owned(),
        secret: SECRET.to_owned(),
        api_base: api_base.to_owned(),
        token_source,
    }
}

/// A client for `api_base` whose calls time out after `timeout`.
pub(super) fn api_at(api_base: &str, token_source: TokenSource, timeout: Duration) -> WeChatApi {
    let http = reqwest::Client::builder().timeout(timeout).build().unwrap();
    WeChatApi::new(http, config(api_base, token_source))
}

/// A client for the mock server, with a generous timeout.
pub(super) fn api(server: &MockServer, token_source: TokenSource) -> WeChatApi {
    api_at(&server.uri(), token_source, Duration::from_secs(10))
}

/// `POST /cgi-bin/stable_token` with exactly WeChat's body.
pub(super) fn stable_token_request(force_refresh: bool) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_json(json!({
            "grant_type": "client_credential",
            "appid": APPID,
            "secret": SECRET,
            "force_refresh": force_refresh,
        })))
}

/// `GET /cgi-bin/token?grant_type=client_credential&appid=..&secret=..`.
pub(super) fn client_credential_request() -> MockBuilder {
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", APPID))
        .and(query_param("secret", SECRET))
}

/// The token request of `token_source`, for a first fetch.
pub(super) fn token_request(token_source: TokenSource) -> MockBuilder {
    match token_source {
        TokenSource::StableToken => stable_token_request(false),
        TokenSource::ClientCredential => client_credential_request(),
    }
}

/// `{"access_token": token, "expires_in": expires_in}`.
pub(super) fn token_answer(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "expires_in": expires_in,
    }))
}

/// `{"errcode": 0, "errmsg": "ok"}`.
pub(super) fn ok() -> ResponseTemplate {
    refusal(0, "ok")
}

/// `{"errcode": errcode, "errmsg": errmsg}`.
pub(super) fn refusal(errcode: i64, errmsg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": errcode, "errmsg": errmsg }))
}

/// Serves TOKEN1 (7200 s) to a first stable_token fetch, exactly once.
pub(super) async fn mount_token(server: &MockServer) {
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(server)
        .await;
}

/// `method path?access_token=token`.
pub(super) fn api_call(http_method: &str, api_path: &str, token: &str) -> MockBuilder {
    Mock::given(method(http_method))
        .and(path(api_path))
        .and(query_param("access_token", token))
}

/// An address on 127.0.0.1 where nothing listens.
pub(super) fn closed_port_base() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Asserts that no credential shows in `error`'s Display or Debug.
pub(super) fn assert_no_credentials(error: &super::ApiError) {
    for text in [error.to_string(), format!("{error:?}")] {
        for secret in [SECRET, TOKEN1, TOKEN2] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
        assert!(!text.contains("access_token="), "URL leaked into {text}");
        assert!(!text.contains("secret="), "URL leaked into {text}");
    }
}

/// Serves TOKEN2 (7200 s) to a forced stable_token refresh, exactly once.
pub(super) async fn mount_refresh(server: &MockServer) {
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(server)
        .await;
}

/// `200 OK` with `body` as JSON.
pub(super) fn answer(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}
