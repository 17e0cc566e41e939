//! Shared access tokens (`[tokens] backend = "redis"`): two gateway instances on one
//! redis-server and one WeChat API fetch each token once between them.

use std::time::Duration;

use crate::redis_server::RedisServer;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const TOKEN_A: &str = "SHARED_TOKEN_A_x8Jq2LmZ";
const TOKEN_B: &str = "SHARED_TOKEN_B_p3Rt7VnK";

/// A gateway of the API test config whose tokens live in `redis`.
async fn instance(wechat: &MockServer, redis: &RedisServer) -> TestGateway {
    let config = format!(
        "{}\n[tokens]\nbackend = \"redis\"\n\n[redis]\nurl = \"{}\"\nkey_prefix = \"wxgate-test:\"\ntimeout_ms = 1000\n",
        api_config(&wechat.uri(), "http://127.0.0.1:9/", ""),
        redis.url()
    );
    start_with(&config, vec![]).await
}

fn stable_token(force_refresh: bool) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(json!({ "force_refresh": force_refresh })))
}

fn token_answer(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "access_token": token, "expires_in": 7200 }))
}

fn qrcode_create(token: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/qrcode/create"))
        .and(query_param("access_token", token))
}

fn ticket() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({ "ticket": "gQ+T/=", "expire_seconds": 600, "url": "http://weixin.qq.com/q/T" }),
    )
}

async fn create_qrcode(gw: &TestGateway, scene: u64) -> u16 {
    admin(gw, Method::POST, "/admin/accounts/demo/qrcodes")
        .json(&json!({ "scene": scene, "expire_seconds": 600 }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn fifty_admin_calls_over_two_instances_fetch_one_token() {
    let redis = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token(false)
        .respond_with(token_answer(TOKEN_A).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&wechat)
        .await;
    qrcode_create(TOKEN_A)
        .respond_with(ticket())
        .expect(50)
        .mount(&wechat)
        .await;
    let first = instance(&wechat, &redis).await;
    let second = instance(&wechat, &redis).await;

    let calls = (0..50u64).map(|i| {
        let gw = if i % 2 == 0 { &first } else { &second };
        create_qrcode(gw, i + 1)
    });
    for status in join_all(calls).await {
        assert_eq!(status, 201);
    }
    wechat.verify().await;
    let stored = redis.command(&["HGET", &format!("wxgate-test:token:{APPID}"), "token"]);
    assert!(stored.contains(TOKEN_A), "{stored}");
}

#[actix_web::test]
async fn a_token_rejected_by_both_instances_at_once_is_refreshed_once() {
    let redis = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token(false)
        .respond_with(token_answer(TOKEN_A))
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token(true)
        .respond_with(token_answer(TOKEN_B).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&wechat)
        .await;
    // Mounted first: the two warm-up calls succeed with TOKEN_A, the next two are refused.
    qrcode_create(TOKEN_A)
        .respond_with(ticket())
        .up_to_n_times(2)
        .expect(2)
        .mount(&wechat)
        .await;
    qrcode_create(TOKEN_A)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40001, "errmsg": "invalid credential" }))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(2)
        .mount(&wechat)
        .await;
    qrcode_create(TOKEN_B)
        .respond_with(ticket())
        .expect(2)
        .mount(&wechat)
        .await;
    let first = instance(&wechat, &redis).await;
    let second = instance(&wechat, &redis).await;
    // Both hold TOKEN_A: the first fetched it, the second took it from Redis.
    assert_eq!(create_qrcode(&first, 1).await, 201);
    assert_eq!(create_qrcode(&second, 2).await, 201);

    let (a, b) = tokio::join!(create_qrcode(&first, 3), create_qrcode(&second, 4));
    assert_eq!((a, b), (201, 201));
    wechat.verify().await;
    let stored = redis.command(&["HGET", &format!("wxgate-test:token:{APPID}"), "token"]);
    assert!(stored.contains(TOKEN_B), "{stored}");
}
