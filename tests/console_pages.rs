//! The console's QR code, simulator and send-queue pages, black box: the real binary with a
//! config, a mock of WeChat's API, and an admin signed in over HTTP (cookie, CSRF token from
//! the page, the request's own Origin).
//!
//! Covered: creating temporary and permanent QR codes (WeChat gets exactly the expected
//! `qrcode/create` JSON, refused forms never reach it), the list and the permanent quota, each
//! code's SVG and PNG drawn from the URL WeChat returned; the simulator pushing text and events
//! through the gateway's own listener to plain and safe accounts and showing the decoded
//! reply; the send queue's counts by status and latest messages.

mod real;

use std::time::{Duration, Instant};

use argon2::PasswordHasher as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use wxgate::internals::surfaces::console::qr_image::{PNG_MODULE_PX, QrImage};

use real::*;

/// The admin of these tests.
const ADMIN_NAME: &str = "li";
/// Their password (listed in tests/secrets.txt).
const PASSWORD: &str = "ConsolePagesPassw0rd";
/// The EncodingAESKey of the safe account (listed in tests/secrets.txt).
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// A client that may send for `demo` (its secret is in tests/secrets.txt).
const SENDER: &str = "shop";
const SENDER_SECRET: &str = "ConsolePagesSendS3cret";

/// Where WeChat's QR codes point, as `qrcode/create` returns them.
const QR_URL_42: &str = "http://weixin.qq.com/q/02kUf_8mvXbAi1LB3d1xc0";
const QR_URL_SHOP: &str = "http://weixin.qq.com/q/02shopPermanentCode0";

/// `demo` (plain) and `safe` (safe mode), both answering text with `echo: ...` and a follow
/// with a welcome; admin `li`; a client that sends for `demo`.
fn config(listen: u16, dir: &std::path::Path, wechat: &str, hash: &str) -> String {
    let rules = r#"
[[accounts.rules]]
regex = "^(.*)$"
reply = { text = "echo: $1" }

[[accounts.rules]]
event = "subscribe"
reply = { text = "welcome" }
"#;
    format!(
        r#"{storage}
[server]
listen = "127.0.0.1:{listen}"

[admin]
token = "{ADMIN}"

[[admin.users]]
name = "{ADMIN_NAME}"
password_hash = "{hash}"

[[accounts]]
name = "demo"
appid = "{APPID}"
token = "{TOKEN}"
secret = "{SECRET}"
api_base = "{wechat}"
{rules}
[[accounts]]
name = "safe"
appid = "wx0000000000000safe"
token = "{TOKEN}"
encoding_aes_key = "{AES_KEY}"
mode = "safe"
{rules}
[[clients]]
id = "{SENDER}"
secret = "{SENDER_SECRET}"
accounts = ["demo"]
scopes = ["send"]
"#,
        storage = storage(dir)
    )
}

/// The running gateway, its WeChat, and a signed-in admin.
struct Console {
    gateway: Gateway,
    wechat: MockServer,
    client: reqwest::Client,
    cookie: String,
    _dir: tempfile::TempDir,
}

impl Console {
    async fn start(log_name: &str) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let wechat = mock_wechat().await;
        let hash = argon2::Argon2::default()
            .hash_password(PASSWORD.as_bytes())
            .unwrap()
            .to_string();
        let port = free_port();
        let gateway = Gateway::start(
            dir.path(),
            &config(port, dir.path(), &wechat.uri(), &hash),
            port,
            log_name,
        )
        .await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        let response = client
            .post(format!("{}/admin/signin", gateway.base))
            .header("origin", &gateway.base)
            .form(&[("name", ADMIN_NAME), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed in");
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with("wxgate_console="))
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_owned();
        Console {
            gateway,
            wechat,
            client,
            cookie,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &self.cookie)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        response.text().await.unwrap()
    }

