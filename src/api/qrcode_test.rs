use serde_json::{Value, json};
use wiremock::matchers::body_json;
use wiremock::{MockServer, ResponseTemplate};

use super::{QrCodeRequest, QrCodeTicket, QrScene, qr_image_url};
use crate::api::test_support::{TOKEN1, api, api_call, mount_token, refusal};
use crate::api::{ApiError, TokenSource};

const TICKET: &str = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==";
const URL: &str = "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI";

/// Creates `request` against a mock that expects exactly `expected_body` and answers `answer`.
async fn create(request: QrCodeRequest, expected_body: Value, answer: Value) -> QrCodeTicket {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/qrcode/create", TOKEN1)
        .and(body_json(expected_body))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let ticket = api(&server, TokenSource::StableToken)
        .create_qrcode(&request)
        .await
        .unwrap();
    server.verify().await;
    ticket
}

fn temporary_answer() -> Value {
    json!({ "ticket": TICKET, "expire_seconds": 604800, "url": URL })
}

fn permanent_answer() -> Value {
    json!({ "ticket": TICKET, "url": URL })
}

#[tokio::test]
async fn temporary_id_scene() {
    let ticket = create(
        QrCodeRequest::temporary(QrScene::Id(123), 604800),
        json!({
            "expire_seconds": 604800,
            "action_name": "QR_SCENE",
            "action_info": { "scene": { "scene_id": 123 } }
        }),
        temporary_answer(),
    )
    .await;
    assert_eq!(
        ticket,
        QrCodeTicket {
            ticket: TICKET.into(),
            expire_seconds: Some(604800),
            url: URL.into()
        }
    );
}

#[tokio::test]
async fn temporary_str_scene() {
    let ticket = create(
        QrCodeRequest::temporary(QrScene::Str("test".into()), 60),
        json!({
            "expire_seconds": 60,
            "action_name": "QR_STR_SCENE",
            "action_info": { "scene": { "scene_str": "test" } }
        }),
        temporary_answer(),
    )
    .await;
    assert_eq!(ticket.expire_seconds, Some(604800));
    assert_eq!(ticket.ticket, TICKET);
}

#[tokio::test]
async fn temporary_without_a_lifetime_leaves_wechats_default() {
    let request = QrCodeRequest {
        scene: QrScene::Id(7),
        permanent: false,
        expire_seconds: None,
    };
    create(
        request,
        json!({ "action_name": "QR_SCENE", "action_info": { "scene": { "scene_id": 7 } } }),
        temporary_answer(),
    )
    .await;
}

#[tokio::test]
async fn permanent_id_scene() {
    let ticket = create(
        QrCodeRequest::permanent(QrScene::Id(100000)),
        json!({
            "action_name": "QR_LIMIT_SCENE",
            "action_info": { "scene": { "scene_id": 100000 } }
        }),
        permanent_answer(),
    )
    .await;
    assert_eq!(
        ticket,
        QrCodeTicket {
            ticket: TICKET.into(),
            expire_seconds: None,
            url: URL.into()
        }
    );
}

#[tokio::test]
async fn permanent_str_scene_never_sends_a_lifetime() {
    let request = QrCodeRequest {
        scene: QrScene::Str("channel/ads".into()),
        permanent: true,
        expire_seconds: Some(60),
    };
    let ticket = create(
        request,
        json!({
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": { "scene": { "scene_str": "channel/ads" } }
        }),
        permanent_answer(),
    )
    .await;
    assert_eq!(ticket.url, URL);
    assert_eq!(ticket.expire_seconds, None);
}

#[tokio::test]
async fn a_refusal_is_a_wechat_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/qrcode/create", TOKEN1)
        .respond_with(refusal(40053, "invalid action info"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .create_qrcode(&QrCodeRequest::permanent(QrScene::Id(0)))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40053));
}

#[tokio::test]
async fn an_answer_without_a_ticket_is_a_bad_response() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/qrcode/create", TOKEN1)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "url": URL })))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .create_qrcode(&QrCodeRequest::permanent(QrScene::Id(1)))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::BadResponse(_)), "{error:?}");
}

#[test]
fn image_urls_encode_the_ticket() {
    assert_eq!(
        qr_image_url("ab+c/d=="),
        "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=ab%2Bc%2Fd%3D%3D"
    );
    assert_eq!(
        qr_image_url(TICKET),
        "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw%3D%3D"
    );
    let ticket = QrCodeTicket {
        ticket: "x&y".into(),
        expire_seconds: None,
        url: URL.into(),
    };
    assert_eq!(
        ticket.image_url(),
        "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=x%26y"
    );
}
