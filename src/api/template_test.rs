use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;
use wxgate_handlers::api::{MiniProgramLink, TemplateMessage, TemplateValue};

use crate::api::test_support::{TOKEN1, answer, api, api_call, mount_token, refusal};
use crate::api::{ApiError, TokenSource};

fn message() -> TemplateMessage {
    TemplateMessage {
        to_user: "OPENID".into(),
        template_id: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY".into(),
        url: Some("http://weixin.qq.com/download".into()),
        miniprogram: Some(MiniProgramLink {
            appid: "xiaochengxuappid12345".into(),
            pagepath: "index?foo=bar".into(),
        }),
        client_msg_id: Some("MSG_000001".into()),
        data: [
            ("keyword1".to_owned(), TemplateValue::new("巧克力")),
            (
                "keyword2".to_owned(),
                TemplateValue {
                    value: "39.8元".into(),
                    color: Some("#173177".into()),
                },
            ),
        ]
        .into(),
    }
}

#[tokio::test]
async fn send_template_posts_wechats_document_and_returns_the_msgid() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .and(body_json(json!({
            "touser": "OPENID",
            "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
            "url": "http://weixin.qq.com/download",
            "miniprogram": { "appid": "xiaochengxuappid12345", "pagepath": "index?foo=bar" },
            "client_msg_id": "MSG_000001",
            "data": {
                "keyword1": { "value": "巧克力" },
                "keyword2": { "value": "39.8元", "color": "#173177" }
            }
        })))
        .respond_with(answer(
            json!({ "errcode": 0, "errmsg": "ok", "msgid": 200228332 }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let msgid = api(&server, TokenSource::StableToken)
        .send_template(&message())
        .await
        .unwrap();
    assert_eq!(msgid, 200228332);
    server.verify().await;
}

#[tokio::test]
async fn send_template_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .respond_with(refusal(40037, "invalid template_id"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .send_template(&message())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 40037,
            errmsg: "invalid template_id".into()
        }
    );
}

#[tokio::test]
async fn an_answer_without_a_msgid_is_a_bad_response() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/template/send", TOKEN1)
        .respond_with(answer(json!({ "errcode": 0, "errmsg": "ok" })))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .send_template(&message())
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
}
