//! The console's menu pages, black box: the real binary, a mock of WeChat's API, and an admin
//! signed in with a password. What the editor's script sends (the menu as JSON, with the CSRF
//! header) and what its forms post (roll back, delete) go out exactly as a browser sends them;
//! the mock shows what reached WeChat.
//!
//! Covered: the editor page and its parts, save-and-publish (the exact `menu/create` body, who
//! saved it), the rules' problems by dotted path (WeChat not called), roll back (version 1
//! published again), delete, the diff page, conditional menus (add, list, try-match, delete,
//! no default menu), and the CSRF, Origin and session checks on every change.

mod real;

use std::path::Path;

use argon2::PasswordHasher as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use real::*;

/// The admin who signs in.
const ADMIN_NAME: &str = "li";
/// Their password (listed in tests/secrets.txt).
const PASSWORD: &str = "ConsoleMenusPassw0rd";
/// The menuid the mock gives a conditional menu.
const MENUID: &str = "208379533";

/// Mounts WeChat's token, menu and conditional menu endpoints, each accepting everything.
async fn mock_wechat_menus() -> MockServer {
    let wechat = mock_wechat().await;
    let ok = json!({ "errcode": 0, "errmsg": "ok" });
    Mock::given(method("GET"))
        .and(path("/cgi-bin/menu/delete"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok.clone()))
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/addconditional"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": MENUID })))
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/delconditional"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/trymatch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "button": [{ "type": "click", "name": "VIP", "key": "vip" }]
        })))
        .mount(&wechat)
        .await;
    wechat
}

