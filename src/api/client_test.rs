use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::WeChatApi;
use crate::api::test_support::{
    APPID, SECRET, TOKEN1, TOKEN2, api, api_at, api_call, assert_no_credentials,
    client_credential_request, closed_port_base, config, mount_token, refusal,
    stable_token_request, token_answer, token_request,
};
use crate::api::{ApiConfig, ApiError, TokenSource};

const MENU: &str = "/cgi-bin/menu/get";

fn menu_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "menu": { "button": [] } }))
}

async fn single_flight(token_source: TokenSource) {
    let server = MockServer::start().await;
    token_request(token_source)
        .respond_with(token_answer(TOKEN1, 7200).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, token_source);

    let callers: Vec<_> = (0..100)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), TOKEN1);
    }
    // Cached afterwards.
    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stable_token_is_fetched_once_for_100_concurrent_callers() {
    single_flight(TokenSource::StableToken).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_credential_token_is_fetched_once_for_100_concurrent_callers() {
    single_flight(TokenSource::ClientCredential).await;
}

#[tokio::test]
async fn stable_token_is_the_default_source() {
    assert_eq!(TokenSource::default(), TokenSource::StableToken);
    assert_eq!(
        ApiConfig::new(APPID, SECRET).token_source,
        TokenSource::StableToken
    );
}

/// WeChat rejects TOKEN1 with `errcode` once: one forced refresh, the retry uses TOKEN2.
async fn rejected_token_is_refreshed_once(errcode: i64, errmsg: &str) {
    let server = MockServer::start().await;
    mount_token(&server).await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(errcode, errmsg))
        .expect(1)
        .mount(&server)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let menu = api.get_menu().await.unwrap();
    assert_eq!(menu, json!({ "menu": { "button": [] } }));
    assert_eq!(api.access_token().await.unwrap(), TOKEN2);
    server.verify().await;
}

#[tokio::test]
async fn errcode_40001_refreshes_the_token_and_retries_once() {
    rejected_token_is_refreshed_once(
        40001,
        "invalid credential, access_token is invalid or not latest",
    )
    .await;
}

#[tokio::test]
async fn errcode_42001_refreshes_the_token_and_retries_once() {
    rejected_token_is_refreshed_once(42001, "access_token expired").await;
}

#[tokio::test]
async fn errcode_40014_refreshes_the_token_and_retries_once() {
    rejected_token_is_refreshed_once(40014, "invalid access_token").await;
}

#[tokio::test]
async fn client_credential_source_refetches_after_a_rejection() {
    let server = MockServer::start().await;
    client_credential_request()
        .respond_with(token_answer(TOKEN1, 7200))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    client_credential_request()
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::ClientCredential);

    api.get_menu().await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn a_second_rejection_is_returned_without_looping() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    for token in [TOKEN1, TOKEN2] {
        api_call("GET", MENU, token)
            .respond_with(refusal(40001, "invalid credential"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = api(&server, TokenSource::StableToken);

    let error = api.get_menu().await.unwrap_err();
    assert_eq!(error.errcode(), Some(40001));
    assert_no_credentials(&error);
    server.verify().await;
}

#[tokio::test]
async fn other_errcodes_are_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(46003, "menu no exist"))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let error = api.get_menu().await.unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 46003,
            errmsg: "menu no exist".into()
        }
    );
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rejections_of_one_token_refresh_it_once() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    // Both callers hold TOKEN1 when the first rejection comes back.
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(40001, "invalid credential").set_delay(Duration::from_millis(200)))
        .expect(2)
        .mount(&server)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(2)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let (first, second) = tokio::join!(api.get_menu(), api.get_menu());
    first.unwrap();
    second.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn a_token_within_the_refresh_lead_is_fetched_again() {
    let server = MockServer::start().await;
    // 299 s left is inside the 300 s lead: the next call refreshes.
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 299))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(api.access_token().await.unwrap(), TOKEN2);
    assert_eq!(api.access_token().await.unwrap(), TOKEN2);
    server.verify().await;
}

#[tokio::test]
async fn a_token_outside_the_refresh_lead_is_kept() {
    let server = MockServer::start().await;
    // 310 s: 10 s before the 300 s lead begins.
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 310))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    server.verify().await;
}

#[tokio::test]
async fn clones_share_the_token() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let api = api(&server, TokenSource::StableToken);
    let clone = api.clone();

    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(clone.access_token().await.unwrap(), TOKEN1);
    server.verify().await;
}

async fn token_refusal(token_source: TokenSource) {
    let server = MockServer::start().await;
    token_request(token_source)
        .respond_with(refusal(40013, "invalid appid"))
        .expect(2)
        .mount(&server)
        .await;
    let api = api(&server, token_source);

    let error = api.access_token().await.unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 40013,
            errmsg: "invalid appid".into()
        }
    );
    assert_eq!(error.errcode(), Some(40013));
    assert_eq!(
        error.to_string(),
        "WeChat refused the call: errcode 40013 (invalid appid)"
    );
    // A refusal is not cached; a call tries again and fails the same way.
    assert_eq!(api.get_menu().await.unwrap_err().errcode(), Some(40013));
    server.verify().await;
}

