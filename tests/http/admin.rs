use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" }))
}

fn menu(name: &str) -> Value {
    json!({ "button": [
        { "type": "click", "name": name, "key": "MENU_NEWS" },
        { "name": "更多", "sub_button": [
            { "type": "view", "name": "官网", "url": "https://example.com" },
            { "type": "miniprogram", "name": "小程序", "url": "https://example.com", "appid": "wx0123456789abcdef", "pagepath": "pages/index" }
        ] }
    ] })
}

async fn gateway(wechat: &MockServer) -> TestGateway {
    mount_token(wechat, "TOKEN_A").await;
    start_with(
        &api_config(&wechat.uri(), "http://127.0.0.1:9/", ""),
        vec![],
    )
    .await
}

#[actix_web::test]
async fn admin_is_404_everywhere_without_a_token() {
    let gw = start().await; // config_text has no [admin]
    for (method, path) in [
        (Method::GET, "/admin/accounts/demo/menu"),
        (Method::PUT, "/admin/accounts/demo/menu"),
        (Method::GET, "/admin/accounts/demo/qrcodes"),
        (Method::GET, "/admin/anything"),
    ] {
        let response = admin(&gw, method.clone(), path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{method} {path}");
    }
}

#[actix_web::test]
async fn bearer_token_is_checked_before_the_account() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    let url = gw.url("/admin/accounts/nobody/menu");
    let none = gw.client.get(&url).send().await.unwrap();
    assert_eq!(none.status().as_u16(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    for value in [
        "Bearer wrong",
        "Basic dGVzdA==",
        ADMIN,
        "Bearer",
        &format!("Bearer {ADMIN}x"),
    ] {
        let response = gw
            .client
            .get(&url)
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{value}");
    }
    let lower = gw
        .client
        .get(&url)
        .header("authorization", format!("bearer {ADMIN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        lower.status().as_u16(),
        404,
        "scheme is case-insensitive; then the account is unknown"
    );
}

#[actix_web::test]
async fn every_admin_answer_comes_after_the_token_check() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    for (method, path) in [
        (
            Method::POST,
            "/admin/accounts/demo/menu/versions/abc/publish",
        ),
        (
            Method::POST,
            "/admin/accounts/demo/menu/versions/99999999999999999999/publish",
        ),
        (
            Method::POST,
            "/admin/accounts/nobody/menu/versions/1/publish",
        ),
        (Method::GET, "/admin/accounts/demo/nothing-here"),
        (Method::PATCH, "/admin/accounts/demo/menu"),
        (Method::GET, "/admin/accounts"),
        (Method::GET, "/admin/accounts/"),
    ] {
        let url = gw.url(path);
        let anonymous = gw
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401, "{method} {path}");
        let authorized = admin(&gw, method.clone(), path).send().await.unwrap();
        assert_eq!(authorized.status().as_u16(), 404, "{method} {path}");
        let body: Value = authorized.json().await.unwrap();
        assert!(body["error"].is_string(), "{method} {path}: {body}");
    }
    assert!(wechat.received_requests().await.unwrap().is_empty());
}

#[actix_web::test]
async fn menu_lifecycle_put_get_versions_delete_and_republish() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .and(query_param("access_token", "TOKEN_A"))
        .and(body_json(menu("新闻")))
        .respond_with(ok())
        .expect(2)
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .and(body_json(menu("News")))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/menu/delete"))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;

    let missing = admin(&gw, Method::GET, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    let put = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&menu("新闻"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let put: Value = put.json().await.unwrap();
    assert_eq!(put["version"], 1);
    assert!(put["published_at"].is_i64(), "{put}");

    let put2 = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&menu("News"))
        .send()
        .await
        .unwrap();
    assert_eq!(put2.status().as_u16(), 200);

    let current: Value = admin(&gw, Method::GET, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], 2);
    assert_eq!(current["menu"], menu("News"));

    let deleted = admin(&gw, Method::DELETE, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 200);
    let gone = admin(&gw, Method::GET, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404, "GET after DELETE");

    let versions: Value = admin(&gw, Method::GET, "/admin/accounts/demo/menu/versions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = versions["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "versions are kept");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[1]["version"], 2);

    // Roll back to version 1.
    let republished = admin(
        &gw,
        Method::POST,
        "/admin/accounts/demo/menu/versions/1/publish",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(republished.status().as_u16(), 200);
    let current: Value = admin(&gw, Method::GET, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], 1);
    assert_eq!(current["menu"], menu("新闻"));

    let unknown = admin(
        &gw,
        Method::POST,
        "/admin/accounts/demo/menu/versions/9/publish",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let other_account = admin(&gw, Method::GET, "/admin/accounts/safe/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_account.status().as_u16(),
        404,
        "versions are per account"
    );
}

