//! The browser console in real headless Chromium against the real binary and a mock of
//! WeChat's API.

#[path = "real/browser.rs"]
mod browser;

use browser::{Browser, is_csp_violation};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The console's Content-Security-Policy.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page served with the console's CSP.
fn page(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Security-Policy", CSP)
        .set_body_raw(
            format!("<!doctype html><html lang=\"en\"><head><title>t</title><link rel=\"icon\" href=\"data:,\"></head><body>{body}</body></html>"),
            "text/html; charset=utf-8",
        )
}

/// The harness itself: a clean page passes; an inline script, an inline style and a script
/// error are each seen in the console log (so the console pages' checks can fail).
#[tokio::test(flavor = "multi_thread")]
async fn the_harness_sees_errors_and_csp_violations() {
    let site = MockServer::start().await;
    for (at, body) in [
        (
            "/clean",
            "<main id=\"ok\">fine</main><script src=\"/ok.js\"></script>",
        ),
        (
            "/inline-script",
            "<main>x</main><script>document.title = 'ran';</script>",
        ),
        ("/inline-style", "<main style=\"color: red\">x</main>"),
        (
            "/error",
            "<main>x</main><script src=\"/throws.js\"></script>",
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(page(body))
            .mount(&site)
            .await;
    }
    for (at, script) in [
        ("/ok.js", "console.log('loaded fine');"),
        ("/throws.js", "null.boom();"),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_raw(script, "text/javascript"))
            .mount(&site)
            .await;
    }
    let mut browser = Browser::start().await;

    browser.goto(&format!("{}/clean", site.uri())).await;
    assert_eq!(browser.text("#ok").await, "fine");
    browser.page_done("harness-clean", &[]).await;
    assert!(
        browser
            .seen
            .iter()
            .any(|(_, e)| e.message.contains("loaded fine")),
        "the log reader reads the console: {:?}",
        browser.seen
    );

    browser.goto(&format!("{}/inline-script", site.uri())).await;
    let log = browser.read_log().await;
    assert!(
        log.iter()
            .any(|e| e.is_problem() && is_csp_violation(&e.message)),
        "an inline script is a CSP violation in the log: {log:?}"
    );
    assert_ne!(
        browser.client.title().await.unwrap(),
        "ran",
        "CSP blocked the script"
    );

    browser.goto(&format!("{}/inline-style", site.uri())).await;
    let log = browser.read_log().await;
    assert!(
        log.iter().any(|e| is_csp_violation(&e.message)),
        "an inline style is a CSP violation in the log: {log:?}"
    );

    browser.goto(&format!("{}/error", site.uri())).await;
    let log = browser.read_log().await;
    assert!(
        log.iter()
            .any(|e| e.level == "SEVERE" && e.message.contains("null")),
        "a script error is SEVERE in the log: {log:?}"
    );
    let shot = browser.screenshot("harness-error").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    browser.close().await;
}