#[tokio::test]
async fn stable_token_refusal_is_a_wechat_error() {
    token_refusal(TokenSource::StableToken).await;
}

#[tokio::test]
async fn client_credential_refusal_is_a_wechat_error() {
    token_refusal(TokenSource::ClientCredential).await;
}

#[tokio::test]
async fn token_answers_without_a_token_are_bad_responses() {
    for answer in [
        json!({ "expires_in": 7200 }),
        json!({ "access_token": "", "expires_in": 7200 }),
        json!({ "access_token": TOKEN1 }),
        json!({ "access_token": TOKEN1, "expires_in": 0 }),
        json!({ "access_token": TOKEN1, "expires_in": "7200" }),
    ] {
        let server = MockServer::start().await;
        stable_token_request(false)
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .mount(&server)
            .await;
        let error = api(&server, TokenSource::StableToken)
            .access_token()
            .await
            .unwrap_err();
        assert!(
            matches!(error, ApiError::BadResponse(_)),
            "{answer}: {error:?}"
        );
        assert_no_credentials(&error);
    }
}

#[tokio::test]
async fn http_errors_are_statuses() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    assert_eq!(api.get_menu().await.unwrap_err(), ApiError::Status(502));
}

#[tokio::test]
async fn non_json_answers_are_bad_responses() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let error = api.get_menu().await.unwrap_err();
    assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
}

#[tokio::test]
async fn answers_over_1_mib_are_refused() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let huge = format!("{{\"menu\":\"{}\"}}", "x".repeat(1024 * 1024));
    api_call("GET", MENU, TOKEN1)
        .respond_with(ResponseTemplate::new(200).set_body_string(huge))
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let error = api.get_menu().await.unwrap_err();
    assert_eq!(
        error,
        ApiError::BadResponse("answer larger than 1048576 bytes".into())
    );
}

async fn unreachable(token_source: TokenSource) {
    let api = api_at(&closed_port_base(), token_source, Duration::from_secs(5));

    let error = api.access_token().await.unwrap_err();
    let ApiError::Unreachable(message) = &error else {
        panic!("expected Unreachable, got {error:?}");
    };
    assert!(!message.is_empty());
    assert!(!message.contains("127.0.0.1"), "URL in {message}");
    assert_no_credentials(&error);
}

#[tokio::test]
async fn closed_port_is_unreachable_without_the_secret_client_credential() {
    unreachable(TokenSource::ClientCredential).await;
}

#[tokio::test]
async fn closed_port_is_unreachable_without_the_secret_stable_token() {
    unreachable(TokenSource::StableToken).await;
}

/// A server on 127.0.0.1 that serves TOKEN1 to `GET /cgi-bin/token`, then hangs up on the
/// next request without answering.
fn token_then_hang_up() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (index, stream) in listener.incoming().take(2).enumerate() {
            let mut stream = stream.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            if index == 0 {
                let body = format!(r#"{{"access_token":"{TOKEN1}","expires_in":7200}}"#);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).unwrap();
            }
        }
    });
    base
}

#[tokio::test]
async fn a_broken_call_does_not_show_the_token() {
    let api = api_at(
        &token_then_hang_up(),
        TokenSource::ClientCredential,
        Duration::from_secs(5),
    );

    let error = api.delete_menu().await.unwrap_err();
    assert!(matches!(error, ApiError::Unreachable(_)), "{error:?}");
    assert_no_credentials(&error);
}

#[tokio::test]
async fn a_slow_token_fetch_is_a_timeout() {
    let server = MockServer::start().await;
    client_credential_request()
        .respond_with(token_answer(TOKEN1, 7200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let api = api_at(
        &server.uri(),
        TokenSource::ClientCredential,
        Duration::from_millis(200),
    );

    let error = api.access_token().await.unwrap_err();
    assert_eq!(error, ApiError::Timeout);
    assert_no_credentials(&error);
}

#[tokio::test]
async fn a_slow_call_is_a_timeout() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/menu/delete"))
        .respond_with(refusal(0, "ok").set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let api = api_at(
        &server.uri(),
        TokenSource::StableToken,
        Duration::from_millis(200),
    );

    let error = api.delete_menu().await.unwrap_err();
    assert_eq!(error, ApiError::Timeout);
    assert_no_credentials(&error);
}

#[test]
fn debug_output_redacts_the_secret() {
    let config = config("https://api.weixin.qq.com", TokenSource::StableToken);
    let api = WeChatApi::new(reqwest::Client::new(), config.clone());
    for text in [format!("{config:?}"), format!("{api:?}")] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains(APPID), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn errors_read_well() {
    assert_eq!(
        ApiError::Status(503).to_string(),
        "the WeChat API answered HTTP status 503"
    );
    assert_eq!(ApiError::Timeout.errcode(), None);
    assert_eq!(
        ApiError::Unsupported("nope").to_string(),
        "not possible through the WeChat API: nope"
    );
}
