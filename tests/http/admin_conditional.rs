//! The admin API's conditional menus: `POST/GET /admin/accounts/{name}/menu/conditional`,
//! `DELETE .../menu/conditional/{menuid}` and `POST .../menu/trymatch`, against a mock of
//! WeChat, with the audit log read from the gateway's own database.

use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use wxgate::internals::store::Store;

use crate::common::*;

const CONDITIONAL: &str = "/admin/accounts/demo/menu/conditional";
const TRYMATCH: &str = "/admin/accounts/demo/menu/trymatch";

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" }))
}

fn buttons(name: &str) -> Value {
    json!([
        { "type": "click", "name": name, "key": "VIP_NEWS" },
        { "name": "会员", "sub_button": [
            { "type": "view", "name": "权益", "url": "https://example.com/vip" }
        ] }
    ])
}

/// A gateway on a database in `storage` (a `[storage]` section), WeChat at `wechat`, and
/// `server_extra` in `[server]`.
async fn gateway(wechat: &MockServer, storage: &str, server_extra: &str) -> TestGateway {
    start_with(
        &format!(
            "{storage}{}",
            api_config(&wechat.uri(), "http://127.0.0.1:9/", server_extra)
        ),
        vec![],
    )
    .await
}

/// Publishes a default menu for `demo` through the API.
async fn publish_default_menu(gw: &TestGateway, wechat: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .mount(wechat)
        .await;
    let response = admin(gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&json!({ "button": buttons("首页") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// How many requests WeChat received on `api_path`.
async fn calls(wechat: &MockServer, api_path: &str) -> usize {
    wechat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == api_path)
        .count()
}

/// Sends `body` to `path` and expects 422; returns the answer.
async fn refused(gw: &TestGateway, path: &str, body: &Value) -> Value {
    let response = admin(gw, Method::POST, path)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422, "{path} {body}");
    response.json().await.unwrap()
}

fn problem_paths(answer: &Value) -> Vec<String> {
    answer["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {answer}"))
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_owned())
        .collect()
}

/// `(actor, ip, account, action, detail)` of every audit entry, oldest first.
async fn audit_log(url: &str) -> Vec<(String, String, Option<String>, String, String)> {
    let store = Store::open(url).await.unwrap();
    let mut entries = store.audit_entries(None, 100).await.unwrap();
    store.close().await;
    entries.reverse();
    entries
        .into_iter()
        .map(|e| (e.actor, e.ip, e.account, e.action, e.detail))
        .collect()
}

fn database_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("wxgate.db").display())
}