#[actix_web::test]
async fn invalid_menus_are_422_with_every_path_and_bad_json_is_400() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .expect(0)
        .mount(&wechat)
        .await;

    let too_many = json!({ "button": [
        { "type": "click", "name": "a", "key": "A" },
        { "name": "b", "sub_button": [
            { "type": "click", "name": "1", "key": "1" }, { "type": "click", "name": "2", "key": "2" },
            { "type": "click", "name": "3", "key": "3" }, { "type": "click", "name": "4", "key": "4" },
            { "type": "click", "name": "5", "key": "5" }, { "type": "click", "name": "6", "key": "6" }
        ] },
        { "type": "click", "name": "这个名字太长了啊", "key": "C" },
        { "type": "click", "name": "d" }
    ] });
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&too_many)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().await.unwrap();
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for expected in [
        "button[1].sub_button[5]",
        "button[2].name",
        "button[3]",
        "button[3].key",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }

    let unknown_type = json!({ "button": [ { "type": "clik", "name": "a", "key": "A" } ] });
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&unknown_type)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        422,
        "an unknown type is a validation error"
    );

    for body in [
        r#"{"button": ["#,
        r#"{"button": [], "colour": "red"}"#,
        r#"{"button": {}}"#,
    ] {
        let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let text: Value = response.json().await.unwrap();
        assert!(text["error"].as_str().is_some_and(|e| !e.is_empty()));
    }

    let huge = format!(r#"{{"button": [], "x": "{}"}}"#, "a".repeat(1 << 20));
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    let versions: Value = admin(&gw, Method::GET, "/admin/accounts/demo/menu/versions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        versions["versions"],
        json!([]),
        "nothing stored for refused requests"
    );
}

#[actix_web::test]
async fn wechat_refusal_is_502_and_the_version_stays_unpublished() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40018, "errmsg": "invalid button name size" })),
        )
        .mount(&wechat)
        .await;
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&menu("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errcode"], 40018);
    assert_eq!(body["errmsg"], "invalid button name size");
    assert_eq!(body["version"], 1);

    let versions: Value = admin(&gw, Method::GET, "/admin/accounts/demo/menu/versions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v1 = &versions["versions"][0];
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["published_at"], Value::Null);
    assert!(v1["publish_error"].as_str().unwrap().contains("40018"));
    let current = admin(&gw, Method::GET, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(current.status().as_u16(), 404);
}

