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

fn conditional() -> Value {
    json!({
        "button": menu()["button"],
        "matchrule": { "tag_id": "2", "client_platform_type": "2" }
    })
}

#[tokio::test]
async fn add_conditional_menu_posts_the_menu_and_reads_a_string_menuid() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/addconditional", TOKEN1)
        .and(body_json(conditional()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": "208379533" })))
        .expect(1)
        .mount(&server)
        .await;

    let menuid = api(&server, TokenSource::StableToken)
        .add_conditional_menu(&conditional())
        .await
        .unwrap();
    assert_eq!(menuid, "208379533");
    server.verify().await;
}

#[tokio::test]
async fn add_conditional_menu_reads_a_numeric_menuid() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/addconditional", TOKEN1)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 0, "errmsg": "ok", "menuid": 208379533 })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let menuid = api(&server, TokenSource::StableToken)
        .add_conditional_menu(&conditional())
        .await
        .unwrap();
    assert_eq!(menuid, "208379533");
}

#[tokio::test]
async fn add_conditional_menu_without_a_usable_menuid_is_a_bad_response() {
    for answer in [json!({}), json!({ "menuid": "" }), json!({ "menuid": [1] })] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        api_call("POST", "/cgi-bin/menu/addconditional", TOKEN1)
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .mount(&server)
            .await;
        let error = api(&server, TokenSource::StableToken)
            .add_conditional_menu(&conditional())
            .await
            .unwrap_err();
        assert!(
            matches!(error, ApiError::BadResponse(_)),
            "{answer}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_match_rule_is_a_wechat_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/addconditional", TOKEN1)
        .respond_with(refusal(65320, "invalid matchrule"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .add_conditional_menu(&conditional())
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(65320));
}

#[tokio::test]
async fn delete_conditional_menu_posts_the_menuid() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/delconditional", TOKEN1)
        .and(body_json(json!({ "menuid": "208379533" })))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    api(&server, TokenSource::StableToken)
        .delete_conditional_menu("208379533")
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn try_match_menu_posts_the_user_and_returns_the_answer() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let answer = json!({ "button": menu()["button"] });
    api_call("POST", "/cgi-bin/menu/trymatch", TOKEN1)
        .and(body_json(json!({ "user_id": "oUser123" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(1)
        .mount(&server)
        .await;

    let got = api(&server, TokenSource::StableToken)
        .try_match_menu("oUser123")
        .await
        .unwrap();
    assert_eq!(got, answer);
    server.verify().await;
}

#[tokio::test]
async fn try_match_menu_of_an_unknown_user_is_a_wechat_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/menu/trymatch", TOKEN1)
        .respond_with(refusal(46002, "not exist menu"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .try_match_menu("nobody")
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(46002));
}
