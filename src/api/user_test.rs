use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{body_json, query_param};

use crate::api::test_support::{
    TOKEN1, TOKEN2, answer, api, api_call, mount_refresh, mount_token, refusal,
};
use crate::api::{ApiError, TokenSource};

const OPENID: &str = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M";

fn profile(openid: &str) -> serde_json::Value {
    json!({
        "subscribe": 1,
        "openid": openid,
        "language": "zh_CN",
        "subscribe_time": 1382694957,
        "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
        "remark": "",
        "groupid": 0,
        "tagid_list": [128, 2],
        "subscribe_scene": "ADD_SCENE_QR_CODE",
        "qr_scene": 98765,
        "qr_scene_str": ""
    })
}

#[tokio::test]
async fn user_info_asks_for_one_user_in_chinese() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/user/info", TOKEN1)
        .and(query_param("openid", OPENID))
        .and(query_param("lang", "zh_CN"))
        .respond_with(answer(profile(OPENID)))
        .expect(1)
        .mount(&server)
        .await;

    let user = api(&server, TokenSource::StableToken)
        .user_info(OPENID)
        .await
        .unwrap();
    assert_eq!(user.openid, OPENID);
    assert!(user.subscribe);
    assert_eq!(user.language, "zh_CN");
    assert_eq!(user.subscribe_time, 1382694957);
    assert_eq!(
        user.unionid.as_deref(),
        Some("o6_bmasdasdsad6_2sgVt7hMZOPfL")
    );
    assert_eq!(user.tagid_list, [128, 2]);
    assert_eq!(user.subscribe_scene, "ADD_SCENE_QR_CODE");
    assert_eq!(user.qr_scene, 98765);
    server.verify().await;
}

#[tokio::test]
async fn user_info_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/user/info", TOKEN1)
        .respond_with(refusal(40003, "invalid openid"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server, TokenSource::StableToken)
        .user_info("nobody")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::WeChat {
            errcode: 40003,
            errmsg: "invalid openid".into()
        }
    );
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_and_the_call_retried_once() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    api_call("GET", "/cgi-bin/user/info", TOKEN1)
        .and(query_param("openid", OPENID))
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    api_call("GET", "/cgi-bin/user/info", TOKEN2)
        .and(query_param("openid", OPENID))
        .and(query_param("lang", "zh_CN"))
        .respond_with(answer(profile(OPENID)))
        .expect(1)
        .mount(&server)
        .await;

    let user = api(&server, TokenSource::StableToken)
        .user_info(OPENID)
        .await
        .unwrap();
    assert_eq!(user.openid, OPENID);
    server.verify().await;
}

#[tokio::test]
async fn users_info_batches_openids_and_reads_the_list() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/user/info/batchget", TOKEN1)
        .and(body_json(json!({
            "user_list": [
                { "openid": "oA", "lang": "zh_CN" },
                { "openid": "oB", "lang": "zh_CN" }
            ]
        })))
        .respond_with(answer(json!({
            "user_info_list": [profile("oA"), { "subscribe": 0, "openid": "oB" }]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let users = api(&server, TokenSource::StableToken)
        .users_info(&["oA", "oB"])
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].openid, "oA");
    assert!(users[0].subscribe);
    assert_eq!(users[1].openid, "oB");
    assert!(!users[1].subscribe);
    server.verify().await;
}

#[tokio::test]
async fn users_info_refuses_more_than_100_without_calling() {
    let server = MockServer::start().await;
    let openids: Vec<String> = (0..101).map(|i| format!("o{i}")).collect();
    let openids: Vec<&str> = openids.iter().map(String::as_str).collect();
    let error = api(&server, TokenSource::StableToken)
        .users_info(&openids)
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Unsupported(_)), "{error:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_answer_without_the_list_is_a_bad_response() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/user/info/batchget", TOKEN1)
        .respond_with(answer(json!({ "errcode": 0 })))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .users_info(&["oA"])
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
}
