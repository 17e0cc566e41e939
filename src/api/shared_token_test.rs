//! Shared access tokens against a real redis-server and a mock WeChat API: two `WeChatApi`s
//! with their own `Redis` handles stand for two gateway processes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::api::test_support::{
    APPID, TOKEN1, TOKEN2, api_call, config, refusal, stable_token_request, token_answer,
    token_request,
};
use crate::api::{TokenSource, WeChatApi};
use crate::cluster::Redis;
use crate::cluster::redis_server::RedisServer;
use crate::cluster::tokens::SharedTokens;
use crate::config::RedisConfig;
use crate::metrics::Metrics;

const MENU: &str = "/cgi-bin/menu/get";
const PREFIX: &str = "test:";

fn token_key() -> String {
    format!("{PREFIX}token:{APPID}")
}

fn lock_key() -> String {
    format!("{PREFIX}token-lock:{APPID}")
}

/// One gateway process: its own Redis handle (answering, as after the start-up probe) and
/// its own metrics.
struct Instance {
    api: WeChatApi,
    redis: Redis,
    metrics: Arc<Metrics>,
}

async fn instance_with(
    wechat: &MockServer,
    server: &RedisServer,
    token_source: TokenSource,
    timeout_ms: u64,
    lock_ttl: Duration,
) -> Instance {
    let metrics = Arc::new(Metrics::new([]));
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: PREFIX.to_owned(),
            timeout_ms,
        },
        metrics.clone(),
    )
    .unwrap();
    assert!(redis.probe().await, "redis-server answers");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tokens = SharedTokens::with_lock_ttl(redis.clone(), lock_ttl);
    let api = WeChatApi::with_tokens(http, config(&wechat.uri(), token_source), Some(&tokens));
    Instance {
        api,
        redis,
        metrics,
    }
}

async fn instance(wechat: &MockServer, server: &RedisServer) -> Instance {
    instance_with(
        wechat,
        server,
        TokenSource::StableToken,
        1000,
        Duration::from_secs(30),
    )
    .await
}

