use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::body_json;
use wxgate_handlers::{Article, CustomerService, Media, Music, Reply, SendError, Transfer, Video};

use super::custom_message;
use crate::api::test_support::{TOKEN1, api, api_call, mount_token, ok};
use crate::api::{ApiError, TokenSource};

const OPENID: &str = "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q";

/// Sends `reply` to a mock that expects exactly `expected` as the body.
async fn sends(reply: Reply, expected: Value) {
    assert_eq!(custom_message(OPENID, &reply).unwrap(), expected);

    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/custom/send", TOKEN1)
        .and(body_json(expected))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    api(&server, TokenSource::StableToken)
        .send_custom_message(OPENID, &reply)
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn text() {
    sends(
        Reply::Text("Hello World".into()),
        json!({ "touser": OPENID, "msgtype": "text", "text": { "content": "Hello World" } }),
    )
    .await;
}

#[tokio::test]
async fn image() {
    sends(
        Reply::Image(Media {
            media_id: "MEDIA_ID".into(),
        }),
        json!({ "touser": OPENID, "msgtype": "image", "image": { "media_id": "MEDIA_ID" } }),
    )
    .await;
}

#[tokio::test]
async fn voice() {
    sends(
        Reply::Voice(Media {
            media_id: "VOICE_ID".into(),
        }),
        json!({ "touser": OPENID, "msgtype": "voice", "voice": { "media_id": "VOICE_ID" } }),
    )
    .await;
}

#[tokio::test]
async fn video() {
    sends(
        Reply::Video(Video {
            media_id: "VIDEO_ID".into(),
            title: "TITLE".into(),
            description: "DESCRIPTION".into(),
        }),
        json!({
            "touser": OPENID,
            "msgtype": "video",
            "video": {
                "media_id": "VIDEO_ID",
                "thumb_media_id": "",
                "title": "TITLE",
                "description": "DESCRIPTION"
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn music() {
    sends(
        Reply::Music(Music {
            title: "MUSIC_TITLE".into(),
            description: "MUSIC_DESCRIPTION".into(),
            music_url: "MUSIC_URL".into(),
            hq_music_url: "HQ_MUSIC_URL".into(),
            thumb_media_id: "THUMB_MEDIA_ID".into(),
        }),
        json!({
            "touser": OPENID,
            "msgtype": "music",
            "music": {
                "title": "MUSIC_TITLE",
                "description": "MUSIC_DESCRIPTION",
                "musicurl": "MUSIC_URL",
                "hqmusicurl": "HQ_MUSIC_URL",
                "thumb_media_id": "THUMB_MEDIA_ID"
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn news() {
    sends(
        Reply::News(vec![
            Article {
                title: "Happy Day".into(),
                description: "Is Really A Happy Day".into(),
                pic_url: "PIC_URL".into(),
                url: "URL".into(),
            },
            Article {
                title: "Second".into(),
                description: String::new(),
                pic_url: String::new(),
                url: String::new(),
            },
        ]),
        json!({
            "touser": OPENID,
            "msgtype": "news",
            "news": {
                "articles": [
                    {
                        "title": "Happy Day",
                        "description": "Is Really A Happy Day",
                        "url": "URL",
                        "picurl": "PIC_URL"
                    },
                    { "title": "Second", "description": "", "url": "", "picurl": "" }
                ]
            }
        }),
    )
    .await;
}

#[tokio::test]
async fn a_transfer_cannot_be_sent() {
    let server = MockServer::start().await;
    let reply = Reply::TransferCustomerService(Transfer::default());
    let error = api(&server, TokenSource::StableToken)
        .send_custom_message(OPENID, &reply)
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Unsupported(_)), "{error:?}");
    // Refused before fetching a token or calling anything.
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_send_refusal_is_a_wechat_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/custom/send", TOKEN1)
        .respond_with(crate::api::test_support::refusal(
            45015,
            "response out of time limit or subscription is canceled",
        ))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .send_custom_message(OPENID, &Reply::Text("late".into()))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(45015));
}

#[tokio::test]
async fn handlers_send_through_the_customer_service_trait() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/message/custom/send", TOKEN1)
        .and(body_json(
            json!({ "touser": OPENID, "msgtype": "text", "text": { "content": "later" } }),
        ))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    let service: &dyn CustomerService = &api;

    service
        .send(OPENID, &Reply::Text("later".into()))
        .await
        .unwrap();
    let refused = service
        .send(OPENID, &Reply::TransferCustomerService(Transfer::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.errcode, None);
    server.verify().await;

    let error = SendError::from(ApiError::WeChat {
        errcode: 45015,
        errmsg: "response out of time limit".into(),
    });
    assert_eq!(error.errcode, Some(45015));
    assert_eq!(
        error.message,
        "WeChat refused the call: errcode 45015 (response out of time limit)"
    );
}
