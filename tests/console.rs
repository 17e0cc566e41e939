//! The browser console in real headless Chromium against the real binary and a mock of
//! WeChat's API: an admin's whole day (sign in, build and publish a menu, diff, roll back, a
//! conditional menu, a QR code, the simulator, the audit log, sign out) with every page
//! photographed and its console log checked for errors and CSP violations; and the sign-in
//! throttle as a browser sees it.
//!
//! `WXGATE_UPDATE_SCREENSHOTS=1` copies the overview's and the menu editor's screenshots to
//! `docs/` (the README shows them).

#[path = "real/browser.rs"]
mod browser;
mod real;

use std::path::Path;
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordHasher as _;
use browser::{Browser, is_csp_violation};
use fantoccini::key::Key;
use real::{APPID, Gateway, SECRET, TOKEN, free_port, storage};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The admin of the story.
const ADMIN_NAME: &str = "li";
/// Their password (listed in tests/secrets.txt).
const ADMIN_PASSWORD: &str = "ConsoleAdminPassw0rd-li";
/// A second admin.
const OTHER_NAME: &str = "wang";
/// Their password (listed in tests/secrets.txt).
const OTHER_PASSWORD: &str = "ConsoleAdminPassw0rd-wang";
/// The EncodingAESKey of the account (safe mode: the simulator signs and encrypts).
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// The menuid the mock hands out for a conditional menu.
const MENUID: &str = "208379533";
/// The URL the mock's QR code encodes.
const QR_URL: &str = "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI";
/// The message Chromium logs for a page answered with an error status (the sign-in page's
/// 401 and 429 are what the console must answer).
const STATUS_401: &str =
    "/admin/signin - Failed to load resource: the server responded with a status of 401";
const STATUS_429: &str =
    "/admin/signin - Failed to load resource: the server responded with a status of 429";

/// An argon2id hash of `password` in PHC form, with small parameters (the gateway reads them
/// from the hash; the test binary is unoptimised).
fn hash(password: &str) -> String {
    let params = argon2::Params::new(4096, 1, 1, None).unwrap();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes())
        .unwrap()
        .to_string()
}

/// The gateway's config: the admin API and console on, two admins, the account `demo` (safe
/// mode, its API at `wechat`) answering `hello` with `world`.
fn config(port: u16, dir: &Path, wechat: &str) -> String {
    format!(
        r#"{storage}
[server]
listen = "127.0.0.1:{port}"

[admin]
token = "{admin_token}"

[[admin.users]]
name = "{ADMIN_NAME}"
password_hash = "{admin_hash}"

[[admin.users]]
name = "{OTHER_NAME}"
password_hash = "{other_hash}"

[[accounts]]
name = "demo"
appid = "{APPID}"
token = "{TOKEN}"
secret = "{SECRET}"
encoding_aes_key = "{AES_KEY}"
mode = "safe"
api_base = "{wechat}"
  [[accounts.rules]]
  keyword = "hello"
  reply = {{ text = "world" }}
"#,
        storage = storage(dir),
        admin_token = real::ADMIN,
        admin_hash = hash(ADMIN_PASSWORD),
        other_hash = hash(OTHER_PASSWORD),
    )
}

