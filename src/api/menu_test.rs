use serde_json::{Value, json};
use wiremock::matchers::body_json;
use wiremock::{MockServer, ResponseTemplate};

use crate::api::test_support::{TOKEN1, api, api_call, mount_token, ok, refusal};
use crate::api::{ApiError, TokenSource};

fn menu() -> Value {
    json!({
        "button": [
            { "type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC" },
            {
                "name": "菜单",
                "sub_button": [
                    { "type": "view", "name": "搜索", "url": "http://www.soso.com/" },
                    {
                        "type": "miniprogram",
                        "name": "wxa",
                        "url": "http://mp.weixin.qq.com",
                        "appid": "wx286b93c14bbf93aa",
                        "pagepath": "pages/lunar/index"
                    }
                ]
            }
        ]
    })
}

#[tokio::test]
async fn create_menu_posts_the_menu() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/create", TOKEN1)
        .and(body_json(menu()))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    api(&server, TokenSource::StableToken)
        .create_menu(&menu())
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn a_refused_menu_is_a_wechat_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/create", TOKEN1)
        .respond_with(refusal(40018, "invalid button name size"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .create_menu(&menu())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 40018,
            errmsg: "invalid button name size".into()
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn get_menu_returns_the_answer() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let answer = json!({ "menu": { "button": menu()["button"], "menuid": 208396938 } });
    api_call("GET", "/cgi-bin/menu/get", TOKEN1)
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(1)
        .mount(&server)
        .await;

    let got = api(&server, TokenSource::StableToken)
        .get_menu()
        .await
        .unwrap();
    assert_eq!(got, answer);
    server.verify().await;
}

#[tokio::test]
async fn delete_menu_calls_delete() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/menu/delete", TOKEN1)
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    api(&server, TokenSource::StableToken)
        .delete_menu()
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn menu_calls_reuse_one_token() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/menu/delete", TOKEN1)
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    api_call("POST", "/cgi-bin/menu/create", TOKEN1)
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    let api = api(&server, TokenSource::StableToken);
    api.delete_menu().await.unwrap();
    api.create_menu(&menu()).await.unwrap();
    server.verify().await;
}
