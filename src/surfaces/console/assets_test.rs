use actix_web::body::MessageBody as _;
use actix_web::test::TestRequest;

use super::*;

async fn get(file: &str) -> HttpResponse {
    let req = TestRequest::get()
        .uri(&format!("/admin/assets/{file}"))
        .param("file", file.to_owned())
        .to_http_request();
    match serve(req).await {
        Ok(response) => response,
        Err(error) => actix_web::ResponseError::error_response(&error),
    }
}

#[actix_web::test]
async fn every_asset_is_served_with_its_type_and_cached() {
    for (name, content_type, bytes) in ASSETS {
        let response = get(name).await;
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            *content_type
        );
        assert_eq!(
            response.headers().get("cache-control").unwrap(),
            ASSET_CACHE
        );
        let body = response.into_body().try_into_bytes().unwrap();
        assert_eq!(&body[..], *bytes);
    }
}

#[actix_web::test]
async fn the_catalogue_is_served_per_language() {
    for (file, text) in [
        ("messages.zh.json", "概览"),
        ("messages.en.json", "Overview"),
    ] {
        let response = get(file).await;
        assert_eq!(response.status(), 200);
        let body = response.into_body().try_into_bytes().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["nav.overview"], text);
    }
}

#[actix_web::test]
async fn anything_else_is_not_found() {
    for file in [
        "nope.js",
        "messages.fr.json",
        "../Cargo.toml",
        "console.css.map",
    ] {
        assert_eq!(get(file).await.status(), 404, "{file}");
    }
}

#[test]
fn no_script_sets_inline_style_or_html_from_strings() {
    for (name, _, bytes) in ASSETS {
        let text = std::str::from_utf8(bytes).unwrap();
        for forbidden in [
            "setAttribute(\"style\"",
            "innerHTML",
            "eval(",
            "new Function",
        ] {
            assert!(!text.contains(forbidden), "{name} uses {forbidden}");
        }
    }
}

#[test]
fn every_asset_together_stays_far_below_a_mebibyte() {
    // A page loads its HTML, the stylesheet and at most every script: all of them together
    // must leave the HTML most of the 1 MiB a page may weigh.
    let total: usize = ASSETS.iter().map(|(_, _, bytes)| bytes.len()).sum();
    assert!(total < 512 * 1024, "{total} bytes of assets");
}