/// WeChat's API: tokens, menus (create, conditional, trymatch) and QR codes, answering like
/// WeChat; the tests read what it received.
async fn wechat() -> MockServer {
    let wechat = real::mock_wechat().await;
    for (at, answer) in [
        (
            "/cgi-bin/menu/addconditional",
            json!({ "menuid": 208379533 }),
        ),
        (
            "/cgi-bin/menu/trymatch",
            json!({ "button": [{ "type": "click", "name": "Members", "key": "VIP_OFFERS" }] }),
        ),
        (
            "/cgi-bin/qrcode/create",
            json!({ "ticket": "gQH47joAAAAAAAAAASxodHRw", "expire_seconds": 3600, "url": QR_URL }),
        ),
    ] {
        Mock::given(method("POST"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .mount(&wechat)
            .await;
    }
    wechat
}

/// The JSON bodies WeChat received at `at`, oldest first.
async fn received(wechat: &MockServer, at: &str) -> Vec<Value> {
    wechat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// Waits until WeChat received `count` requests at `at` and returns the last body.
async fn wait_received(wechat: &MockServer, at: &str, count: usize) -> Value {
    let started = Instant::now();
    loop {
        let bodies = received(wechat, at).await;
        if bodies.len() >= count {
            assert_eq!(
                bodies.len(),
                count,
                "{at} called more often than expected: {bodies:#?}"
            );
            return bodies[count - 1].clone();
        }
        assert!(
            started.elapsed() < browser::WAIT,
            "WeChat received {} requests at {at}, not {count}",
            bodies.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The package's directory: where cargo runs the test from (read at run time, so a test binary
/// shared through a target directory with another checkout reads and writes its own).
fn package_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().unwrap())
}

/// The English text of `key` in the console's message catalogue.
fn catalogue(key: &str) -> String {
    let text = std::fs::read_to_string(package_dir().join("assets/console/messages.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table[key]["en"]
        .as_str()
        .unwrap_or_else(|| panic!("no English {key} in the catalogue"))
        .to_owned()
}

/// A started gateway with its mock of WeChat.
struct Console {
    gateway: Gateway,
    wechat: MockServer,
    dir: tempfile::TempDir,
}

impl Console {
    async fn start(log: &str) -> Console {
        let wechat = wechat().await;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let text = config(port, dir.path(), &wechat.uri());
        let gateway = Gateway::start(dir.path(), &text, port, log).await;
        Console {
            gateway,
            wechat,
            dir,
        }
    }

    /// Sends the account `demo` a push with `wxgate simulate` (signed and encrypted as
    /// WeChat does), e.g. `["text", "hello"]`.
    async fn push(&self, args: &[&str]) {
        let config = self.dir.path().join("wxgate.toml");
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_wxgate"))
                .arg("--config")
                .arg(&config)
                .args(["simulate", "--account", "demo"])
                .args(&args)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "wxgate simulate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base)
    }
}

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
    browser
        .wait_for_log("the page's own console.log", |e| {
            e.message.contains("loaded fine")
        })
        .await;
    browser.page_done("harness-clean", &[]).await;

    browser.goto(&format!("{}/inline-script", site.uri())).await;
    browser
        .wait_for_log("an inline script as a CSP violation", |e| {
            e.is_problem() && is_csp_violation(&e.message)
        })
        .await;
    assert_ne!(
        browser.client.title().await.unwrap(),
        "ran",
        "CSP blocked the script"
    );

    browser.goto(&format!("{}/inline-style", site.uri())).await;
    browser
        .wait_for_log("an inline style as a CSP violation", |e| {
            e.is_problem() && is_csp_violation(&e.message)
        })
        .await;

    browser.goto(&format!("{}/error", site.uri())).await;
    browser
        .wait_for_log("a script error as SEVERE", |e| {
            e.level == "SEVERE" && e.message.contains("null")
        })
        .await;
    let shot = browser.screenshot("harness-error").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    browser.close().await;
}

// ---------------------------------------------------------------------------------------------
// The menu editor, driven as an admin drives it
// ---------------------------------------------------------------------------------------------

/// The selector of a top-level item (`button.N`) or a sub-item (`button.N.sub_button.M`).
fn item(path: &str) -> String {
    if path.contains("sub_button") {
        format!("li.menu-sub[data-path=\"{path}\"]")
    } else {
        format!("#buttons > li.menu-button[data-path=\"{path}\"]")
    }
}

/// The problem shown at the field `path` (e.g. `button.2.name`).
fn field_error(path: &str) -> String {
    format!(".field-error[data-path=\"{path}\"]")
}

/// Selects the item at `path` with a click.
async fn select_item(b: &Browser, path: &str) {
    b.click_left(&item(path)).await;
    b.find("form#button-form:not([hidden])").await;
}

/// Types `value` into the selected item's field `name` (name, key, url, appid, pagepath, ...).
async fn set_field(b: &Browser, name: &str, value: &str) {
    let css = format!("form#button-form input[name={name}]");
    b.type_into(&css, value).await;
    let now = b.find(&css).await.prop("value").await.unwrap();
    assert_eq!(now.as_deref(), Some(value), "{css} holds what was typed");
}

/// Picks the selected item's type.
async fn set_type(b: &Browser, kind: &str) {
    b.select("form#button-form select[name=type]", kind).await;
}

/// Adds a top-level button (it becomes `button.{index}`), selects it and names it.
async fn add_button(b: &Browser, index: usize, name: &str) {
    b.click("#add-button").await;
    let path = format!("button.{index}");
    select_item(b, &path).await;
    set_field(b, "name", name).await;
}

/// Adds a sub-button to `button.{top}` (it becomes `sub_button.{index}`), selects it and
/// names it.
async fn add_sub(b: &Browser, top: usize, index: usize, name: &str) {
    b.click(&format!("{} .add-sub", item(&format!("button.{top}"))))
        .await;
    let path = format!("button.{top}.sub_button.{index}");
    select_item(b, &path).await;
    set_field(b, "name", name).await;
}

/// Menu version 1 as WeChat must receive it.
fn version_1() -> Value {
    json!({ "button": [
        { "name": "News", "sub_button": [
            { "type": "click", "name": "Today", "key": "NEWS_TODAY" },
            { "type": "view", "name": "Archive", "url": "https://example.com/archive" },
        ]},
        { "name": "Shop", "sub_button": [
            { "type": "miniprogram", "name": "Orders", "url": "https://example.com/orders",
              "appid": "wx0123456789abcdef", "pagepath": "pages/orders/index" },
            { "type": "view", "name": "Cart", "url": "https://example.com/cart" },
            { "type": "click", "name": "Offers", "key": "SHOP_OFFERS" },
        ]},
        { "type": "click", "name": "Contact", "key": "CONTACT" },
    ]})
}

/// Version 2: version 1 with its first sub-button renamed.
fn version_2() -> Value {
    let mut menu = version_1();
    menu["button"][0]["sub_button"][0]["name"] = json!("Today's news");
    menu
}

/// The audit log's rows as (actor, action text, account, detail, ip).
async fn audit_rows(b: &Browser) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for row in b.all("table#audit tbody tr").await {
        let mut cells: [String; 5] = Default::default();
        for (i, class) in ["actor", "action", "account", "detail", "ip"]
            .iter()
            .enumerate()
        {
            cells[i] = row
                .find(fantoccini::Locator::Css(&format!("td.{class}")))
                .await
                .unwrap_or_else(|e| panic!("an audit row without td.{class}: {e}"))
                .text()
                .await
                .unwrap()
                .trim()
                .to_owned();
        }
        rows.push(cells);
    }
    rows
}

/// Copies a screenshot to `docs/` when `WXGATE_UPDATE_SCREENSHOTS=1`.
fn publish_screenshot(name: &str, as_name: &str) {
    if std::env::var("WXGATE_UPDATE_SCREENSHOTS").as_deref() != Ok("1") {
        return;
    }
    let from = browser::screenshot_dir().join(format!("{name}.png"));
    let to = package_dir().join("docs").join(as_name);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {from:?} to {to:?}: {e}"));
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_runs_the_console_in_a_browser() {
    let console = Console::start("console-browser-story").await;
    let wechat = &console.wechat;
    // Some traffic for the overview's figures.
    for args in [
        &["text", "hello"][..],
        &["text", "hello"],
        &["text", "no rule for this"],
        &["event", "subscribe"],
    ] {
        console.push(args).await;
    }
    let mut b = Browser::start().await;

    // --- Signing in: a page needs a session; a wrong password is refused, the right one lets in.
    b.goto(&console.url("/admin/")).await;
    b.wait_path("/admin/signin").await;
    assert_eq!(
        b.url()
            .await
            .query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned()),
        Some("/admin/".to_owned()),
        "the sign-in page brings the admin back to the page asked for"
    );
    b.find("main#page-signin").await;
    assert!(!b.exists("#signin-error").await, "no error before a try");
    b.page_done("signin", &[]).await;

    b.type_into("form#signin input[name=name]", ADMIN_NAME)
        .await;
    b.type_into("form#signin input[name=password]", "not the password")
        .await;
    b.click_and_load("#signin-submit").await;
    let wrong = b.text("#signin-error").await;
    assert!(!wrong.trim().is_empty(), "a wrong password is said so");
    assert!(!b.exists("nav#nav").await, "still signed out");
    b.page_done("signin-wrong-password", &[STATUS_401]).await;

    b.type_into("form#signin input[name=name]", ADMIN_NAME)
        .await;
    b.type_into("form#signin input[name=password]", ADMIN_PASSWORD)
        .await;
    b.click_and_load("#signin-submit").await;
    b.find("main#page-overview").await;
    assert_eq!(b.path().await, "/admin/");

    // --- The overview: the account with its mode, live figures refreshed in place.
    b.find("nav#nav").await;
    b.find("form#signout button[type=submit]").await;
    b.find("form#lang").await;
    let mode = b.text("table#accounts tr[data-account=demo] td.mode").await;
    assert!(mode.contains("safe"), "the account's mode: {mode}");
    for figure in [
        "pushes_per_minute",
        "duplicates",
        "rejections",
        "handler_failures",
        "late_replies",
        "p50_ms",
        "p99_ms",
    ] {
        b.find(&format!("#live [data-live={figure}]")).await;
    }
    assert!(!b.text("#status-database").await.trim().is_empty());
    assert!(!b.text("#status-redis").await.trim().is_empty());
    let p50 = b.text("#live [data-live=p50_ms]").await;
    assert!(
        p50.trim().parse::<f64>().is_ok(),
        "the pushes before sign-in have a handling time: {p50:?}"
    );
    // A push now shows in the figures at the next refresh, without a reload.
    let first = b.find("#live").await.attr("data-updated-at").await.unwrap();
    b.js("window.sameDocument = true;", vec![]).await;
    console.push(&["text", "hello"]).await;
    b.wait_until("the live figures count the new push", || async {
        let live = b.find("#live").await;
        let text = b.text("#live [data-live=pushes_per_minute]").await;
        live.attr("data-updated-at").await.unwrap() != first
            && text.trim().parse::<f64>().is_ok_and(|n| n > 0.0)
    })
    .await;
    assert_eq!(
        b.js("return window.sameDocument === true;", vec![]).await,
        json!(true),
        "refreshed in place, not reloaded"
    );
    b.page_done("overview", &[]).await;
    publish_screenshot("overview", "console-overview.png");

    // --- The menu editor: three buttons, two with sub-buttons, built with clicks and typing.
    b.click_and_load("nav#nav a[data-nav=menus][data-account=demo]")
        .await;
    b.find("main#page-menu[data-account=demo]").await;
    b.find("#phone").await;
    assert!(
        b.all("#buttons > li.menu-button").await.is_empty(),
        "no menu yet"
    );

    add_button(&b, 0, "News").await;
    add_sub(&b, 0, 0, "Today").await;
    set_type(&b, "click").await;
    set_field(&b, "key", "NEWS_TODAY").await;
    add_sub(&b, 0, 1, "Archive").await;
    set_type(&b, "view").await;
    set_field(&b, "url", "https://example.com/archive").await;

    add_button(&b, 1, "Shop").await;
    add_sub(&b, 1, 0, "Orders").await;
    set_type(&b, "miniprogram").await;
    set_field(&b, "url", "https://example.com/orders").await;
    set_field(&b, "appid", "wx0123456789abcdef").await;
    set_field(&b, "pagepath", "pages/orders/index").await;
    add_sub(&b, 1, 1, "Offers").await;
    set_type(&b, "click").await;
    set_field(&b, "key", "SHOP_OFFERS").await;
    add_sub(&b, 1, 2, "Cart").await;
    set_type(&b, "view").await;
    set_field(&b, "url", "https://example.com/cart").await;
    // Cart moves up one place with the keyboard.
    select_item(&b, "button.1.sub_button.2").await;
    b.alt_key(Key::Up).await;
    b.wait_text(&item("button.1.sub_button.1"), "Cart").await;
    b.wait_text(&item("button.1.sub_button.2"), "Offers").await;

    // A name too long for a top-level button (16 bytes) is shown at its field as it is typed.
    add_button(&b, 2, "Contact us right now").await;
    set_type(&b, "click").await;
    set_field(&b, "key", "CONTACT").await;
    let problem = b.text(&field_error("button.2.name")).await;
    assert!(
        problem.contains("16"),
        "the name's problem names the limit: {problem}"
    );
    b.wait_until("the item is marked invalid", || async {
        let class = b.find(&item("button.2")).await.attr("class").await.unwrap();
        class
            .unwrap_or_default()
            .split_whitespace()
            .any(|c| c == "invalid")
    })
    .await;
    b.page_done("menu-editor-invalid", &[]).await;
    set_field(&b, "name", "Contact").await;
    b.wait_until("the problem is gone once fixed", || async {
        let shown = b.all(&field_error("button.2.name")).await;
        let mut visible = false;
        for e in shown {
            visible |=
                e.is_displayed().await.unwrap() && !e.text().await.unwrap().trim().is_empty();
        }
        !visible
    })
    .await;
    let class = b.find(&item("button.2")).await.attr("class").await.unwrap();
    assert!(
        !class
            .unwrap_or_default()
            .split_whitespace()
            .any(|c| c == "invalid"),
        "a fixed item is no longer marked invalid"
    );
    assert!(
        received(wechat, "/cgi-bin/menu/create").await.is_empty(),
        "nothing published while editing"
    );

    // --- Publish: WeChat receives exactly the menu built.
    b.click("button#publish").await;
    b.wait_text("#publish-status", "1").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/menu/create", 1).await,
        version_1()
    );
    b.wait_text(
        "table#versions tr[data-version=\"1\"] td.saved-by",
        ADMIN_NAME,
    )
    .await;
    b.page_done("menu-editor", &[]).await;

    // --- A second version.
    select_item(&b, "button.0.sub_button.0").await;
    set_field(&b, "name", "Today's news").await;
    b.click("button#publish").await;
    b.wait_text("#publish-status", "2").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/menu/create", 2).await,
        version_2()
    );
    b.wait_text(
        "table#versions tr[data-version=\"2\"] td.saved-by",
        ADMIN_NAME,
    )
    .await;
    b.page_done("menu-editor-version-2", &[]).await;

    // --- Diff versions 1 and 2.
    b.select("form#diff select[name=a]", "1").await;
    b.select("form#diff select[name=b]", "2").await;
    b.click_and_load("form#diff button[type=submit]").await;
    b.find("main#page-diff").await;
    b.wait_path("/admin/menus/demo/diff").await;
    let left: Vec<String> = texts(&b, "#diff-left .changed").await;
    let right: Vec<String> = texts(&b, "#diff-right .changed").await;
    assert!(
        left.iter()
            .any(|l| l.contains("Today") && !l.contains("Today's news")),
        "version 1's side shows the old name as changed: {left:?}"
    );
    assert!(
        right.iter().any(|l| l.contains("Today's news")),
        "version 2's side shows the new name as changed: {right:?}"
    );
    assert!(
        !left.iter().chain(&right).any(|l| l.contains("Archive")),
        "an unchanged line is not marked changed"
    );
    b.page_done("diff", &[]).await;

    // --- Roll back to version 1: WeChat receives it again.
    b.goto(&console.url("/admin/menus/demo")).await;
    b.click_and_load("table#versions tr[data-version=\"1\"] form.rollback button")
        .await;
    b.find("main#page-menu[data-account=demo]").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/menu/create", 3).await,
        version_1()
    );
    b.wait_text(&item("button.0.sub_button.0"), "Today").await;
    assert!(
        !b.text(&item("button.0.sub_button.0"))
            .await
            .contains("news")
    );
    // The picture of the editor in the README: version 1 again, a sub-button selected.
    select_item(&b, "button.1.sub_button.0").await;
    b.page_done("menu-rolled-back", &[]).await;
    publish_screenshot("menu-rolled-back", "console-menu.png");

    // --- A conditional menu, and which menu a user would see.
    b.goto(&console.url("/admin/menus/demo/conditional")).await;
    b.find("main#page-conditional").await;
    b.click("#conditional-editor #add-button").await;
    select_item(&b, "button.0").await;
    set_field(&b, "name", "Members").await;
    set_type(&b, "click").await;
    set_field(&b, "key", "VIP").await;
    b.type_into("input[name=tag_id]", "100").await;
    b.click("button#add-conditional").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/menu/addconditional", 1).await,
        json!({
            "button": [{ "type": "click", "name": "Members", "key": "VIP" }],
            "matchrule": { "tag_id": "100" }
        })
    );
    b.wait_until("the page says the menu was added", || async {
        !b.text("#conditional-status").await.trim().is_empty()
    })
    .await;
    b.find(&format!(
        "table#conditional-menus tr[data-menuid=\"{MENUID}\"]"
    ))
    .await;
    b.type_into("form#trymatch input[name=user_id]", "o_member")
        .await;
    b.click("form#trymatch button").await;
    b.wait_text("#trymatch-result", "VIP_OFFERS").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/menu/trymatch", 1).await,
        json!({ "user_id": "o_member" })
    );
    b.page_done("conditional", &[]).await;

    // --- A QR code and its image, drawn by the gateway.
    b.click_and_load("nav#nav a[data-nav=qrcodes][data-account=demo]")
        .await;
    b.find("main#page-qrcodes").await;
    b.type_into("form#qr-form input[name=scene]", "spring-sale")
        .await;
    b.select("form#qr-form select[name=kind]", "temporary")
        .await;
    b.type_into("form#qr-form input[name=expire_seconds]", "3600")
        .await;
    b.click_and_load("form#qr-form button[type=submit]").await;
    assert_eq!(
        wait_received(wechat, "/cgi-bin/qrcode/create", 1).await,
        json!({
            "expire_seconds": 3600,
            "action_name": "QR_STR_SCENE",
            "action_info": { "scene": { "scene_str": "spring-sale" } }
        })
    );
    let img = b.find("table#qrcodes tr[data-id] img.qr").await;
    let src = img.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.ends_with(".svg"),
        "the image is the gateway's SVG: {src}"
    );
    b.wait_until("the QR image loads", || async {
        let width = b
            .js(
                "const i = document.querySelector('table#qrcodes img.qr'); \
                 return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await;
        width.as_u64().unwrap_or(0) > 0
    })
    .await;
    let png = b.find("table#qrcodes tr[data-id] a.png").await;
    let href = png.attr("href").await.unwrap().unwrap_or_default();
    assert!(href.ends_with(".png"), "the download is the PNG: {href}");
    assert_eq!(
        b.text("table#qrcodes tr[data-id] td.scans").await.trim(),
        "0"
    );
    assert_eq!(
        b.text("table#qrcodes tr[data-id] td.subscribes")
            .await
            .trim(),
        "0"
    );
    let quota = b.text("#quota").await;
    assert!(
        quota.contains("0 / 100000"),
        "a temporary code uses no permanent quota: {quota}"
    );
    b.page_done("qrcodes", &[]).await;

    // --- The simulator: a text push through the gateway's own pipeline, the reply decoded.
    b.click_and_load("nav#nav a[data-nav=simulator]").await;
    b.find("main#page-simulator").await;
    b.select("form#simulator select[name=account]", "demo")
        .await;
    b.select("form#simulator select[name=type]", "text").await;
    b.type_into("form#simulator input[name=openid]", "o_simulated")
        .await;
    b.type_into("form#simulator input[name=content]", "hello")
        .await;
    b.click("button#simulate").await;
    b.wait_text("#sim-status", "200").await;
    let reply = b.wait_text("#sim-reply", "world").await;
    assert!(
        reply.contains("o_simulated"),
        "the reply goes to the openid: {reply}"
    );
    b.page_done("simulator", &[]).await;

    // --- The send queue of the account.
    b.click_and_load("nav#nav a[data-nav=outbox][data-account=demo]")
        .await;
    b.find("main#page-outbox").await;
    for status in [
        "queued",
        "sending",
        "sent",
        "delivered",
        "failed",
        "unknown",
    ] {
        b.find(&format!("table#outbox-counts tr[data-status={status}]"))
            .await;
    }
    b.page_done("outbox", &[]).await;

    // --- An account the config does not have: the console's 404 page.
    b.goto(&console.url("/admin/qrcodes/nope")).await;
    b.find("main#page-error").await;
    b.find("nav#nav").await;
    b.page_done(
        "not-found",
        &["/admin/qrcodes/nope - Failed to load resource: the server responded with a status of 404"],
    )
    .await;

    // --- The audit log: newest first, every action above with who, where and what.
    b.click_and_load("nav#nav a[data-nav=audit]").await;
    b.find("main#page-audit").await;
    let rows = audit_rows(&b).await;
    let action = |name: &str| catalogue(&format!("audit.action.{name}"));
    let expected: Vec<[String; 4]> = [
        (
            ADMIN_NAME,
            "qr_created",
            "demo",
            "scene spring-sale, temporary",
        ),
        (
            ADMIN_NAME,
            "conditional_added",
            "demo",
            &format!("menuid {MENUID}")[..],
        ),
        (ADMIN_NAME, "menu_rolled_back", "demo", "version 1"),
        (ADMIN_NAME, "menu_published", "demo", "version 2"),
        (ADMIN_NAME, "menu_saved", "demo", "version 2"),
        (ADMIN_NAME, "menu_published", "demo", "version 1"),
        (ADMIN_NAME, "menu_saved", "demo", "version 1"),
        (ADMIN_NAME, "sign_in", "", ""),
        (ADMIN_NAME, "sign_in_failed", "", ""),
    ]
    .into_iter()
    .map(|(actor, what, account, detail)| {
        [
            actor.to_owned(),
            action(what),
            account.to_owned(),
            detail.to_owned(),
        ]
    })
    .collect();
    let seen: Vec<[String; 4]> = rows
        .iter()
        .map(|[actor, action, account, detail, _]| {
            [
                actor.clone(),
                action.clone(),
                account.clone(),
                detail.clone(),
            ]
        })
        .collect();
    assert_eq!(seen, expected, "the audit log, newest first");
    assert!(
        rows.iter().all(|r| r[4] == "127.0.0.1"),
        "every entry has the browser's address: {rows:?}"
    );
    b.page_done("audit", &[]).await;

    // --- Sign out: the session is gone; a page sends the browser to sign in.
    b.click_and_load("form#signout button[type=submit]").await;
    b.find("main#page-signin").await;
    b.goto(&console.url("/admin/menus/demo")).await;
    b.find("main#page-signin").await;
    assert_eq!(b.path().await, "/admin/signin?next=%2Fadmin%2Fmenus%2Fdemo");
    b.page_done("signed-out", &[]).await;
    b.close().await;
}