#[actix_web::test]
async fn every_refused_request_is_422_with_its_problems_and_wechat_is_not_called() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    let (storage, _dir) = temp_storage();
    let gw = gateway(&wechat, &storage, "").await;
    let valid = json!({ "button": buttons("会员专享"), "matchrule": { "tag_id": "2" } });

    let answer = refused(&gw, CONDITIONAL, &valid).await;
    assert_eq!(problem_paths(&answer), ["button"], "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("default menu"),
        "{answer}"
    );

    publish_default_menu(&gw, &wechat).await;

    for (body, paths) in [
        (json!({ "button": buttons("a") }), vec!["matchrule"]),
        (
            json!({ "button": buttons("a"), "matchrule": {} }),
            vec!["matchrule"],
        ),
        (
            json!({ "button": buttons("a"), "matchrule": null }),
            vec!["matchrule"],
        ),
        (
            json!({ "button": buttons("a"), "matchrule": { "tag_id": "2", "group_id": "1" } }),
            vec!["matchrule.group_id"],
        ),
        (
            json!({ "button": buttons("a"), "matchrule": { "tag_id": "2" }, "menuid": "1" }),
            vec!["menuid"],
        ),
        (
            json!({ "button": buttons("a"), "matchrule": { "client_platform_type": "4" } }),
            vec!["matchrule.client_platform_type"],
        ),
        (
            json!({ "button": [
                { "type": "click", "name": "这个名字实在是太长了" },
                { "type": "view", "name": "b" }
            ], "matchrule": { "tag_id": "2" } }),
            vec!["button[0].name", "button[0].key", "button[1].url"],
        ),
        (
            json!({ "button": [], "matchrule": { "sex": "1" } }),
            vec!["button", "matchrule.sex"],
        ),
    ] {
        let answer = refused(&gw, CONDITIONAL, &body).await;
        assert_eq!(problem_paths(&answer), paths, "{body}");
    }

    for field in ["sex", "country", "province", "city", "language"] {
        let body = json!({ "button": buttons("a"), "matchrule": { field: "1", "tag_id": "2" } });
        let answer = refused(&gw, CONDITIONAL, &body).await;
        assert_eq!(problem_paths(&answer), [format!("matchrule.{field}")]);
        let message = answer["problems"][0]["message"].as_str().unwrap();
        assert!(message.contains("65320"), "{message}");
    }

    for body in [
        json!({}),
        json!({ "user_id": "" }),
        json!({ "user_id": "  " }),
    ] {
        let answer = refused(&gw, TRYMATCH, &body).await;
        assert_eq!(problem_paths(&answer), ["user_id"], "{body}");
    }

    let answer = refused(&gw, "/admin/accounts/nosecret/menu/conditional", &valid).await;
    assert!(answer["error"].as_str().unwrap().contains("secret"));
    refused(
        &gw,
        "/admin/accounts/nosecret/menu/trymatch",
        &json!({ "user_id": "o1" }),
    )
    .await;

    for (path, body) in [
        (CONDITIONAL, r#"{"button": ["#),
        (
            CONDITIONAL,
            r#"{"button": {}, "matchrule": {"tag_id": "2"}}"#,
        ),
        (
            CONDITIONAL,
            r#"{"button": [{"type": "click", "name": "a", "key": "K", "colour": "red"}], "matchrule": {"tag_id": "2"}}"#,
        ),
        (TRYMATCH, r#"{"user_id": 42}"#),
        (TRYMATCH, r#"{"openid": "o1"}"#),
    ] {
        let response = admin(&gw, Method::POST, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path} {body}");
    }

    for api_path in [
        "/cgi-bin/menu/addconditional",
        "/cgi-bin/menu/trymatch",
        "/cgi-bin/menu/delconditional",
    ] {
        assert_eq!(calls(&wechat, api_path).await, 0, "{api_path}");
    }
    let list: Value = admin(&gw, Method::GET, CONDITIONAL)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({ "menus": [] }));
}

#[actix_web::test]
async fn add_list_trymatch_and_delete_each_call_wechat_exactly_as_expected() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    let (storage, dir) = temp_storage();
    let gw = gateway(&wechat, &storage, "").await;
    publish_default_menu(&gw, &wechat).await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/addconditional"))
        .and(body_json(json!({
            "button": buttons("会员专享"),
            "matchrule": { "tag_id": "2", "client_platform_type": "2" }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": 208379533 })))
        .expect(1)
        .mount(&wechat)
        .await;
    let seen = json!({ "button": buttons("会员专享") });
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/trymatch"))
        .and(body_json(json!({ "user_id": "oVipUser" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(&seen))
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/delconditional"))
        .and(body_json(json!({ "menuid": "208379533" })))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;

    let before = now() as i64;
    let created = admin(&gw, Method::POST, CONDITIONAL)
        .json(&json!({
            "button": buttons("会员专享"),
            "matchrule": { "tag_id": 2, "client_platform_type": "2" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["menuid"], "208379533",
        "a numeric menuid comes back as text"
    );
    assert_eq!(created["button"], buttons("会员专享"));
    assert_eq!(
        created["matchrule"],
        json!({ "tag_id": "2", "client_platform_type": "2" })
    );
    assert_eq!(created["created_by"], "api");
    assert!(created["created_at"].as_i64().unwrap() >= before);

    let list: Value = admin(&gw, Method::GET, CONDITIONAL)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({ "menus": [created] }));

    let matched = admin(&gw, Method::POST, TRYMATCH)
        .json(&json!({ "user_id": "oVipUser" }))
        .send()
        .await
        .unwrap();
    assert_eq!(matched.status().as_u16(), 200);
    assert_eq!(matched.json::<Value>().await.unwrap(), seen);

    let unknown = admin(&gw, Method::DELETE, &format!("{CONDITIONAL}/404404"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(calls(&wechat, "/cgi-bin/menu/delconditional").await, 0);

    let deleted = admin(&gw, Method::DELETE, &format!("{CONDITIONAL}/208379533"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 200);
    let list: Value = admin(&gw, Method::GET, CONDITIONAL)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({ "menus": [] }));
    let again = admin(&gw, Method::DELETE, &format!("{CONDITIONAL}/208379533"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 404, "already deleted");
    wechat.verify().await;

    let entry = |action: &str, detail: &str| {
        (
            "api".to_owned(),
            "127.0.0.1".to_owned(),
            Some("demo".to_owned()),
            action.to_owned(),
            detail.to_owned(),
        )
    };
    assert_eq!(
        audit_log(&database_url(&dir)).await,
        [
            entry("menu_saved", "version 1"),
            entry("menu_published", "version 1"),
            entry("conditional_added", "menuid 208379533"),
            entry("conditional_removed", "menuid 208379533"),
        ],
        "trymatch changes nothing and is not audited"
    );
}

#[actix_web::test]
async fn conditional_menus_survive_a_restart() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/addconditional"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": "77" })))
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/delconditional"))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let (storage, _dir) = temp_storage();
    let gw = gateway(&wechat, &storage, "").await;
    publish_default_menu(&gw, &wechat).await;
    let created = admin(&gw, Method::POST, CONDITIONAL)
        .json(&json!({ "button": buttons("a"), "matchrule": { "client_platform_type": "1" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.unwrap();
    gw.stop().await;

    let gw = gateway(&wechat, &storage, "").await;
    let list: Value = admin(&gw, Method::GET, CONDITIONAL)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({ "menus": [created] }));
    let deleted = admin(&gw, Method::DELETE, &format!("{CONDITIONAL}/77"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 200, "known after the restart");
}

#[actix_web::test]
async fn the_audited_address_is_forwarded_only_by_a_trusted_proxy() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/qrcode/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "ticket": "T", "expire_seconds": 60, "url": "http://weixin.qq.com/q/T" }),
        ))
        .mount(&wechat)
        .await;
    for (server_extra, expected) in [
        ("", "127.0.0.1"),
        (r#"trusted_proxies = ["127.0.0.1"]"#, "203.0.113.9"),
    ] {
        let (storage, dir) = temp_storage();
        let gw = gateway(&wechat, &storage, server_extra).await;
        let created = admin(&gw, Method::POST, "/admin/accounts/demo/qrcodes")
            .header("x-forwarded-for", "203.0.113.9")
            .json(&json!({ "scene": 42, "expire_seconds": 60 }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        gw.stop().await;
        assert_eq!(
            audit_log(&database_url(&dir)).await,
            [(
                "api".to_owned(),
                expected.to_owned(),
                Some("demo".to_owned()),
                "qr_created".to_owned(),
                "scene 42, temporary".to_owned()
            )],
            "{server_extra}"
        );
    }
}
