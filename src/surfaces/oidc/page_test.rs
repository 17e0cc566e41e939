use actix_web::body::MessageBody as _;

use super::*;

fn body(response: HttpResponse) -> String {
    let bytes = response.into_body().try_into_bytes().unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn escape_covers_the_html_specials() {
    assert_eq!(
        escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn error_pages_escape_and_lock_down() {
    let response = error(StatusCode::BAD_REQUEST, "<script>alert(1)</script>");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let headers = response.headers();
    assert!(
        headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert_eq!(headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert_eq!(headers.get(header::REFERRER_POLICY).unwrap(), "no-referrer");
    assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let html = body(response);
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("<script"));
}

#[test]
fn the_scan_page_holds_an_inline_svg_qr_code() {
    let response = scan_in_wechat("https://wx.example.com/oidc/demo/authorize?client_id=shop&x=\"");
    assert_eq!(response.status(), StatusCode::OK);
    let html = body(response);
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<?xml"));
    assert!(!html.contains("<script"));
}