/// The visible texts of every element `css` selects.
async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.all(css).await {
        out.push(e.text().await.unwrap());
    }
    out
}

/// Five wrong passwords for a name: the sixth try, with the right password, is refused with the
/// wait; another admin still signs in.
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_throttle_in_a_browser() {
    let console = Console::start("console-browser-throttle").await;
    let mut b = Browser::start().await;
    b.goto(&console.url("/admin/signin")).await;
    let mut wrong = String::new();
    for attempt in 1..=5 {
        b.type_into("form#signin input[name=name]", ADMIN_NAME)
            .await;
        b.type_into(
            "form#signin input[name=password]",
            &format!("wrong {attempt}"),
        )
        .await;
        b.click_and_load("#signin-submit").await;
        b.wait_path("/admin/signin").await;
        let text = b.text("#signin-error").await;
        if attempt > 1 {
            assert_eq!(text, wrong, "attempt {attempt}: the same generic message");
        }
        wrong = text;
        b.page_done(&format!("throttle-wrong-{attempt}"), &[STATUS_401])
            .await;
    }
    b.type_into("form#signin input[name=name]", ADMIN_NAME)
        .await;
    b.type_into("form#signin input[name=password]", ADMIN_PASSWORD)
        .await;
    b.click_and_load("#signin-submit").await;
    let throttled = b.text("#signin-error").await;
    assert_ne!(
        throttled, wrong,
        "the throttle says something else than a wrong password"
    );
    assert!(
        throttled.chars().any(|c| c.is_ascii_digit()),
        "the throttle tells the wait in seconds: {throttled}"
    );
    assert!(!b.exists("nav#nav").await, "not signed in");
    b.page_done("signin-throttled", &[STATUS_429]).await;

    // Another admin, from the same address (under its own limit), signs in.
    b.type_into("form#signin input[name=name]", OTHER_NAME)
        .await;
    b.type_into("form#signin input[name=password]", OTHER_PASSWORD)
        .await;
    b.click_and_load("#signin-submit").await;
    b.find("main#page-overview").await;
    b.page_done("overview-other-admin", &[]).await;
    b.close().await;
}