/// Probes until `redis` answers (a restarted server needs a reconnect), within 5 s.
async fn reconnect(redis: &Redis) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !redis.probe().await {
        assert!(Instant::now() < deadline, "Redis answers again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn menu_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "menu": { "button": [] } }))
}

/// The integer of a RESP integer answer (`:123\r\n`).
fn integer(answer: &str) -> i64 {
    answer
        .strip_prefix(':')
        .and_then(|rest| rest.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("not an integer answer: {answer:?}"))
}

/// The shared token, as Redis holds it.
fn stored_token(server: &RedisServer) -> Option<String> {
    let answer = server.command(&["HGET", &token_key(), "token"]);
    if answer.starts_with("$-1") {
        return None;
    }
    answer.lines().nth(1).map(str::to_owned)
}

async fn fifty_callers_on_two_instances(token_source: TokenSource) {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    token_request(token_source)
        .respond_with(token_answer(TOKEN1, 7200).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance_with(
        &wechat,
        &server,
        token_source,
        1000,
        Duration::from_secs(30),
    )
    .await;
    let b = instance_with(
        &wechat,
        &server,
        token_source,
        1000,
        Duration::from_secs(30),
    )
    .await;

    let callers: Vec<_> = (0..50)
        .map(|i| {
            let api = if i % 2 == 0 { &a.api } else { &b.api }.clone();
            tokio::spawn(async move { api.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), TOKEN1);
    }
    wechat.verify().await;
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN1));
    assert_eq!(
        integer(&server.command(&["EXISTS", &lock_key()])),
        0,
        "the lock is released after the fetch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_callers_on_two_instances_cause_one_stable_token_fetch() {
    fifty_callers_on_two_instances(TokenSource::StableToken).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_callers_on_two_instances_cause_one_client_credential_fetch() {
    fifty_callers_on_two_instances(TokenSource::ClientCredential).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_token_expires_with_itself_and_the_lock_within_30_seconds() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200).set_delay(Duration::from_millis(800)))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;

    let fetching = tokio::spawn({
        let api = a.api.clone();
        async move { api.access_token().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lock_ttl = integer(&server.command(&["PTTL", &lock_key()]));
    assert!(
        (28_000..=30_000).contains(&lock_ttl),
        "lock PTTL {lock_ttl} during the fetch"
    );
    assert_eq!(fetching.await.unwrap().unwrap(), TOKEN1);

    let token_ttl = integer(&server.command(&["PTTL", &token_key()]));
    assert!(
        (7_190_000..=7_200_000).contains(&token_ttl),
        "token PTTL {token_ttl}"
    );
    let answer = server.command(&["HGET", &token_key(), "expires_at_ms"]);
    let expires_at: u64 = answer.lines().nth(1).unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        expires_at > now + 7_180_000 && expires_at <= now + 7_200_000,
        "expires_at_ms {expires_at} vs now {now}"
    );
    let answer = server.command(&["HGET", &token_key(), "lifetime_ms"]);
    assert!(answer.contains("7200000"), "{answer}");
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_rejected_on_both_instances_at_once_is_refreshed_once() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(40001, "invalid credential").set_delay(Duration::from_millis(200)))
        .expect(2)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(2)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);

    let (first, second) = tokio::join!(a.api.get_menu(), b.api.get_menu());
    first.unwrap();
    second.unwrap();
    wechat.verify().await;
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));
    assert_eq!(
        integer(&server.command(&["EXISTS", &format!("{PREFIX}token-retired:{APPID}")])),
        0,
        "storing the new token clears the retired marker"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_that_held_the_retired_token_uses_it_once_and_does_not_fetch() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(42001, "access_token expired"))
        .expect(2)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(2)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);

    // A is rejected, retires TOKEN1 and fetches TOKEN2; B still holds TOKEN1.
    a.api.get_menu().await.unwrap();
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));
    // B's retire finds TOKEN2 in Redis and leaves it; B takes it instead of fetching.
    b.api.get_menu().await.unwrap();
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expiring_token_is_refreshed_once_while_the_others_keep_using_it() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    // 299 s is inside the 300 s refresh lead at once, but valid.
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 299))
        .up_to_n_times(1)
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN2, 7200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);

    let refreshing = tokio::spawn({
        let api = a.api.clone();
        async move { api.access_token().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        integer(&server.command(&["EXISTS", &lock_key()])),
        1,
        "A holds the lock while it refreshes"
    );
    // Meanwhile B and A's other callers answer at once with the still-valid token.
    let callers: Vec<_> = (0..20)
        .map(|i| {
            let api = if i % 2 == 0 { &a.api } else { &b.api }.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let token = api.access_token().await;
                (token, started.elapsed())
            })
        })
        .collect();
    let started = Instant::now();
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);
    assert!(started.elapsed() < Duration::from_secs(1));
    for caller in callers {
        let (token, elapsed) = caller.await.unwrap();
        let token = token.unwrap();
        // A's own callers wait for A's flight (TOKEN2); B's use TOKEN1 without waiting.
        assert!(token == TOKEN1 || token == TOKEN2, "{token}");
        if token == TOKEN1 {
            assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
        }
    }

    assert_eq!(refreshing.await.unwrap().unwrap(), TOKEN2);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN2);
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_lock_holder_is_taken_over_when_its_lock_expires() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    let lock_ttl = Duration::from_secs(2);
    let a = instance_with(&wechat, &server, TokenSource::StableToken, 1000, lock_ttl).await;
    let b = instance_with(&wechat, &server, TokenSource::StableToken, 1000, lock_ttl).await;
    // An instance took the lock and died: no token, the lock lives on for 2 s.
    assert!(
        server
            .command(&["SET", &lock_key(), "dead-instance", "PX", "2000"])
            .starts_with("+OK")
    );

    let started = Instant::now();
    let (first, second) = tokio::join!(a.api.access_token(), b.api.access_token());
    let elapsed = started.elapsed();
    assert_eq!(first.unwrap(), TOKEN1);
    assert_eq!(second.unwrap(), TOKEN1);
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(5),
        "took {elapsed:?}"
    );
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_stopped_each_instance_fetches_and_after_a_restart_they_share_without_fetching()
{
    let mut server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .up_to_n_times(1)
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    let probers = [a.redis.spawn_prober(), b.redis.spawn_prober()];

    server.stop();
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);
    assert!(!a.redis.is_up() && !b.redis.is_up());
    assert!(
        a.metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"token_read\"} 1"),
        "{}",
        a.metrics.render()
    );
    // While Redis is down, the local tokens serve.
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(a.redis.is_up() && b.redis.is_up()) {
        assert!(Instant::now() < deadline, "the probers mark Redis up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Redis is empty: A stores its own token; B then takes A's. Nobody fetches.
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN1));
    let ttl = integer(&server.command(&["PTTL", &token_key()]));
    assert!((7_100_000..=7_200_000).contains(&ttl), "PTTL {ttl}");
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);
    wechat.verify().await;
    for prober in probers {
        prober.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_an_outage_an_instance_adopts_the_stored_token_without_fetching() {
    let mut server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .up_to_n_times(1)
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    let b = instance(&wechat, &server).await;
    let prober = b.redis.spawn_prober();

    // B alone loses Redis and fetches its own token.
    server.stop();
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);
    server.restart();
    // A fetches with Redis: TOKEN2 is the shared token.
    reconnect(&a.redis).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN2);
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));

    let deadline = Instant::now() + Duration::from_secs(5);
    while !b.redis.is_up() {
        assert!(Instant::now() < deadline, "the prober marks Redis up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));
    wechat.verify().await;
    prober.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_redis_costs_one_timeout_then_instances_fetch_their_own() {
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    let fetch_time = Duration::from_millis(200);
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200).set_delay(fetch_time))
        .up_to_n_times(1)
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN2, 7200).set_delay(fetch_time))
        .expect(1)
        .mount(&wechat)
        .await;
    let timeout = Duration::from_millis(300);
    let a = instance_with(
        &wechat,
        &server,
        TokenSource::StableToken,
        300,
        Duration::from_secs(30),
    )
    .await;
    let b = instance_with(
        &wechat,
        &server,
        TokenSource::StableToken,
        300,
        Duration::from_secs(30),
    )
    .await;

    server.freeze();
    let started = Instant::now();
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    let elapsed = started.elapsed();
    // Margin for a busy machine; a wait for Redis to thaw would take seconds.
    let bound = timeout + fetch_time + Duration::from_millis(600);
    assert!(elapsed < bound, "{elapsed:?}");

    let started = Instant::now();
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let api = b.api.clone();
            tokio::spawn(async move { api.access_token().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), TOKEN2);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < bound, "{elapsed:?}");
    assert!(!a.redis.is_up() && !b.redis.is_up());
    assert!(
        b.metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"token_read\"} 1")
    );

    // Thawed (and probed), Redis is empty: A shares its token and B takes it, without a fetch.
    server.thaw();
    reconnect(&a.redis).await;
    reconnect(&b.redis).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN1));
    wechat.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rejected_token_left_in_redis_is_not_taken_back() {
    // B was cut off when WeChat rejected its token, so the retire never reached Redis; when
    // Redis answers again with the rejected token still in it, B retires it and fetches
    // (forced) rather than use it again.
    let server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(40014, "invalid access_token"))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(1)
        .mount(&wechat)
        .await;
    let b = instance_with(
        &wechat,
        &server,
        TokenSource::StableToken,
        300,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN1);

    server.freeze();
    // The retire times out; the forced fetch is local.
    b.api.get_menu().await.unwrap();
    assert!(!b.redis.is_up());
    server.thaw();
    reconnect(&b.redis).await;
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN1));

    // B's own TOKEN2 replaces the rejected TOKEN1 in Redis, without another fetch.
    assert_eq!(b.api.access_token().await.unwrap(), TOKEN2);
    assert_eq!(stored_token(&server).as_deref(), Some(TOKEN2));
    wechat.verify().await;
}

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_fallback_is_logged_without_tokens_or_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut server = RedisServer::start();
    let wechat = MockServer::start().await;
    stable_token_request(false)
        .respond_with(token_answer(TOKEN1, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    stable_token_request(true)
        .respond_with(token_answer(TOKEN2, 7200))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN1)
        .respond_with(refusal(40001, "invalid credential"))
        .expect(1)
        .mount(&wechat)
        .await;
    api_call("GET", MENU, TOKEN2)
        .respond_with(menu_answer())
        .expect(1)
        .mount(&wechat)
        .await;
    let a = instance(&wechat, &server).await;
    server.stop();
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN1);
    a.api.get_menu().await.unwrap();
    server.restart();
    reconnect(&a.redis).await;
    assert_eq!(a.api.access_token().await.unwrap(), TOKEN2);
    wechat.verify().await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("Redis unavailable"), "{text}");
    assert!(text.contains("this instance fetches its own"), "{text}");
    for secret in [TOKEN1, TOKEN2, crate::api::test_support::SECRET] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the log:\n{text}"
        );
    }
}