    /// POSTs a form with the CSRF token of the page at `from`.
    async fn post(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = csrf_of(&self.page(from).await);
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .header("cookie", &self.cookie)
            .header("origin", &self.gateway.base)
            .header("accept-language", "en")
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token a page carries in its `<meta name="csrf-token">`.
fn csrf_of(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("a csrf meta tag") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The text content of the element with `id` (up to its first `<`).
fn text_of<'h>(html: &'h str, id: &str) -> &'h str {
    let marker = format!(r#"id="{id}""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap_or(rest.len() - start);
    &rest[start..start + end]
}

/// The text of the `<pre>` with `id`, its character references decoded.
fn pre_of(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}""#);
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</pre>").unwrap();
    unescape(&rest[start..end])
}

/// HTML text with its character references (`&#60;`, `&lt;`, ...) decoded.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        let name = &rest[at + 1..at + end];
        let decoded = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[at + end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

async fn mount_qrcode(wechat: &MockServer, request: serde_json::Value, answer: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/qrcode/create"))
        .and(body_json(request))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(wechat)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_codes_are_created_listed_counted_and_drawn() {
    let console = Console::start("console_pages_qrcodes").await;
    mount_qrcode(
        &console.wechat,
        json!({
            "expire_seconds": 600,
            "action_name": "QR_SCENE",
            "action_info": { "scene": { "scene_id": 42 } }
        }),
        json!({ "ticket": "gQTemporary42==", "expire_seconds": 600, "url": QR_URL_42 }),
    )
    .await;
    mount_qrcode(
        &console.wechat,
        json!({
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": { "scene": { "scene_str": "shop" } }
        }),
        json!({ "ticket": "gQPermanentShop==", "url": QR_URL_SHOP }),
    )
    .await;

    let page = console.page("/admin/qrcodes/demo").await;
    assert!(page.contains(r#"<main id="page-qrcodes""#));
    assert!(page.contains(r#"<script src="/admin/assets/qrcodes.js" defer></script>"#));
    let script = console.get("/admin/assets/qrcodes.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(page.contains(r#"<form id="qr-form""#));
    assert_eq!(text_of(&page, "quota"), "0 / 100000");

    // Refused by the rules: WeChat is not called (each mock expects exactly one call).
    let refused = console
        .post(
            "/admin/qrcodes/demo",
            "/admin/qrcodes/demo",
            &[("scene", ""), ("kind", "temporary"), ("expire_seconds", "")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains(r#"class="field-error" data-path="scene""#),
        "{body}"
    );
    let refused = console
        .post(
            "/admin/qrcodes/demo",
            "/admin/qrcodes/demo",
            &[
                ("scene", "7"),
                ("kind", "temporary"),
                ("expire_seconds", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains(r#"data-path="expire_seconds""#)
    );

    let created = console
        .post(
            "/admin/qrcodes/demo",
            "/admin/qrcodes/demo",
            &[
                ("scene", "42"),
                ("kind", "temporary"),
                ("expire_seconds", "600"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, "/admin/qrcodes/demo?created=1");
    let created = console
        .post(
            "/admin/qrcodes/demo",
            "/admin/qrcodes/demo",
            &[
                ("scene", "shop"),
                ("kind", "permanent"),
                ("expire_seconds", "600"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);

    let page = console.page(&location).await;
    assert_eq!(text_of(&page, "quota"), "1 / 100000");
    assert!(page.contains(r#"id="qr-created" data-id="1""#));
    for id in [1, 2] {
        assert!(page.contains(&format!(r#"<tr data-id="{id}""#)), "{page}");
        assert!(page.contains(&format!(
            r#"<img class="qr" src="/admin/qrcodes/demo/{id}.svg""#
        )));
        assert!(page.contains(&format!(
            r#"<a class="png" href="/admin/qrcodes/demo/{id}.png" download>"#
        )));
    }
    assert!(page.contains(r#"<td class="scans num">0</td>"#));
    assert!(page.contains(r#"<td class="subscribes num">0</td>"#));
    // Newest first.
    assert!(page.find(r#"<tr data-id="2""#) < page.find(r#"<tr data-id="1""#));

    // The images are the codes of the URLs WeChat returned, drawn by the gateway.
    for (id, url) in [(1, QR_URL_42), (2, QR_URL_SHOP)] {
        let image = QrImage::encode(url).unwrap();
        let svg = console.get(&format!("/admin/qrcodes/demo/{id}.svg")).await;
        assert_eq!(svg.status(), StatusCode::OK);
        assert_eq!(svg.headers()[CONTENT_TYPE], "image/svg+xml");
        assert!(svg.headers().contains_key("content-security-policy"));
        let text = svg.text().await.unwrap();
        assert!(text.contains("viewBox=\"0 0 "));
        assert_eq!(text, image.svg());

        let png = console.get(&format!("/admin/qrcodes/demo/{id}.png")).await;
        assert_eq!(png.status(), StatusCode::OK);
        assert_eq!(png.headers()[CONTENT_TYPE], "image/png");
        assert_eq!(
            png.headers()[CONTENT_DISPOSITION],
            format!("attachment; filename=\"qrcode-demo-{id}.png\"").as_str()
        );
        let bytes = png.bytes().await.unwrap();
        assert_eq!(bytes.as_ref(), image.png(PNG_MODULE_PX).unwrap().as_slice());
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.as_ref()));
        let info = decoder.read_info().unwrap();
        let side = (image.modules() + 8) as u32 * PNG_MODULE_PX;
        assert_eq!((info.info().width, info.info().height), (side, side));
    }

    // Another account's code, a code that does not exist, an account that does not: 404.
    for path in [
        "/admin/qrcodes/safe/1.svg",
        "/admin/qrcodes/demo/3.png",
        "/admin/qrcodes/demo/1.gif",
        "/admin/qrcodes/nobody",
        "/admin/outbox/nobody",
    ] {
        assert_eq!(
            console.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Without a session: to the sign-in page, no image.
    let anonymous = console
        .client
        .get(console.url("/admin/qrcodes/demo/1.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    // Without the CSRF token: refused, WeChat not called.
    let forged = console
        .client
        .post(console.url("/admin/qrcodes/demo"))
        .header("cookie", &console.cookie)
        .header("origin", &console.gateway.base)
        .form(&[("scene", "99"), ("kind", "permanent")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // WeChat refuses: the form comes back with its answer, nothing is stored.
    Mock::given(method("POST"))
        .and(path("/cgi-bin/qrcode/create"))
        .and(body_json(json!({
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": { "scene": { "scene_str": "refused" } }
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40013, "errmsg": "invalid appid" })),
        )
        .expect(1)
        .mount(&console.wechat)
        .await;
    let refused = console
        .post(
            "/admin/qrcodes/demo",
            "/admin/qrcodes/demo",
            &[("scene", "refused"), ("kind", "permanent")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    let body = refused.text().await.unwrap();
    assert!(
        text_of(&body, "qr-error").contains("errcode 40013"),
        "{body}"
    );
    assert!(
        body.contains(r#"name="scene" value="refused""#),
        "what was typed stays"
    );
    assert_eq!(text_of(&body, "quota"), "1 / 100000");
    // An account without an AppSecret cannot ask WeChat.
    let refused = console
        .post(
            "/admin/qrcodes/safe",
            "/admin/qrcodes/safe",
            &[("scene", "1"), ("kind", "temporary")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&refused.text().await.unwrap(), "qr-error").contains("AppSecret"),
        "in the admin's language (English here)"
    );

    let audit = console.page("/admin/audit").await;
    assert!(audit.contains("scene 42, temporary"), "{audit}");
    assert!(audit.contains("scene shop, permanent"));
    console.wechat.verify().await;
}

/// Simulates a push from the console and returns the answer page.
async fn simulate(console: &Console, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = console
        .post("/admin/simulator", "/admin/simulator", fields)
        .await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_pushes_through_the_gateway_and_shows_the_decoded_reply() {
    let console = Console::start("console_pages_simulator").await;
    let page = console.page("/admin/simulator").await;
    assert!(page.contains(r#"<form id="simulator""#));
    assert!(page.contains(r#"<option value="event:SCAN""#));
    assert!(page.contains(r#"<option value="text" selected"#));

    for account in ["demo", "safe"] {
        let (status, page) = simulate(
            &console,
            &[
                ("account", account),
                ("type", "text"),
                ("openid", "o_console_user"),
                ("content", "hello <there>"),
                ("event_key", ""),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(text_of(&page, "sim-status"), "200 OK");
        let reply = pre_of(&page, "sim-reply");
        assert!(
            reply.contains("<Content><![CDATA[echo: hello <there>]]></Content>"),
            "{account}: {reply}"
        );
        assert!(reply.contains("<ToUserName><![CDATA[o_console_user]]></ToUserName>"));
        assert!(reply.contains("\n  <MsgType>"), "indented: {reply}");
        // Only the safe account's reply comes encrypted and signed.
        assert_eq!(
            page.contains(r#"id="sim-verified""#),
            account == "safe",
            "{account}"
        );
        assert!(
            text_of(&page, "sim-mode").starts_with(if account == "safe" {
                "safe"
            } else {
                "plain"
            })
        );
    }

    let (status, page) = simulate(
        &console,
        &[
            ("account", "safe"),
            ("type", "event:subscribe"),
            ("openid", "o_console_user"),
            ("content", ""),
            ("event_key", "qrscene_42"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pre_of(&page, "sim-reply").contains("welcome"));
    assert!(pre_of(&page, "sim-push").contains("qrscene_42"));

    // A click nobody answers: the gateway says success, no reply.
    let (status, page) = simulate(
        &console,
        &[
            ("account", "demo"),
            ("type", "event:CLICK"),
            ("openid", "o_console_user"),
            ("content", ""),
            ("event_key", "MENU_NEWS"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "sim-status"), "200 OK");
    assert!(page.contains(r#"<pre id="sim-reply" class="xml muted">"#));

    // What the form cannot name is refused before anything is sent.
    for (field, value) in [
        ("account", "nobody"),
        ("type", "handshake"),
        ("openid", " "),
    ] {
        let mut fields = vec![
            ("account", "demo"),
            ("type", "text"),
            ("openid", "o_console_user"),
            ("content", "x"),
            ("event_key", ""),
        ];
        for entry in &mut fields {
            if entry.0 == field {
                entry.1 = value;
            }
        }
        let (status, page) = simulate(&console, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.contains(r#"id="sim-error""#));
        assert!(!page.contains(r#"id="sim-status""#));
    }

    // The pushes went through the gateway's own pipeline: its counters saw them.
    let metrics = reqwest::get(console.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("wxgate_messages_total{")
                && line.contains("account=\"safe\"")
                && !line.ends_with(" 0")),
        "{metrics}"
    );
}

/// The count shown for `status` in `#outbox-counts`.
fn count_of(html: &str, status: &str) -> u64 {
    let marker = format!(r#"<tr data-status="{status}">"#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for {status}"));
    let rest = &html[at..];
    let cell = r#"<td class="count num">"#;
    let start = rest.find(cell).unwrap() + cell.len();
    rest[start..start + rest[start..].find('<').unwrap()]
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_send_queue_shows_counts_by_status_and_the_latest_messages() {
    let console = Console::start("console_pages_outbox").await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/template/send"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 0, "errmsg": "ok", "msgid": 4_294_967_296u64 })),
        )
        .mount(&console.wechat)
        .await;

    let page = console.page("/admin/outbox/demo").await;
    assert!(page.contains(r#"<main id="page-outbox""#));
    for status in [
        "queued",
        "sending",
        "sent",
        "delivered",
        "failed",
        "unknown",
    ] {
        assert_eq!(count_of(&page, status), 0, "{status}");
    }
    assert!(page.contains(r#"id="outbox-empty""#));

    let mut ids = Vec::new();
    for n in 0..2 {
        let response = console
            .client
            .post(console.url("/api/accounts/demo/messages"))
            .basic_auth(SENDER, Some(SENDER_SECRET))
            .header("idempotency-key", format!("console-pages-{n}"))
            .json(&json!({
                "kind": "template",
                "to": format!("o_reader_{n}"),
                "template_id": "TPL_console_0001",
                "data": { "first": { "value": "hello" } },
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    let started = Instant::now();
    let page = loop {
        let page = console.page("/admin/outbox/demo").await;
        if count_of(&page, "sent") == 2 {
            break page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not sent in time: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(count_of(&page, "queued"), 0);
    assert!(page.contains(r#"<table id="outbox-recent">"#));
    for id in &ids {
        assert!(
            page.contains(&format!(r#"<tr data-id="{id}" data-status="sent">"#)),
            "{page}"
        );
    }
    // Newest first.
    assert!(page.find(&ids[1]) < page.find(&ids[0]));
    assert!(page.contains(r#"<td class="recipient">o_reader_1</td>"#));
    // Another account's queue is its own.
    let safe = console.page("/admin/outbox/safe").await;
    assert_eq!(count_of(&safe, "sent"), 0);
}
