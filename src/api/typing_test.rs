use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

use crate::api::TokenSource;
use crate::api::test_support::{TOKEN1, api, api_call, mount_token, ok, refusal};

#[tokio::test]
async fn typing_sends_typing_and_cancel_typing() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for command in ["Typing", "CancelTyping"] {
        api_call("POST", "/cgi-bin/message/custom/typing", TOKEN1)
            .and(body_json(json!({ "touser": "OPENID", "command": command })))
            .respond_with(ok())
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = api(&server, TokenSource::StableToken);
    api.typing("OPENID", true).await.unwrap();
    api.typing("OPENID", false).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn typing_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/custom/typing", TOKEN1)
        .respond_with(refusal(45047, "out of response count limit"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .typing("OPENID", true)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(45047));
}
