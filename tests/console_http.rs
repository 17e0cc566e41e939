//! The browser console, black box: the real binary with `[[admin.users]]` whose hashes come
//! from `wxgate hash-password`, driven over HTTP the way a browser would (a reqwest client that
//! follows no redirect, cookies carried by hand).
//!
//! Covered: sign-in, a wrong password, sign-out (the row deleted: the cookie stops working);
//! the throttles per name and per address with Retry-After, while another admin from another
//! address still signs in; CSRF (missing or wrong token) and Origin (another site, none) on a
//! POST, answered 403 with nothing changed; a session made on one instance used on another
//! sharing the SQLite file; idle and absolute expiry sending pages to sign-in; the security
//! headers on every page, asset, error and redirect; the console off (404) without the admin
//! token; the bearer token refused by the console and the cookie by the JSON API; languages;
//! and no password, hash, cookie or CSRF token in the gateway's log.

mod real;

use std::path::Path;
use std::process::{Command, Stdio};

use std::io::Write as _;

use real::*;
use reqwest::header::HeaderMap;

/// The first admin's password (listed in tests/secrets.txt).
const LI_PASSWORD: &str = "ConsolePassw0rd-li-7c1e";
/// The second admin's password (listed in tests/secrets.txt).
const WANG_PASSWORD: &str = "ConsolePassw0rd-wang-93ad";

/// `wxgate hash-password`, the password on stdin: the PHC string it prints.
fn hash_password(password: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "only the hash is printed: {text:?}");
    assert!(lines[0].starts_with("$argon2id$"), "{text}");
    assert!(!text.contains(password));
    lines[0].to_owned()
}

/// The hashes of the two admins, made once per test binary.
fn hashes() -> &'static (String, String) {
    static HASHES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    HASHES.get_or_init(|| (hash_password(LI_PASSWORD), hash_password(WANG_PASSWORD)))
}

/// A config on `port` with the database in `db_dir`, the admin API on (unless `admin` is
/// false), the two admins, and `extra` lines in `[admin]`.
fn config(port: u16, db_dir: &Path, admin: bool, extra_admin: &str, extra_server: &str) -> String {
    let (li, wang) = hashes();
    let admin = if admin {
        format!(
            "[admin]\ntoken = \"{ADMIN}\"\n{extra_admin}\n\
             [[admin.users]]\nname = \"li\"\npassword_hash = \"{li}\"\n\
             [[admin.users]]\nname = \"wang\"\npassword_hash = \"{wang}\"\n"
        )
    } else {
        String::new()
    };
    format!(
        "{storage}\n[server]\nlisten = \"127.0.0.1:{port}\"\n{extra_server}\n{admin}\n\
         [[accounts]]\nname = \"demo\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\nmode = \"plain\"\n\n\
         [[accounts]]\nname = \"shop\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\nmode = \"compatible\"\n\
         encoding_aes_key = \"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\"\n",
        storage = storage(db_dir)
    )
}

/// A gateway and a browser-like client.
struct Console {
    gateway: Gateway,
    client: reqwest::Client,
}

impl Console {
    async fn start(dir: &Path, log: &str, extra_admin: &str, extra_server: &str) -> Console {
        let port = free_port();
        let text = config(port, dir, true, extra_admin, extra_server);
        let gateway = Gateway::start(dir, &text, port, log).await;
        Console {
            gateway,
            client: client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base)
    }

