use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::{Map, Value, json};
use wiremock::MockServer;
use wiremock::matchers::body_json;

use super::msgid;
use crate::api::test_support::{
    TOKEN1, TOKEN2, answer, api, api_at, api_call, closed_port_base, mount_refresh, mount_token,
    ok, refusal,
};
use crate::api::{ApiError, TokenSource, not_sent};
use crate::store::MessageKind;

fn template() -> Value {
    json!({
        "touser": "OPENID",
        "template_id": "TEMPLATE",
        "client_msg_id": "MSG1",
        "data": { "first": { "value": "hi" } }
    })
}

#[tokio::test]
async fn a_template_goes_to_template_send_and_its_msgid_comes_back() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .and(body_json(template()))
        .respond_with(answer(
            json!({ "errcode": 0, "errmsg": "ok", "msgid": 200228332 }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let msgid = api(&server, TokenSource::StableToken)
        .deliver(MessageKind::Template, false, &template())
        .await
        .unwrap();
    assert_eq!(msgid, Some(200228332));
}

#[tokio::test]
async fn a_repeated_client_msg_id_is_a_success_with_the_first_msgid() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .respond_with(answer(
            json!({ "errcode": 45065, "errmsg": "clientmsgid exist", "msgid": 77 }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let msgid = api(&server, TokenSource::StableToken)
        .deliver(MessageKind::Template, false, &template())
        .await
        .unwrap();
    assert_eq!(msgid, Some(77));
}

#[tokio::test]
async fn a_repeat_is_a_success_for_templates_only() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/custom/send", TOKEN1)
        .respond_with(refusal(45065, "clientmsgid exist"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .deliver(MessageKind::Custom, false, &json!({ "touser": "OPENID" }))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(45065));
}

#[tokio::test]
async fn each_kind_goes_to_its_api() {
    for (kind, miniprogram, api_path) in [
        (
            MessageKind::Subscribe,
            false,
            "/cgi-bin/message/subscribe/bizsend",
        ),
        (
            MessageKind::Subscribe,
            true,
            "/cgi-bin/message/subscribe/send",
        ),
        (MessageKind::Custom, false, "/cgi-bin/message/custom/send"),
        (MessageKind::Custom, true, "/cgi-bin/message/custom/send"),
    ] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        let body = json!({ "touser": "OPENID", "kind": api_path });
        api_call("POST", api_path, TOKEN1)
            .and(body_json(&body))
            .respond_with(ok())
            .expect(1)
            .mount(&server)
            .await;

        let msgid = api(&server, TokenSource::StableToken)
            .deliver(kind, miniprogram, &body)
            .await
            .unwrap();
        assert_eq!(msgid, None, "{api_path}");
    }
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_and_the_message_sent_once_more() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN2)
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok", "msgid": 5 })))
        .expect(1)
        .mount(&server)
        .await;

    let msgid = api(&server, TokenSource::StableToken)
        .deliver(MessageKind::Template, false, &template())
        .await
        .unwrap();
    assert_eq!(msgid, Some(5));
}

#[tokio::test]
async fn other_errcodes_are_errors() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .respond_with(refusal(43101, "user refuse to accept the msg"))
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .deliver(MessageKind::Template, false, &template())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 43101,
            errmsg: "user refuse to accept the msg".into()
        }
    );
    assert!(!not_sent(&error));
}

#[tokio::test]
async fn a_connection_that_cannot_be_made_is_not_sent() {
    let api = api_at(
        &closed_port_base(),
        TokenSource::StableToken,
        Duration::from_secs(5),
    );
    let error = api.access_token().await.unwrap_err();
    assert!(matches!(error, ApiError::Unreachable(_)), "{error:?}");
    assert!(not_sent(&error), "{error:?}");
}

/// A server on 127.0.0.1 that reads one request and hangs up without answering.
fn hang_up_after_the_request() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.flush();
        }
    });
    base
}

#[tokio::test]
async fn a_connection_broken_after_the_request_may_have_been_sent() {
    let api = api_at(
        &hang_up_after_the_request(),
        TokenSource::ClientCredential,
        Duration::from_secs(5),
    );
    let error = api.access_token().await.unwrap_err();
    assert!(matches!(error, ApiError::Unreachable(_)), "{error:?}");
    assert!(!not_sent(&error), "{error:?}");
}

#[tokio::test]
async fn a_timeout_may_have_been_sent() {
    let server = MockServer::start().await;
    crate::api::test_support::stable_token_request(false)
        .respond_with(
            crate::api::test_support::token_answer(TOKEN1, 7200).set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let api = api_at(
        &server.uri(),
        TokenSource::StableToken,
        Duration::from_millis(200),
    );
    let error = api.access_token().await.unwrap_err();
    assert_eq!(error, ApiError::Timeout);
    assert!(!not_sent(&error));
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[test]
fn the_msgid_is_read_from_a_field_or_the_errmsg() {
    assert_eq!(msgid(&object(json!({ "msgid": 1 }))), Some(1));
    assert_eq!(
        msgid(&object(json!({ "msg_id": "3147483650" }))),
        Some(3147483650)
    );
    assert_eq!(msgid(&object(json!({ "msg_id": 2, "msgid": 1 }))), Some(1));
    assert_eq!(
        msgid(&object(json!({
            "errcode": 45065,
            "errmsg": "clientmsgid exist, msgid: 123456 hint: [5zSqvA0950ge21]"
        }))),
        Some(123456)
    );
    assert_eq!(
        msgid(&object(json!({
            "errcode": 45065,
            "errmsg": "clientmsgid exist hint: [5zSqvA0950ge21]"
        }))),
        None
    );
    assert_eq!(
        msgid(&object(json!({ "errcode": 0, "errmsg": "ok" }))),
        None
    );
    assert_eq!(msgid(&object(json!({ "msgid": "abc" }))), None);
}
