use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::query_param;
use wiremock::{MockBuilder, MockServer, ResponseTemplate};

use crate::api::test_support::{
    APPID, TOKEN1, TOKEN2, answer, api, api_call, config, mount_refresh, mount_token, refusal,
    stable_token_request, token_answer,
};
use crate::api::{ApiError, TokenSource, WeChatApi};
use crate::cluster::Redis;
use crate::cluster::redis_server::RedisServer;
use crate::cluster::tokens::SharedTokens;
use crate::config::RedisConfig;
use crate::metrics::Metrics;

/// The ticket of WeChat's JS-SDK documentation.
const TICKET1: &str =
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
const TICKET2: &str = "TICKET_TWO_bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ";
const GETTICKET: &str = "/cgi-bin/ticket/getticket";

/// `GET getticket?access_token=token&type=jsapi`.
fn ticket_request(token: &str) -> MockBuilder {
    api_call("GET", GETTICKET, token).and(query_param("type", "jsapi"))
}

/// WeChat's answer: `{"errcode": 0, "errmsg": "ok", "ticket", "expires_in"}`.
fn ticket_answer(ticket: &str, expires_in: u64) -> ResponseTemplate {
    answer(json!({
        "errcode": 0,
        "errmsg": "ok",
        "ticket": ticket,
        "expires_in": expires_in,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_cause_one_ticket_fetch() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);

    let callers: Vec<_> = (0..50)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.jsapi_ticket().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), TICKET1);
    }
    server.verify().await;
}

#[tokio::test]
async fn a_fresh_ticket_is_served_from_the_cache() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(
        api.clone().jsapi_ticket().await.unwrap(),
        TICKET1,
        "clones share the ticket"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_ticket_within_the_refresh_lead_is_fetched_again() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // 299 s is inside the 300 s lead: the next call fetches a new ticket.
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 299))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET2);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET2, "then cached");
    server.verify().await;
}

#[tokio::test]
async fn an_expired_ticket_is_fetched_again() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 1))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET2, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET2);
    server.verify().await;
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_still_valid_ticket() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    // Inside the lead at once, yet valid for 200 s.
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 200))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN1)
        .respond_with(refusal(-1, "system error"))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    server.verify().await;
}

async fn a_rejected_token_is_replaced_and_the_fetch_retried_once(errcode: i64) {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    ticket_request(TOKEN1)
        .respond_with(refusal(
            errcode,
            "invalid credential, access_token is invalid",
        ))
        .expect(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN2)
        .respond_with(ticket_answer(TICKET1, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(api.access_token().await.unwrap(), TOKEN2);
    server.verify().await;
}

#[tokio::test]
async fn errcode_40001_on_getticket_is_retried_once_with_a_new_token() {
    a_rejected_token_is_replaced_and_the_fetch_retried_once(40001).await;
}

#[tokio::test]
async fn errcode_42001_on_getticket_is_retried_once_with_a_new_token() {
    a_rejected_token_is_replaced_and_the_fetch_retried_once(42001).await;
}

#[tokio::test]
async fn a_second_rejection_is_returned_without_looping() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_refresh(&server).await;
    ticket_request(TOKEN1)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN2)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&server)
        .await;
    let error = api(&server, TokenSource::StableToken)
        .jsapi_ticket()
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40001));
    server.verify().await;
}

#[tokio::test]
async fn a_refusal_with_nothing_cached_is_an_error_and_is_retried_next_time() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    ticket_request(TOKEN1)
        .respond_with(refusal(45009, "reach max api daily quota limit"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    let error = api.jsapi_ticket().await.unwrap_err();
    assert_eq!(error.errcode(), Some(45009));
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    server.verify().await;
}

#[tokio::test]
async fn ticket_answers_without_a_ticket_are_bad_responses() {
    for body in [
        json!({ "errcode": 0, "errmsg": "ok", "expires_in": 7200 }),
        json!({ "errcode": 0, "errmsg": "ok", "ticket": "", "expires_in": 7200 }),
        json!({ "errcode": 0, "errmsg": "ok", "ticket": TICKET1 }),
        json!({ "errcode": 0, "errmsg": "ok", "ticket": TICKET1, "expires_in": 0 }),
    ] {
        let server = MockServer::start().await;
        mount_token(&server).await;
        ticket_request(TOKEN1)
            .respond_with(answer(body.clone()))
            .mount(&server)
            .await;
        let error = api(&server, TokenSource::StableToken)
            .jsapi_ticket()
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::BadResponse(_)), "{body}: {error}");
        let text = format!("{error} {error:?}");
        assert!(!text.contains(TICKET1), "{text}");
        assert!(!text.contains(TOKEN1), "{text}");
    }
}

