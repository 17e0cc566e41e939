use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;
use wxgate_handlers::api::{SubscribeMessage, SubscribeValue};

use crate::api::TokenSource;
use crate::api::test_support::{TOKEN1, api, api_call, mount_token, ok, refusal};

fn message() -> SubscribeMessage {
    SubscribeMessage {
        to_user: "OPENID".into(),
        template_id: "TEMPLATE_ID".into(),
        page: Some("https://mp.weixin.qq.com".into()),
        miniprogram: None,
        data: [
            (
                "name1".to_owned(),
                SubscribeValue {
                    value: "广州腾讯科技有限公司".into(),
                },
            ),
            (
                "thing8".to_owned(),
                SubscribeValue {
                    value: "广州腾讯科技有限公司".into(),
                },
            ),
        ]
        .into(),
    }
}

#[tokio::test]
async fn send_subscribe_posts_wechats_document() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/subscribe/bizsend", TOKEN1)
        .and(body_json(json!({
            "touser": "OPENID",
            "template_id": "TEMPLATE_ID",
            "page": "https://mp.weixin.qq.com",
            "data": {
                "name1": { "value": "广州腾讯科技有限公司" },
                "thing8": { "value": "广州腾讯科技有限公司" }
            }
        })))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    api(&server, TokenSource::StableToken)
        .send_subscribe(&message())
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn send_subscribe_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/subscribe/bizsend", TOKEN1)
        .respond_with(refusal(43101, "user refuse to accept the msg"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .send_subscribe(&message())
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(43101));
}