/// The bodies of the requests WeChat received on `path`, in order.
async fn bodies(wechat: &MockServer, at: &str) -> Vec<Value> {
    wechat
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// How many requests WeChat received on `path`.
async fn calls(wechat: &MockServer, at: &str) -> usize {
    wechat
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

/// A gateway with the console on (one admin), the account `demo`, and a signed-in client.
struct Console {
    gateway: Gateway,
    wechat: MockServer,
    http: reqwest::Client,
    cookie: String,
    csrf: String,
    _dir: tempfile::TempDir,
}

impl Console {
    async fn start(log: &str) -> Console {
        Console::start_with(log, mock_wechat_menus().await).await
    }

    /// Starts against `wechat`, a mock mounted by the test.
    async fn start_with(log: &str, wechat: MockServer) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = config(port, dir.path(), &wechat.uri());
        let gateway = Gateway::start(dir.path(), &config, port, log).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut console = Console {
            gateway,
            wechat,
            http,
            cookie: String::new(),
            csrf: String::new(),
            _dir: dir,
        };
        console.sign_in().await;
        console
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base)
    }

    /// Signs in with the password and reads the CSRF token off the editor page.
    async fn sign_in(&mut self) {
        let response = self
            .http
            .post(self.url("/admin/signin"))
            .header("Origin", &self.gateway.base)
            .form(&[("name", ADMIN_NAME), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in refused");
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("wxgate_console="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        self.cookie = cookie;
        let page = self.page("/admin/menus/demo").await;
        self.csrf = attribute_after(&page, "name=\"csrf\"", "value")
            .expect("the rollback and delete forms carry the CSRF token");
        assert!(!self.csrf.is_empty());
    }

    /// A page's HTML (200 expected).
    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// POSTs JSON as the editor's script does: session cookie, CSRF header, own Origin.
    async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url(path))
            .header(COOKIE, &self.cookie)
            .header("X-CSRF-Token", &self.csrf)
            .header("Origin", &self.gateway.base)
            .header("Accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// POSTs a form as the page's forms do (the CSRF token as the `csrf` field).
    async fn post_form(&self, path: &str) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header(COOKIE, &self.cookie)
            .header("Origin", &self.gateway.base)
            .form(&[("csrf", self.csrf.as_str())])
            .send()
            .await
            .unwrap()
    }
}

/// The config: console on, one admin, the account `demo` on the mock.
fn config(port: u16, dir: &Path, wechat: &str) -> String {
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    format!(
        "{storage}[server]\nlisten = \"127.0.0.1:{port}\"\n\
         [admin]\ntoken = \"{ADMIN}\"\n\
         [[admin.users]]\nname = \"{ADMIN_NAME}\"\npassword_hash = \"{hash}\"\n\
         [[accounts]]\nname = \"demo\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\n\
         secret = \"{SECRET}\"\napi_base = \"{wechat}\"\n",
        storage = storage(dir)
    )
}

/// `text` with HTML's character references decoded: numeric ones (`&#34;`, as the templates
/// write them) and the five named ones.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value (unescaped) of `attribute` in the tag around the first `marker` in `html`.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let start = html.find(marker)?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let key = format!("{attribute}=\"");
    let from = tag.find(&key)? + key.len();
    let to = from + tag[from..].find('"')?;
    Some(unescape(&tag[from..to]))
}

/// A menu of three buttons, one with two sub-buttons, in WeChat's shape.
fn three_buttons() -> Value {
    json!({ "button": [
        { "type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC" },
        { "name": "菜单", "sub_button": [
            { "type": "view", "name": "搜索", "url": "https://www.soso.com/" },
            { "type": "miniprogram", "name": "wxa", "url": "https://mp.weixin.qq.com",
              "appid": "wx286b93c14bbf93aa", "pagepath": "pages/lunar/index" }
        ]},
        { "type": "article_id", "name": "文章", "article_id": "ARTICLE_1" }
    ]})
}

/// A one-button menu.
fn one_button(name: &str) -> Value {
    json!({ "button": [{ "type": "click", "name": name, "key": "K1" }] })
}

#[tokio::test]
async fn the_editor_page_has_its_parts_and_strict_headers() {
    let console = Console::start("console_menus_page").await;
    let response = console.get("/admin/menus/demo").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    for part in [
        "id=\"page-menu\"",
        "data-account=\"demo\"",
        "id=\"phone\"",
        "id=\"buttons\"",
        "id=\"add-button\"",
        "id=\"button-form\"",
        "name=\"type\"",
        "id=\"publish\"",
        "id=\"publish-status\"",
        "id=\"versions\"",
        "id=\"delete-menu\"",
        "/admin/assets/menu-editor.js",
        "/admin/assets/menu.css",
    ] {
        assert!(html.contains(part), "the editor page lacks {part}");
    }
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "inline script or style"
    );
    // Chinese first: no Accept-Language, no language cookie.
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("保存并发布"));
    for kind in [
        "click",
        "view",
        "miniprogram",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
        "media_id",
        "article_id",
        "article_view_limited",
    ] {
        assert!(
            html.contains(&format!("<option value=\"{kind}\"")),
            "no type {kind}"
        );
    }
    for field in ["key", "url", "appid", "pagepath", "media_id", "article_id"] {
        assert!(
            html.contains(&format!("name=\"{field}\"")),
            "no field {field}"
        );
    }
    // The editor's script and style are served.
    for asset in ["menu-editor.js", "conditional.js", "menu.css"] {
        let response = console.get(&format!("/admin/assets/{asset}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
    // An account the config does not have.
    assert_eq!(
        console.get("/admin/menus/nobody").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        console
            .get("/admin/menus/nobody/conditional")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Without a session: to the sign-in page.
    let response = console
        .http
        .get(console.url("/admin/menus/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers().get(LOCATION).unwrap().to_str().unwrap();
    assert!(location.starts_with("/admin/signin"), "{location}");
}

#[tokio::test]
async fn publishing_sends_exactly_the_menu_and_records_who_saved_it() {
    let console = Console::start("console_menus_publish").await;
    let menu = three_buttons();
    let (status, body) = console.post_json("/admin/menus/demo", &menu).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(body["saved_by"], ADMIN_NAME);
    assert_eq!(body["current"], true);
    assert_eq!(
        bodies(&console.wechat, "/cgi-bin/menu/create").await,
        vec![menu.clone()]
    );

    // The page shows the version, who saved it, and starts the editor from it.
    let html = console.page("/admin/menus/demo").await;
    assert!(html.contains("data-version=\"1\""));
    let row = &html[html.find("data-version=\"1\"").unwrap()..];
    let saved_by = &row[row.find("class=\"saved-by\"").unwrap()..];
    assert!(
        saved_by.starts_with(&format!("class=\"saved-by\">{ADMIN_NAME}<")),
        "{saved_by:.60}"
    );
    let data = attribute_after(&html, "id=\"menu-editor\"", "data-menu").unwrap();
    assert_eq!(serde_json::from_str::<Value>(&data).unwrap(), menu);
}

#[tokio::test]
async fn problems_come_back_at_their_dotted_paths_and_wechat_is_not_called() {
    let console = Console::start("console_menus_problems").await;
    let menu = json!({ "button": [
        { "type": "click", "name": "一二三四五六", "key": "K" },
        { "name": "More", "sub_button": [
            { "type": "click", "name": "ok", "key": "K2" },
            { "type": "view", "name": "no url", "url": "" }
        ]}
    ]});
    let (status, body) = console.post_json("/admin/menus/demo", &menu).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    // 18 bytes of name (6 characters of 3 bytes) on a top-level button, an empty url.
    assert_eq!(paths, ["button.0.name", "button.1.sub_button.1.url"]);
    assert!(body["error"].is_string());
    // A body that is not a menu: 400.
    let (status, _) = console
        .post_json("/admin/menus/demo", &json!({ "buttons": [] }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(calls(&console.wechat, "/cgi-bin/menu/create").await, 0);
    // Nothing was stored.
    let html = console.page("/admin/menus/demo").await;
    assert!(!html.contains("data-version="));
}

#[tokio::test]
async fn roll_back_publishes_version_one_again_and_the_diff_shows_the_change() {
    let console = Console::start("console_menus_rollback").await;
    let first = one_button("First");
    let second = json!({ "button": [
        { "type": "click", "name": "Second", "key": "K1" },
        { "type": "view", "name": "Web", "url": "https://example.com/" }
    ]});
    assert_eq!(
        console.post_json("/admin/menus/demo", &first).await.0,
        StatusCode::OK
    );
    assert_eq!(
        console.post_json("/admin/menus/demo", &second).await.0,
        StatusCode::OK
    );

    // The diff of 1 and 2: their pretty JSON side by side, the changed lines marked.
    let html = console.page("/admin/menus/demo/diff?a=1&b=2").await;
    assert!(html.contains("id=\"page-diff\""));
    let left =
        &html[html.find("id=\"diff-left\"").unwrap()..html.find("id=\"diff-right\"").unwrap()];
    let right = &html[html.find("id=\"diff-right\"").unwrap()..];
    assert!(left.contains("First") && !left.contains("Second"));
    assert!(right.contains("Second") && right.contains("https://example.com/"));
    assert!(left.contains("class=\"changed\"") && right.contains("class=\"changed"));
    // The same version against itself: nothing changed.
    let same = console.page("/admin/menus/demo/diff?a=1&b=1").await;
    assert!(!same.contains("class=\"changed"));
    assert_eq!(
        console.get("/admin/menus/demo/diff?a=1&b=9").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        console.get("/admin/menus/demo/diff?a=x&b=1").await.status(),
        StatusCode::BAD_REQUEST
    );

    let response = console
        .post_form("/admin/menus/demo/versions/1/publish")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers().get(LOCATION).unwrap(),
        "/admin/menus/demo?published=1"
    );
    assert_eq!(
        bodies(&console.wechat, "/cgi-bin/menu/create").await,
        vec![first.clone(), second, first]
    );
    let html = console.page("/admin/menus/demo?published=1").await;
    assert!(html.contains("id=\"notice\""));
    let row = &html[html.find("data-version=\"1\"").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("badge current"));
    // A version the account does not have.
    let response = console
        .post_form("/admin/menus/demo/versions/7/publish")
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(calls(&console.wechat, "/cgi-bin/menu/create").await, 3);
}

#[tokio::test]
async fn delete_removes_the_menu_at_wechat_and_keeps_the_versions() {
    let console = Console::start("console_menus_delete").await;
    assert_eq!(
        console
            .post_json("/admin/menus/demo", &one_button("A"))
            .await
            .0,
        StatusCode::OK
    );
    let response = console.post_form("/admin/menus/demo/delete").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers().get(LOCATION).unwrap(),
        "/admin/menus/demo?deleted=1"
    );
    assert_eq!(calls(&console.wechat, "/cgi-bin/menu/delete").await, 1);
    let html = console.page("/admin/menus/demo?deleted=1").await;
    assert!(html.contains("data-version=\"1\""));
    assert!(!html.contains("badge current"));
}

#[tokio::test]
async fn every_change_needs_the_session_the_csrf_token_and_the_own_origin() {
    let console = Console::start("console_menus_csrf").await;
    let menu = one_button("A");
    let url = console.url("/admin/menus/demo");
    // The JSON save without the token, with a wrong one, from another origin, without Origin.
    let attempts = [
        ("no token", None, Some(console.gateway.base.clone())),
        (
            "wrong token",
            Some("bm90LXRoZS10b2tlbg".to_owned()),
            Some(console.gateway.base.clone()),
        ),
        (
            "other origin",
            Some(console.csrf.clone()),
            Some("http://evil.example".to_owned()),
        ),
        ("no origin", Some(console.csrf.clone()), None),
    ];
    for (what, token, origin) in attempts {
        let mut request = console
            .http
            .post(&url)
            .header(COOKIE, &console.cookie)
            .header("Accept", "application/json")
            .json(&menu);
        if let Some(token) = token {
            request = request.header("X-CSRF-Token", token);
        }
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
    }
    // Forms without the csrf field, or from another site.
    for path in [
        "/admin/menus/demo/delete",
        "/admin/menus/demo/versions/1/publish",
        "/admin/menus/demo/conditional/1/delete",
    ] {
        let response = console
            .http
            .post(console.url(path))
            .header(COOKIE, &console.cookie)
            .header("Origin", &console.gateway.base)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("x=1")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} without csrf"
        );
        let response = console
            .http
            .post(console.url(path))
            .header(COOKIE, &console.cookie)
            .header("Origin", "http://evil.example")
            .form(&[("csrf", console.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} cross-site"
        );
    }
    // No session at all: 401, even with a token.
    let response = console
        .http
        .post(&url)
        .header("X-CSRF-Token", &console.csrf)
        .header("Origin", &console.gateway.base)
        .header("Accept", "application/json")
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The bearer token of the JSON API opens nothing here.
    let response = console
        .http
        .post(&url)
        .bearer_auth(ADMIN)
        .header("Origin", &console.gateway.base)
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Nothing reached WeChat, nothing was stored.
    assert!(
        console
            .wechat
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .all(|r| r.url.path() == "/cgi-bin/stable_token")
    );
    assert!(
        !console
            .page("/admin/menus/demo")
            .await
            .contains("data-version=")
    );
    // And the right request goes through.
    assert_eq!(
        console.post_json("/admin/menus/demo", &menu).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn conditional_menus_are_added_listed_matched_and_deleted() {
    let console = Console::start("console_menus_conditional").await;
    let buttons = json!([{ "type": "click", "name": "VIP", "key": "vip" }]);
    let request =
        json!({ "button": buttons, "matchrule": { "tag_id": "2", "client_platform_type": "1" } });

    // No default menu yet: refused, WeChat not called.
    let (status, body) = console
        .post_json("/admin/menus/demo/conditional", &request)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let html = console.page("/admin/menus/demo/conditional").await;
    assert!(html.contains("id=\"page-conditional\"") && html.contains("id=\"no-default\""));
    for part in [
        "id=\"conditional-editor\"",
        "id=\"buttons\"",
        "id=\"button-form\"",
        "name=\"tag_id\"",
        "name=\"client_platform_type\"",
        "id=\"add-conditional\"",
        "id=\"conditional-status\"",
        "id=\"conditional-menus\"",
        "id=\"trymatch\"",
        "name=\"user_id\"",
        "id=\"trymatch-result\"",
        "/admin/assets/conditional.js",
    ] {
        assert!(html.contains(part), "the conditional page lacks {part}");
    }
    // The editor sits inside its section, once.
    let editor = &html[html.find("id=\"conditional-editor\"").unwrap()..];
    assert!(editor.find("id=\"buttons\"") < editor.find("id=\"matchrule\""));
    assert_eq!(html.matches("id=\"buttons\"").count(), 1);

    assert_eq!(
        console
            .post_json("/admin/menus/demo", &one_button("Home"))
            .await
            .0,
        StatusCode::OK
    );
    // A refused rule and a bad button: every problem by path.
    let (status, body) = console
        .post_json(
            "/admin/menus/demo/conditional",
            &json!({ "button": [{ "type": "view", "name": "x" }], "matchrule": { "sex": "1" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"button.0.url") && paths.contains(&"matchrule.sex"),
        "{paths:?}"
    );
    assert_eq!(
        calls(&console.wechat, "/cgi-bin/menu/addconditional").await,
        0
    );

    let (status, body) = console
        .post_json("/admin/menus/demo/conditional", &request)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["menuid"], MENUID);
    assert_eq!(
        bodies(&console.wechat, "/cgi-bin/menu/addconditional").await,
        vec![request.clone()]
    );
    let html = console.page("/admin/menus/demo/conditional").await;
    assert!(html.contains(&format!("data-menuid=\"{MENUID}\"")));
    assert!(html.contains("class=\"delete-conditional\""));
    assert!(!html.contains("id=\"no-default\""));

    // Try-match: WeChat's answer as it came; without a user, 422 and WeChat not asked.
    let (status, body) = console
        .post_json(
            "/admin/menus/demo/trymatch",
            &json!({ "user_id": "o_user" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["button"][0]["name"], "VIP");
    assert_eq!(
        bodies(&console.wechat, "/cgi-bin/menu/trymatch").await,
        vec![json!({ "user_id": "o_user" })]
    );
    let (status, body) = console
        .post_json("/admin/menus/demo/trymatch", &json!({ "user_id": " " }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["problems"][0]["path"], "user_id");
    assert_eq!(calls(&console.wechat, "/cgi-bin/menu/trymatch").await, 1);

    // Delete: WeChat told, the list empty; an unknown menuid is 404.
    let response = console
        .post_form(&format!("/admin/menus/demo/conditional/{MENUID}/delete"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        bodies(&console.wechat, "/cgi-bin/menu/delconditional").await,
        vec![json!({ "menuid": MENUID })]
    );
    let html = console.page("/admin/menus/demo/conditional").await;
    assert!(!html.contains(&format!("data-menuid=\"{MENUID}\"")));
    let response = console
        .post_form("/admin/menus/demo/conditional/12345/delete")
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        calls(&console.wechat, "/cgi-bin/menu/delconditional").await,
        1
    );
}

#[tokio::test]
async fn wechat_refusals_are_shown_and_the_version_is_kept() {
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": ACCESS, "expires_in": 7200 })),
        )
        .mount(&wechat)
        .await;
    let refusal = json!({ "errcode": 65318, "errmsg": "must use utf-8 charset" });
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refusal))
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/menu/delete"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 46003, "errmsg": "menu no exist" })),
        )
        .mount(&wechat)
        .await;
    let console = Console::start_with("console_menus_refused", wechat).await;

    // The script's save: 502 with WeChat's answer and the version kept.
    let (status, body) = console
        .post_json("/admin/menus/demo", &one_button("A"))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["errcode"], 65318);
    assert_eq!(body["errmsg"], "must use utf-8 charset");
    assert_eq!(body["version"], 1);
    let html = console.page("/admin/menus/demo").await;
    let row = &html[html.find("data-version=\"1\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("badge error") && row.contains("65318"),
        "{row}"
    );

    // Publishing the version again from its form: back to the page, which says so.
    let response = console
        .post_form("/admin/menus/demo/versions/1/publish")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers().get(LOCATION).unwrap().to_str().unwrap();
    assert_eq!(location, "/admin/menus/demo?failed=1");
    let html = console.page(location).await;
    assert!(html.contains("id=\"notice\" class=\"notice error\""));

    // Deleting: back to the page with WeChat's errcode.
    let response = console.post_form("/admin/menus/demo/delete").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers().get(LOCATION).unwrap().to_str().unwrap();
    assert_eq!(location, "/admin/menus/demo?delete_failed=46003");
    let html = console.page(location).await;
    let notice = &html[html.find("id=\"notice\"").unwrap()..];
    assert!(notice[..notice.find("</p>").unwrap()].contains("46003"));
    assert_eq!(calls(&console.wechat, "/cgi-bin/menu/create").await, 2);
}