#[actix_web::test]
async fn expired_token_is_refreshed_once_and_the_call_retried() {
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(json!({ "force_refresh": false })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "OLD", "expires_in": 7200 })),
        )
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(json!({ "force_refresh": true })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "NEW", "expires_in": 7200 })),
        )
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(path("/cgi-bin/menu/create"))
        .and(query_param("access_token", "OLD"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40001, "errmsg": "invalid credential" })),
        )
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(path("/cgi-bin/menu/create"))
        .and(query_param("access_token", "NEW"))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let gw = start_with(
        &api_config(&wechat.uri(), "http://127.0.0.1:9/", ""),
        vec![],
    )
    .await;
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&menu("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[actix_web::test]
async fn wechat_unreachable_is_502_or_504_and_no_secret_is_422() {
    let gw = start_with(
        &api_config("http://127.0.0.1:9", "http://127.0.0.1:9/", ""),
        vec![],
    )
    .await;
    let response = admin(&gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(&menu("x"))
        .send()
        .await
        .unwrap();
    assert!([502, 504].contains(&response.status().as_u16()));
    let body = response.text().await.unwrap();
    assert!(!body.contains("app-secret"), "{body}");

    let response = admin(&gw, Method::PUT, "/admin/accounts/nosecret/menu")
        .json(&menu("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.unwrap().contains("secret"));
    let response = admin(&gw, Method::POST, "/admin/accounts/nosecret/qrcodes")
        .json(&json!({ "scene": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
}

#[actix_web::test]
async fn qrcodes_use_the_right_action_and_validate_locally() {
    let wechat = MockServer::start().await;
    let gw = gateway(&wechat).await;
    for (action, scene) in [
        ("QR_SCENE", json!({ "scene_id": 42 })),
        ("QR_STR_SCENE", json!({ "scene_str": "007" })),
        ("QR_LIMIT_SCENE", json!({ "scene_id": 100000 })),
        ("QR_LIMIT_STR_SCENE", json!({ "scene_str": "promo" })),
    ] {
        Mock::given(method("POST"))
            .and(path("/cgi-bin/qrcode/create"))
            .and(body_partial_json(json!({ "action_name": action, "action_info": { "scene": scene } })))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "ticket": format!("gQ+{action}/="), "expire_seconds": 2592000, "url": format!("http://weixin.qq.com/q/{action}")
            })))
            .expect(1)
            .mount(&wechat)
            .await;
    }
    let create = |body: Value| {
        admin(&gw, Method::POST, "/admin/accounts/demo/qrcodes")
            .json(&body)
            .send()
    };

    let temp = create(json!({ "scene": 42 })).await.unwrap();
    assert_eq!(temp.status().as_u16(), 201);
    let temp: Value = temp.json().await.unwrap();
    assert_eq!(temp["scene"], 42);
    assert_eq!(temp["permanent"], false);
    assert_eq!(temp["ticket"], "gQ+QR_SCENE/=");
    assert_eq!(
        temp["image_url"],
        "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQ%2BQR_SCENE%2F%3D"
    );
    assert!(temp["expires_at"].as_i64().unwrap() > now() as i64 + 2_500_000);

    let string_scene: Value = create(json!({ "scene": "007", "expire_seconds": 600 }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        string_scene["scene"], "007",
        "a JSON string stays a string scene"
    );
    let permanent: Value = create(json!({ "scene": 100000, "permanent": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(permanent["expires_at"], Value::Null);
    let promo = create(json!({ "scene": "promo", "permanent": true }))
        .await
        .unwrap();
    assert_eq!(promo.status().as_u16(), 201);

    for bad in [
        json!({ "scene": 0, "permanent": true }),
        json!({ "scene": 100001, "permanent": true }),
        json!({ "scene": "" }),
        json!({ "scene": "x".repeat(65) }),
        json!({ "scene": 1, "permanent": true, "expire_seconds": 60 }),
        json!({ "scene": 1, "expire_seconds": 2592001 }),
    ] {
        let response = create(bad.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), 422, "{bad}");
    }
    for bad in [
        json!({ "scene": 1.5 }),
        json!({ "scene": 1, "colour": "red" }),
        json!({}),
    ] {
        let response = create(bad.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{bad}");
    }

    let list: Value = admin(&gw, Method::GET, "/admin/accounts/demo/qrcodes")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes = list["qrcodes"].as_array().unwrap();
    assert_eq!(codes.len(), 4);
    assert!(
        codes
            .iter()
            .all(|c| c["scans"] == 0 && c["subscribes"] == 0)
    );
}

#[actix_web::test]
async fn qr_scans_and_subscribes_are_counted_from_callbacks_and_survive_a_restart() {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(path("/cgi-bin/qrcode/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "ticket": "T", "expire_seconds": 60, "url": "http://weixin.qq.com/q/T" }),
        ))
        .mount(&wechat)
        .await;
    let (storage, _dir) = temp_storage();
    let config = format!(
        "{storage}{}",
        api_config(&wechat.uri(), "http://127.0.0.1:9/", "")
    );
    let gw = start_with(&config, vec![]).await;
    let created = admin(&gw, Method::POST, "/admin/accounts/demo/qrcodes")
        .json(&json!({ "scene": 42 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    let t = now();
    let subscribe = event_xml("o_qr1", t, "subscribe", "qrscene_42")
        .replace("</xml>", "<Ticket>T</Ticket></xml>");
    assert_eq!(gw.post_plain("demo", &subscribe).await.0, 200);
    assert_eq!(
        gw.post_plain("demo", &subscribe).await.0,
        200,
        "a retry counts once"
    );
    assert_eq!(
        gw.post_plain("demo", &event_xml("o_qr2", t, "SCAN", "42"))
            .await
            .0,
        200
    );
    assert_eq!(
        gw.post_plain("demo", &event_xml("o_qr3", t, "SCAN", "42"))
            .await
            .0,
        200
    );
    assert_eq!(
        gw.post_plain("demo", &event_xml("o_qr4", t, "subscribe", ""))
            .await
            .0,
        200,
        "not through a code"
    );

    let counted = eventually(std::time::Duration::from_secs(10), || async {
        let list: Value = admin(&gw, Method::GET, "/admin/accounts/demo/qrcodes")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["qrcodes"][0]["scans"] == 2 && list["qrcodes"][0]["subscribes"] == 1
    })
    .await;
    assert!(counted, "counts flushed within 10 s");

    // Counted after the last flush: written at graceful shutdown.
    assert_eq!(
        gw.post_plain("demo", &event_xml("o_qr5", t, "SCAN", "42"))
            .await
            .0,
        200
    );
    gw.stop().await;
    let gw = start_with(&config, vec![]).await;
    let list: Value = admin(&gw, Method::GET, "/admin/accounts/demo/qrcodes")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["qrcodes"][0]["scans"], 3);
    assert_eq!(list["qrcodes"][0]["subscribes"], 1);
}