    fn origin(&self) -> String {
        self.gateway.base.clone()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("wxgate_console={cookie}"));
        }
        request.send().await.unwrap()
    }

    /// POSTs a form with this gateway's Origin (unless `origin` says otherwise).
    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
        origin: Origin<'_>,
        forwarded_for: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).form(form);
        match origin {
            Origin::Own => request = request.header("origin", self.origin()),
            Origin::Other(other) => request = request.header("origin", other),
            Origin::None => {}
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("wxgate_console={cookie}"));
        }
        if let Some(ip) = forwarded_for {
            request = request.header("x-forwarded-for", ip);
        }
        request.send().await.unwrap()
    }

    async fn sign_in(&self, name: &str, password: &str, ip: Option<&str>) -> reqwest::Response {
        self.post(
            "/admin/signin",
            None,
            &[
                ("name", name),
                ("password", password),
                ("next", "/admin/audit"),
            ],
            Origin::Own,
            ip,
        )
        .await
    }

    /// Signs in and returns the session cookie's value.
    async fn session(&self, name: &str, password: &str) -> String {
        let response = self.sign_in(name, password, None).await;
        assert_eq!(response.status(), 303, "sign-in of {name}");
        session_cookie(response.headers()).expect("a session cookie")
    }

    /// The CSRF token of the overview page of `cookie`'s session.
    async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/admin/", Some(cookie)).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let re = regex::Regex::new(r#"<meta name="csrf-token" content="([^"]+)">"#).unwrap();
        re.captures(&html).expect("a csrf meta tag")[1].to_owned()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.gateway.log).unwrap_or_default()
    }
}

/// A refused POST: what it tries, its form, its Origin.
type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, Origin<'a>);

