use serde_json::json;
use wiremock::matchers::query_param;
use wiremock::{MockServer, Request};
use wxgate_handlers::api::{MediaKind, UploadedMedia};

use super::content_type;
use crate::api::test_support::{
    TOKEN1, TOKEN2, answer, api, api_call, mount_refresh, mount_token, refusal,
};
use crate::api::{ApiError, TokenSource};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg";

/// Whether `request` is a multipart form whose body holds every one of `needles`.
fn multipart_with(needles: Vec<Vec<u8>>) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |request: &Request| {
        let is_form = request
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("multipart/form-data; boundary="));
        is_form
            && needles.iter().all(|needle| {
                request
                    .body
                    .windows(needle.len())
                    .any(|window| window == needle.as_slice())
            })
    }
}

fn media_part(filename: &str, mime: &str, bytes: &[u8]) -> Vec<Vec<u8>> {
    vec![
        format!(
            "Content-Disposition: form-data; name=\"media\"; filename=\"{filename}\"\r\n\
             Content-Type: {mime}\r\n\r\n"
        )
        .into_bytes(),
        bytes.to_vec(),
    ]
}

#[tokio::test]
async fn upload_media_posts_the_file_as_media() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/media/upload", TOKEN1)
        .and(query_param("type", "image"))
        .and(multipart_with(media_part("photo.jpg", "image/jpeg", JPEG)))
        .respond_with(answer(json!({
            "type": "image",
            "media_id": "MEDIA_ID",
            "created_at": 1_700_000_000
        })))
        .expect(1)
        .mount(&server)
        .await;

    let media = api(&server, TokenSource::StableToken)
        .upload_media(MediaKind::Image, "photo.jpg", JPEG)
        .await
        .unwrap();
    assert_eq!(
        media,
        UploadedMedia {
            media_type: MediaKind::Image,
            media_id: "MEDIA_ID".into(),
            created_at: 1_700_000_000
        }
    );
    server.verify().await;
}

#[tokio::test]
async fn a_thumbnail_comes_back_as_thumb_media_id() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/media/upload", TOKEN1)
        .and(query_param("type", "thumb"))
        .respond_with(answer(json!({
            "type": "thumb",
            "thumb_media_id": "THUMB_ID",
            "created_at": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let media = api(&server, TokenSource::StableToken)
        .upload_media(MediaKind::Thumb, "t.jpg", JPEG)
        .await
        .unwrap();
    assert_eq!(media.media_type, MediaKind::Thumb);
    assert_eq!(media.media_id, "THUMB_ID");
}

#[tokio::test]
async fn a_rejected_token_uploads_the_form_again_with_a_new_one() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    api_call("POST", "/cgi-bin/media/upload", TOKEN1)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    api_call("POST", "/cgi-bin/media/upload", TOKEN2)
        .and(query_param("type", "voice"))
        .and(multipart_with(media_part(
            "hi.amr",
            "audio/amr",
            b"#!AMR\n",
        )))
        .respond_with(answer(json!({
            "type": "voice",
            "media_id": "VOICE_ID",
            "created_at": 2
        })))
        .expect(1)
        .mount(&server)
        .await;

    let media = api(&server, TokenSource::StableToken)
        .upload_media(MediaKind::Voice, "hi.amr", b"#!AMR\n")
        .await
        .unwrap();
    assert_eq!(media.media_id, "VOICE_ID");
    server.verify().await;
}

#[tokio::test]
async fn upload_media_surfaces_wechats_errcode() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/media/upload", TOKEN1)
        .respond_with(refusal(40004, "invalid media type"))
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .upload_media(MediaKind::Image, "x.txt", b"text")
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40004));
}

#[tokio::test]
async fn an_image_material_comes_back_with_its_url() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    api_call("POST", "/cgi-bin/material/add_material", TOKEN1)
        .and(query_param("type", "image"))
        .and(multipart_with(media_part("cover.png", "image/png", b"PNG")))
        .respond_with(answer(json!({
            "media_id": "MATERIAL_ID",
            "url": "http://mmbiz.qpic.cn/mmbiz/cover/0"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let material = api(&server, TokenSource::StableToken)
        .add_material(MediaKind::Image, "cover.png", b"PNG", None)
        .await
        .unwrap();
    assert_eq!(material.media_id, "MATERIAL_ID");
    assert_eq!(
        material.url.as_deref(),
        Some("http://mmbiz.qpic.cn/mmbiz/cover/0")
    );
    server.verify().await;
}

#[tokio::test]
async fn a_video_material_carries_its_description() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let description = json!({ "title": "Demo", "introduction": "A short demo" }).to_string();
    let mut needles = media_part("demo.mp4", "video/mp4", b"MP4");
    needles.push(
        format!("Content-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n")
            .into_bytes(),
    );
    api_call("POST", "/cgi-bin/material/add_material", TOKEN1)
        .and(query_param("type", "video"))
        .and(multipart_with(needles))
        .respond_with(answer(json!({ "media_id": "VIDEO_ID" })))
        .expect(1)
        .mount(&server)
        .await;

    let material = api(&server, TokenSource::StableToken)
        .add_material(
            MediaKind::Video,
            "demo.mp4",
            b"MP4",
            Some(("Demo", "A short demo")),
        )
        .await
        .unwrap();
    assert_eq!(material.media_id, "VIDEO_ID");
    assert_eq!(material.url, None);
    server.verify().await;
}

#[tokio::test]
async fn a_video_material_without_a_description_is_refused_without_calling() {
    let server = MockServer::start().await;
    let error = api(&server, TokenSource::StableToken)
        .add_material(MediaKind::Video, "demo.mp4", b"MP4", None)
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Unsupported(_)), "{error:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn content_types_follow_the_extension() {
    assert_eq!(content_type("a.JPG"), "image/jpeg");
    assert_eq!(content_type("a.mp3"), "audio/mpeg");
    assert_eq!(content_type("noextension"), "application/octet-stream");
}
