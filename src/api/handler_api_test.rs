use std::sync::Arc;

use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{body_json, query_param};
use wxgate_handlers::api::Api;
use wxgate_handlers::{Context, Message, Reply};

use crate::api::TokenSource;
use crate::api::test_support::{TOKEN1, answer, api, api_call, mount_token, ok};

/// A handler's view: the account's client behind `Context::api`, as dispatch gives it.
#[tokio::test]
async fn handlers_call_wechat_through_the_context() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/user/info", TOKEN1)
        .and(query_param("openid", "oUser"))
        .respond_with(answer(
            json!({ "subscribe": 1, "openid": "oUser", "language": "en" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    api_call("POST", "/cgi-bin/tags/members/batchtagging", TOKEN1)
        .and(body_json(json!({ "openid_list": ["oUser"], "tagid": 7 })))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    api_call("POST", "/cgi-bin/message/custom/send", TOKEN1)
        .and(body_json(json!({
            "touser": "oUser", "msgtype": "text", "text": { "content": "hi" }
        })))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    let client: Arc<dyn Api> = Arc::new(api(&server, TokenSource::StableToken));
    let mut fields = wxgate_handlers::Fields::new();
    for (name, text) in [
        ("ToUserName", "gh_123456789abc"),
        ("FromUserName", "oUser"),
        ("CreateTime", "1348831860"),
        ("MsgType", "text"),
        ("Content", "hi"),
        ("MsgId", "1"),
    ] {
        fields.push_text(name, text);
    }
    let message = Message::from_fields(fields).unwrap();
    let ctx = Context::new("demo", &message).with_api(client);
    let api = ctx.api().unwrap();

    let user = api.user_info(&message.from_user).await.unwrap();
    assert_eq!(user.language, "en");
    api.tag_users(7, &[user.openid.as_str()]).await.unwrap();
    api.send_custom("oUser", &Reply::Text("hi".into()))
        .await
        .unwrap();
    server.verify().await;
}