/// Which Origin header a POST carries.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Own,
    Other(&'a str),
    None,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the `wxgate_console` cookie a response sets, if any.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("wxgate_console="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The security headers every console response carries.
fn assert_secure_headers(headers: &HeaderMap, what: &str) {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(headers.contains_key("cache-control"), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_pages_and_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(dir.path(), "console-signin", "", "").await;

    // Not signed in: the page asked for comes back after sign-in.
    let response = console.get("/admin/", None).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/signin?next=%2Fadmin%2F");
    assert_secure_headers(response.headers(), "redirect");
    let response = console.get("/admin/live.json", None).await;
    assert_eq!(response.status(), 401);

    let page = console.get("/admin/signin", None).await;
    assert_eq!(page.status(), 200);
    assert_secure_headers(page.headers(), "sign-in page");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    for id in [
        "form id=\"signin\"",
        "id=\"signin-submit\"",
        "name=\"password\"",
        "id=\"page-signin\"",
        "form id=\"lang\"",
    ] {
        assert!(html.contains(id), "{id} missing: {html}");
    }
    assert!(html.contains("<html lang=\"zh-CN\">"));

    // A wrong password: 401, a generic message, no cookie.
    let wrong = console.sign_in("li", "not-the-password", None).await;
    assert_eq!(wrong.status(), 401);
    assert!(session_cookie(wrong.headers()).is_none());
    assert_secure_headers(wrong.headers(), "failed sign-in");
    let html = wrong.text().await.unwrap();
    assert!(html.contains("id=\"signin-error\""), "{html}");
    assert!(html.contains("用户名或密码错误"), "{html}");
    let unknown = console.sign_in("nobody", "not-the-password", None).await;
    assert_eq!(unknown.status(), 401);
    assert!(unknown.text().await.unwrap().contains("用户名或密码错误"));

    // The right one: a session cookie and the page asked for.
    let ok = console.sign_in("li", LI_PASSWORD, None).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/admin/audit");
    let set_cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let cookie = session_cookie(ok.headers()).unwrap();
    assert_eq!(cookie.len(), 43);
    // Every sign-in gives a fresh session.
    let again = console.session("li", LI_PASSWORD).await;
    assert_ne!(again, cookie);

    // Pages, JSON and assets with the cookie; the headers everywhere.
    for path in [
        "/admin/",
        "/admin/audit",
        "/admin/live.json",
        "/admin/assets/console.css",
        "/admin/assets/console.js",
        "/admin/assets/overview.js",
        "/admin/assets/messages.en.json",
    ] {
        let response = console.get(path, Some(&cookie)).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_secure_headers(response.headers(), path);
    }
    let response = console.get("/admin/no-such-page", Some(&cookie)).await;
    assert_eq!(response.status(), 404);
    assert_secure_headers(response.headers(), "404 page");
    assert!(
        response.text().await.unwrap().contains("id=\"nav\""),
        "a signed-in 404 has the nav"
    );

    let overview = console
        .get("/admin/", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    for needle in [
        "id=\"page-overview\"",
        "<nav id=\"nav\"",
        "form id=\"signout\"",
        "<tr data-account=\"demo\"",
        "<tr data-account=\"shop\"",
        "<td class=\"mode\">compatible</td>",
        "data-live=\"pushes_per_minute\"",
        "data-live=\"p99_ms\"",
        "id=\"status-redis\" data-status=\"not_configured\"",
        "id=\"status-database\" data-status=\"ok\"",
        "<span class=\"admin-name\">li</span>",
    ] {
        assert!(overview.contains(needle), "{needle} missing");
    }
    let live: serde_json::Value = console
        .get("/admin/live.json", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(live["database"], "ok");
    assert_eq!(live["redis"], "not_configured");
    assert_eq!(live["accounts"][1]["account"], "shop");
    assert!(live["total"]["rejections_by_reason"]["signature"].is_u64());

    // Sign out: the row goes, the cookie no longer opens anything.
    let csrf = console.csrf(&cookie).await;
    let out = console
        .post(
            "/admin/signout",
            Some(&cookie),
            &[("csrf", &csrf)],
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/admin/signin");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let response = console.get("/admin/", Some(&cookie)).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/admin/signin"));
    // The other session of li is untouched.
    assert_eq!(console.get("/admin/", Some(&again)).await.status(), 200);

    // The audit log, newest first: sign-out, sign-ins, failures (with the name typed).
    let audit = console
        .get("/admin/audit", Some(&again))
        .await
        .text()
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .match_indices("data-action=\"")
        .map(|(i, m)| {
            let rest = &audit[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        actions,
        [
            "sign_out",
            "sign_in",
            "sign_in",
            "sign_in_failed",
            "sign_in_failed"
        ],
        "{audit}"
    );
    assert!(audit.contains("<td class=\"actor\">nobody</td>"));
    assert!(audit.contains("<td class=\"ip\">127.0.0.1</td>"));

    let log = console.log();
    let secrets: [&str; 7] = [
        LI_PASSWORD,
        WANG_PASSWORD,
        &hashes().0,
        &hashes().1,
        &cookie,
        &again,
        &csrf,
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "a secret is in the log");
    }
    assert!(
        log.contains("console sign-in failed"),
        "failures are logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled_per_name_and_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(
        dir.path(),
        "console-throttle",
        "",
        "trusted_proxies = [\"127.0.0.1\"]",
    )
    .await;

    // Five failures for li, each from another address.
    for i in 1..=5 {
        let ip = format!("10.0.0.{i}");
        let response = console.sign_in("li", "wrong", Some(&ip)).await;
        assert_eq!(response.status(), 401, "failure {i}");
    }
    // Now li is refused from a fresh address, the right password too.
    let refused = console.sign_in("li", LI_PASSWORD, Some("10.0.0.6")).await;
    assert_eq!(refused.status(), 429);
    assert!(session_cookie(refused.headers()).is_none());
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    assert_secure_headers(refused.headers(), "throttled sign-in");
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"signin-error\""), "{html}");
    assert!(
        html.contains(&format!(" {retry} ")),
        "the wait is shown: {html}"
    );
    // wang, from another address, still signs in.
    let wang = console
        .sign_in("wang", WANG_PASSWORD, Some("10.0.0.7"))
        .await;
    assert_eq!(wang.status(), 303);

    // Twenty failures from one address, under other names each.
    for i in 0..20 {
        let response = console
            .sign_in(&format!("guess{i}"), "wrong", Some("10.0.1.1"))
            .await;
        assert_eq!(response.status(), 401, "failure {i}");
    }
    let refused = console
        .sign_in("wang", WANG_PASSWORD, Some("10.0.1.1"))
        .await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // The same admin from another address is fine.
    let wang = console
        .sign_in("wang", WANG_PASSWORD, Some("10.0.1.2"))
        .await;
    assert_eq!(wang.status(), 303);

    // The throttled attempts are logged, without the password.
    let log = console.log();
    assert!(log.contains("too many failed sign-ins"));
    assert!(!log.contains(LI_PASSWORD) && !log.contains(WANG_PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_the_token_or_from_another_origin_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(dir.path(), "console-csrf", "", "").await;
    let cookie = console.session("li", LI_PASSWORD).await;
    let csrf = console.csrf(&cookie).await;

    let attempts: [Attempt<'_>; 5] = [
        ("no token", vec![], Origin::Own),
        ("wrong token", vec![("csrf", "AAAA")], Origin::Own),
        (
            "another site's token",
            vec![("csrf", &csrf[1..])],
            Origin::Own,
        ),
        (
            "cross-site",
            vec![("csrf", &csrf)],
            Origin::Other("http://evil.example"),
        ),
        ("no Origin", vec![("csrf", &csrf)], Origin::None),
    ];
    for (what, form, origin) in attempts {
        let response = console
            .post("/admin/signout", Some(&cookie), &form, origin, None)
            .await;
        assert_eq!(response.status(), 403, "{what}");
        assert_secure_headers(response.headers(), what);
        // Still signed in.
        assert_eq!(
            console.get("/admin/", Some(&cookie)).await.status(),
            200,
            "{what}"
        );
    }
    // A script's POST with the header instead of the field, but from elsewhere: 403.
    let response = console
        .client
        .post(console.url("/admin/signout"))
        .header("cookie", format!("wxgate_console={cookie}"))
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].is_string());
    // A sign-in from another site is refused too.
    let response = console
        .post(
            "/admin/signin",
            None,
            &[("name", "li"), ("password", LI_PASSWORD)],
            Origin::Other("http://evil.example"),
            None,
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(session_cookie(response.headers()).is_none());
    // So is a language switch.
    let response = console
        .post(
            "/admin/lang",
            Some(&cookie),
            &[("lang", "en"), ("csrf", &csrf)],
            Origin::Other("http://evil.example"),
            None,
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = console
        .post(
            "/admin/lang",
            Some(&cookie),
            &[("lang", "en")],
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(response.status(), 403, "a signed-in switch needs the token");

    // Only the sign-in is in the audit log.
    let audit = console
        .get("/admin/audit", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(audit.matches("<tr data-id=").count(), 1, "{audit}");

    // The header works as well as the field.
    let response = console
        .client
        .post(console.url("/admin/signout"))
        .header("cookie", format!("wxgate_console={cookie}"))
        .header("x-csrf-token", &csrf)
        .header("origin", console.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(console.get("/admin/", Some(&cookie)).await.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_works_on_every_instance_sharing_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let a = Console::start(dir.path(), "console-instance-a", "", "").await;
    let dir_b = tempfile::tempdir().unwrap();
    // B runs from another directory on the same SQLite file.
    let port = free_port();
    let text = config(port, dir.path(), true, "", "");
    let b = Console {
        gateway: Gateway::start(dir_b.path(), &text, port, "console-instance-b").await,
        client: client(),
    };

    let cookie = a.session("li", LI_PASSWORD).await;
    let page = b.get("/admin/", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    // The CSRF token is the same wherever the page came from.
    let csrf = b.csrf(&cookie).await;
    assert_eq!(csrf, a.csrf(&cookie).await);
    let out = b
        .post(
            "/admin/signout",
            Some(&cookie),
            &[("csrf", &csrf)],
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(out.status(), 303);
    assert_eq!(a.get("/admin/", Some(&cookie)).await.status(), 303);
}

/// Moves the session's times back by `idle` and `age` seconds, as if that time had passed.
async fn age_session(db: &Path, idle: i64, age: i64) {
    let url = format!("sqlite://{}", db.join("wxgate.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "UPDATE console_sessions SET last_seen_at = last_seen_at - $1, created_at = created_at - $2",
    )
    .bind(idle)
    .bind(age)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_send_pages_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(
        dir.path(),
        "console-expiry",
        "session_idle_secs = 600\nsession_max_secs = 3600",
        "",
    )
    .await;

    // Idle for longer than session_idle_secs.
    let cookie = console.session("li", LI_PASSWORD).await;
    age_session(dir.path(), 590, 590).await;
    assert_eq!(
        console.get("/admin/audit", Some(&cookie)).await.status(),
        200,
        "not yet"
    );
    age_session(dir.path(), 601, 0).await;
    let response = console.get("/admin/audit?before=5", Some(&cookie)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/admin/signin?next=%2Fadmin%2Faudit%3Fbefore%3D5"
    );
    assert_eq!(
        console
            .get("/admin/live.json", Some(&cookie))
            .await
            .status(),
        401
    );

    // Busy, but signed in longer than session_max_secs ago.
    let cookie = console.session("li", LI_PASSWORD).await;
    age_session(dir.path(), 0, 3601).await;
    assert_eq!(console.get("/admin/", Some(&cookie)).await.status(), 303);

    // After sign-in the browser goes where it was going.
    let response = console
        .post(
            "/admin/signin",
            None,
            &[
                ("name", "li"),
                ("password", LI_PASSWORD),
                ("next", "/admin/audit?before=5"),
            ],
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(location(&response), "/admin/audit?before=5");
    // Never to another site.
    for next in [
        "//evil.example/",
        "https://evil.example/admin/",
        "/admin/\\evil",
    ] {
        let response = console
            .post(
                "/admin/signin",
                None,
                &[("name", "li"), ("password", LI_PASSWORD), ("next", next)],
                Origin::Own,
                None,
            )
            .await;
        assert_eq!(location(&response), "/admin/", "{next}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_off_without_the_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = config(port, dir.path(), false, "", "");
    let gateway = Gateway::start(dir.path(), &text, port, "console-off").await;
    let client = client();
    for path in [
        "/admin/",
        "/admin",
        "/admin/signin",
        "/admin/audit",
        "/admin/live.json",
        "/admin/assets/console.css",
        "/admin/assets/messages.zh.json",
    ] {
        let response = client
            .get(format!("{}{path}", gateway.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = client
        .post(format!("{}/admin/signin", gateway.base))
        .header("origin", &gateway.base)
        .form(&[("name", "li"), ("password", LI_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_opens_no_page_and_the_cookie_no_json_route() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(dir.path(), "console-credentials", "", "").await;
    let bearer = format!("Bearer {ADMIN}");
    for path in ["/admin/", "/admin/audit"] {
        let response = console
            .client
            .get(console.url(path))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/admin/signin"));
    }
    let response = console
        .client
        .get(console.url("/admin/live.json"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The token is no password either.
    let response = console.sign_in("api", ADMIN, None).await;
    assert_eq!(response.status(), 401);
    let response = console.sign_in("li", ADMIN, None).await;
    assert_eq!(response.status(), 401);

    let cookie = console.session("li", LI_PASSWORD).await;
    let csrf = console.csrf(&cookie).await;
    for path in [
        "/admin/accounts/demo/menu",
        "/admin/accounts/demo/qrcodes",
        "/admin/accounts/demo/menu/versions",
    ] {
        let response = console
            .client
            .get(console.url(path))
            .header("cookie", format!("wxgate_console={cookie}"))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_first_english_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::start(dir.path(), "console-lang", "", "").await;
    let english = console
        .client
        .get(console.url("/admin/signin"))
        .header("accept-language", "en-US,en;q=0.9,zh;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("Sign in to the console"));

    // The switch remembers the choice and comes back to the page.
    let response = console
        .post(
            "/admin/lang",
            None,
            &[
                ("lang", "en"),
                ("next", "/admin/signin?next=%2Fadmin%2Faudit"),
            ],
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/signin?next=%2Fadmin%2Faudit");
    let set = response.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("wxgate_lang=en;"), "{set}");
    let cookie = console.session("li", LI_PASSWORD).await;
    let page = console
        .client
        .get(console.url("/admin/"))
        .header("cookie", format!("wxgate_console={cookie}; wxgate_lang=en"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Live figures"), "the cookie wins");
    let messages: serde_json::Value = console
        .get("/admin/assets/messages.en.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages["nav.overview"], "Overview");
}
