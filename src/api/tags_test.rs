use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;
use wxgate_handlers::api::Tag;

use crate::api::test_support::{TOKEN1, answer, api, api_call, mount_token, ok, refusal};
use crate::api::{ApiError, TokenSource};

#[tokio::test]
async fn create_tag_sends_the_name_and_reads_the_tag() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/tags/create", TOKEN1)
        .and(body_json(json!({ "tag": { "name": "广东" } })))
        .respond_with(answer(json!({ "tag": { "id": 134, "name": "广东" } })))
        .expect(1)
        .mount(&server)
        .await;

    let tag = api(&server, TokenSource::StableToken)
        .create_tag("广东")
        .await
        .unwrap();
    assert_eq!(
        tag,
        Tag {
            id: 134,
            name: "广东".into(),
            count: 0
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn create_tag_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/tags/create", TOKEN1)
        .respond_with(refusal(45157, "invalid tag name"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .create_tag("星标组")
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(45157));
}

#[tokio::test]
async fn tags_lists_every_tag_with_its_count() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("GET", "/cgi-bin/tags/get", TOKEN1)
        .respond_with(answer(json!({
            "tags": [
                { "id": 1, "name": "每天一罐可乐星人", "count": 0 },
                { "id": 2, "name": "星标组", "count": 0 },
                { "id": 127, "name": "广东", "count": 5 }
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let tags = api(&server, TokenSource::StableToken).tags().await.unwrap();
    assert_eq!(tags.len(), 3);
    assert_eq!(tags[2].id, 127);
    assert_eq!(tags[2].name, "广东");
    assert_eq!(tags[2].count, 5);
    server.verify().await;
}

#[tokio::test]
async fn tag_and_untag_users_send_the_openids_and_the_tag() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    for path in [
        "/cgi-bin/tags/members/batchtagging",
        "/cgi-bin/tags/members/batchuntagging",
    ] {
        api_call("POST", path, TOKEN1)
            .and(body_json(
                json!({ "openid_list": ["oA", "oB"], "tagid": 134 }),
            ))
            .respond_with(ok())
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = api(&server, TokenSource::StableToken);
    api.tag_users(134, &["oA", "oB"]).await.unwrap();
    api.untag_users(134, &["oA", "oB"]).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn tagging_more_than_50_users_is_refused_without_calling() {
    let server = MockServer::start().await;
    let openids = vec!["oUser"; 51];
    let api = api(&server, TokenSource::StableToken);
    for error in [
        api.tag_users(1, &openids).await.unwrap_err(),
        api.untag_users(1, &openids).await.unwrap_err(),
    ] {
        assert!(matches!(error, ApiError::Unsupported(_)), "{error:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn user_tags_reads_the_id_list() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/tags/getidlist", TOKEN1)
        .and(body_json(json!({ "openid": "oUser" })))
        .respond_with(answer(json!({ "tagid_list": [134, 2] })))
        .expect(1)
        .mount(&server)
        .await;

    let ids = api(&server, TokenSource::StableToken)
        .user_tags("oUser")
        .await
        .unwrap();
    assert_eq!(ids, [134, 2]);
    server.verify().await;
}
