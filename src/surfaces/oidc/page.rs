//! The surface's HTML: an error page for a request that has no app to go back to, and the page
//! shown outside WeChat, with a QR code of the login URL to scan in WeChat. Both are small,
//! self-contained (no script, no style, nothing fetched from elsewhere) and in Chinese and
//! English.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use qrcode::QrCode;
use qrcode::render::svg;

/// The headers every page carries: nothing may frame it, load anything into it or learn its
/// URL (which holds a code or a state) from a referrer, and nothing keeps a copy.
fn with_headers(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    builder
}

/// `text` with the five HTML special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body>{body}</body></html>\n"
    )
}

/// An error page: `status`, and `message` (escaped).
pub fn error(status: StatusCode, message: &str) -> HttpResponse {
    let title = "登录失败 · Login failed";
    let body = format!(
        "<h1>{title}</h1><p>{}</p><p>请返回应用重新登录。Go back to the app and sign in again.</p>\
         <p><small>HTTP {}</small></p>",
        escape(message),
        status.as_u16()
    );
    with_headers(status).body(document(title, &body))
}

/// The page shown when the login is opened outside WeChat's browser: `login_url` as a QR
/// code to scan with WeChat.
pub fn scan_in_wechat(login_url: &str) -> HttpResponse {
    let title = "用微信扫码登录 · Sign in with WeChat";
    let qr = match QrCode::new(login_url.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
        // Only a URL longer than a QR code holds (about 2,900 bytes) gets here.
        Err(_) => String::from(
            "<p>(登录地址过长，无法生成二维码。The login URL is too long for a QR code.)</p>",
        ),
    };
    // The SVG renderer starts with an XML declaration, which has no place inside HTML.
    let qr = qr
        .find("<svg")
        .map_or(qr.as_str(), |start| &qr[start..])
        .to_owned();
    let body = format!(
        "<h1>{title}</h1><p>请用微信“扫一扫”扫描下面的二维码完成登录。</p>\
         <p>Open WeChat, tap Scan, and scan this code to sign in.</p>\
         <div role=\"img\" aria-label=\"QR code\">{qr}</div>"
    );
    with_headers(StatusCode::OK).body(document(title, &body))
}

#[cfg(test)]
#[path = "page_test.rs"]
mod tests;