#[tokio::test]
async fn the_ticket_and_the_access_token_are_cached_apart() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server, TokenSource::StableToken);
    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(api.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(api.access_token().await.unwrap(), TOKEN1);
    server.verify().await;
}

// Shared through Redis: two `WeChatApi`s with their own `Redis` handles stand for two gateway
// processes.

const PREFIX: &str = "test:";

async fn instance(wechat: &MockServer, server: &RedisServer) -> WeChatApi {
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: PREFIX.to_owned(),
            timeout_ms: 1000,
        },
        Arc::new(Metrics::new([])),
    )
    .unwrap();
    assert!(redis.probe().await, "redis-server answers");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tokens = SharedTokens::new(redis);
    WeChatApi::with_tokens(
        http,
        config(&wechat.uri(), TokenSource::StableToken),
        Some(&tokens),
    )
}

/// The field `field` of the hash `key`, as Redis holds it.
fn stored(server: &RedisServer, key: &str, field: &str) -> Option<String> {
    let answer = server.command(&["HGET", key, field]);
    if answer.starts_with("$-1") {
        return None;
    }
    answer.lines().nth(1).map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_callers_on_two_instances_sharing_redis_cause_one_ticket_fetch() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&wechat)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;

    let callers: Vec<_> = (0..50)
        .map(|i| {
            let api = if i % 2 == 0 { &a } else { &b }.clone();
            tokio::spawn(async move { api.jsapi_ticket().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), TICKET1);
    }
    // A third instance starting later takes both from Redis.
    let c = instance(&wechat, &server).await;
    assert_eq!(c.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(c.access_token().await.unwrap(), TOKEN1);
    wechat.verify().await;

    let ticket_key = format!("{PREFIX}jsapi-ticket:{APPID}");
    assert_eq!(
        stored(&server, &ticket_key, "token").as_deref(),
        Some(TICKET1)
    );
    assert_eq!(
        stored(&server, &format!("{PREFIX}token:{APPID}"), "token").as_deref(),
        Some(TOKEN1),
        "the access token keeps its own key"
    );
    let ttl = server.command(&["PTTL", &ticket_key]);
    let ttl: i64 = ttl.trim_start_matches(':').trim_end().parse().unwrap();
    assert!((7_190_000..=7_200_000).contains(&ttl), "ticket PTTL {ttl}");
    assert_eq!(
        server.command(&["EXISTS", &format!("{PREFIX}jsapi-ticket-lock:{APPID}")]),
        ":0\r\n",
        "the lock is released after the fetch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_refreshed_by_one_instance_serves_the_other() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    mount_token(&wechat).await;
    // Inside the lead: whoever asks next refreshes it, once for both.
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 299))
        .up_to_n_times(1)
        .expect(1)
        .mount(&wechat)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    assert_eq!(a.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(b.jsapi_ticket().await.unwrap(), TICKET2);
    assert_eq!(a.jsapi_ticket().await.unwrap(), TICKET2);
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_redis_each_instance_fetches_its_own_ticket() {
    let mut server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(2)
        .mount(&wechat)
        .await;
    ticket_request(TOKEN1)
        .respond_with(ticket_answer(TICKET1, 7200))
        .expect(2)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    server.stop();
    assert_eq!(a.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(b.jsapi_ticket().await.unwrap(), TICKET1);
    assert_eq!(a.jsapi_ticket().await.unwrap(), TICKET1, "then cached");
    wechat.verify().await;
}
