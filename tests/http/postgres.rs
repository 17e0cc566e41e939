//! Two gateway instances sharing one PostgreSQL database (on the tests' own throwaway server):
//! a menu published on one is current on the other at once, concurrent PUTs on both get
//! versions 1..N without gaps, and QR scans counted on either add up in one list.

#[path = "../support/postgres.rs"]
mod server;

use std::time::Duration;

use futures_util::future::{join, join_all};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" }))
}

fn menu(name: &str) -> Value {
    json!({ "button": [ { "type": "click", "name": name, "key": "MENU_NEWS" } ] })
}

/// The API test config on a new PostgreSQL database.
fn shared_config(wechat: &MockServer) -> String {
    format!(
        "[storage]\ndatabase = \"{}\"\n{}",
        server::fresh_database_url(),
        api_config(&wechat.uri(), "http://127.0.0.1:9/", "")
    )
}

/// Two gateways started at once on one new database (both migrate it at start).
async fn two_gateways(wechat: &MockServer) -> (TestGateway, TestGateway, String) {
    mount_token(wechat, "TOKEN_A").await;
    let config = shared_config(wechat);
    let (one, two) = join(start_with(&config, vec![]), start_with(&config, vec![])).await;
    (one, two, config)
}

async fn get_json(gw: &TestGateway, path: &str) -> (u16, Value) {
    let response = admin(gw, Method::GET, path).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put_menu(gw: &TestGateway, menu: &Value) -> Value {
    let response = admin(gw, Method::PUT, "/admin/accounts/demo/menu")
        .json(menu)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn version_numbers(versions: &Value) -> Vec<i64> {
    versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_menu_published_on_one_instance_is_current_on_the_other() {
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .expect(3)
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/menu/delete"))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let (one, two, _) = two_gateways(&wechat).await;

    assert_eq!(put_menu(&one, &menu("first")).await["version"], 1);
    let (status, current) = get_json(&two, "/admin/accounts/demo/menu").await;
    assert_eq!(status, 200, "{current}");
    assert_eq!(current["version"], 1);
    assert_eq!(current["menu"], menu("first"));

    assert_eq!(put_menu(&two, &menu("second")).await["version"], 2);
    let (_, current) = get_json(&one, "/admin/accounts/demo/menu").await;
    assert_eq!(current["version"], 2);
    assert_eq!(current["menu"], menu("second"));

    // Roll back on one, read on the other.
    let republished = admin(
        &one,
        Method::POST,
        "/admin/accounts/demo/menu/versions/1/publish",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(republished.status().as_u16(), 200);
    let (_, current) = get_json(&two, "/admin/accounts/demo/menu").await;
    assert_eq!(current["version"], 1);

    // Delete on the other, and the first sees no menu.
    let deleted = admin(&two, Method::DELETE, "/admin/accounts/demo/menu")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 200);
    let (status, _) = get_json(&one, "/admin/accounts/demo/menu").await;
    assert_eq!(status, 404, "deleted on the other instance");
    let (_, versions) = get_json(&one, "/admin/accounts/demo/menu/versions").await;
    assert_eq!(version_numbers(&versions), [1, 2]);
}

#[actix_web::test]
async fn concurrent_puts_on_both_instances_get_every_version_once() {
    const PUTS: i64 = 12;
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .expect(PUTS as u64)
        .mount(&wechat)
        .await;
    let (one, two, _) = two_gateways(&wechat).await;

    let puts = (0..PUTS).map(|i| {
        let gw = if i % 2 == 0 { &one } else { &two };
        let body = menu(&format!("m{i}"));
        async move { put_menu(gw, &body).await["version"].as_i64().unwrap() }
    });
    let mut versions = join_all(puts).await;
    versions.sort_unstable();
    assert_eq!(versions, (1..=PUTS).collect::<Vec<_>>());

    for gw in [&one, &two] {
        let (_, listed) = get_json(gw, "/admin/accounts/demo/menu/versions").await;
        assert_eq!(version_numbers(&listed), (1..=PUTS).collect::<Vec<_>>());
        let current: Vec<_> = listed["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["current"] == true)
            .collect();
        assert_eq!(current.len(), 1, "one current version");
    }
    let (_, on_one) = get_json(&one, "/admin/accounts/demo/menu").await;
    let (_, on_two) = get_json(&two, "/admin/accounts/demo/menu").await;
    assert_eq!(on_one["version"], on_two["version"]);
}

#[actix_web::test]
async fn qr_scans_on_both_instances_add_up_in_one_list() {
    let wechat = MockServer::start().await;
    Mock::given(path("/cgi-bin/qrcode/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "ticket": "T", "expire_seconds": 60, "url": "http://weixin.qq.com/q/T" }),
        ))
        .mount(&wechat)
        .await;
    let (one, two, config) = two_gateways(&wechat).await;

    for (gw, scene) in [(&one, json!(42)), (&two, json!("promo"))] {
        let created = admin(gw, Method::POST, "/admin/accounts/demo/qrcodes")
            .json(&json!({ "scene": scene }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
    }

    let t = now();
    let subscribe = |user: &str, key: &str| {
        event_xml(user, t, "subscribe", key).replace("</xml>", "<Ticket>T</Ticket></xml>")
    };
    let pushes = [
        (&one, event_xml("o_1", t, "SCAN", "42")),
        (&one, subscribe("o_2", "qrscene_42")),
        (&one, event_xml("o_3", t, "SCAN", "promo")),
        (&two, event_xml("o_4", t, "SCAN", "42")),
        (&two, event_xml("o_5", t, "SCAN", "42")),
        (&two, subscribe("o_6", "qrscene_42")),
        (&two, subscribe("o_7", "qrscene_promo")),
    ];
    for (gw, xml) in &pushes {
        assert_eq!(gw.post_plain("demo", xml).await.0, 200);
    }

    let expected = [("42", 3, 2), ("promo", 1, 1)];
    for gw in [&one, &two] {
        let counted = eventually(Duration::from_secs(15), || async {
            counts(gw).await == expected.map(|(s, a, b)| (s.to_owned(), a, b))
        })
        .await;
        assert!(
            counted,
            "counts from both instances: {:?}",
            counts(gw).await
        );
    }

    // Counted after the last flush: both write them at graceful shutdown.
    assert_eq!(
        one.post_plain("demo", &event_xml("o_8", t, "SCAN", "42"))
            .await
            .0,
        200
    );
    assert_eq!(
        two.post_plain("demo", &event_xml("o_9", t, "SCAN", "promo"))
            .await
            .0,
        200
    );
    one.stop().await;
    two.stop().await;
    let three = start_with(&config, vec![]).await;
    assert_eq!(
        counts(&three).await,
        [("42".to_owned(), 4, 2), ("promo".to_owned(), 2, 1)]
    );
}

/// `(scene, scans, subscribes)` of every QR code of `demo`, in list order.
async fn counts(gw: &TestGateway) -> Vec<(String, i64, i64)> {
    let (_, list) = get_json(gw, "/admin/accounts/demo/qrcodes").await;
    list["qrcodes"]
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .map(|c| {
                    let scene = match &c["scene"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (
                        scene,
                        c["scans"].as_i64().unwrap_or(-1),
                        c["subscribes"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
