//! Two gateway instances sharing one Redis (`[dedup] backend = "redis"`): the once-per-push
//! contract holds across them, and survives Redis going away.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};
use wxgate::Gateway;

use crate::common::*;
use crate::redis_server::RedisServer;

fn shared(config: String, redis: &RedisServer) -> String {
    format!(
        "{}\n[redis]\nurl = \"{}\"\nkey_prefix = \"wxgate-test:\"\ntimeout_ms = 250\n",
        if config.contains("[dedup]") {
            config.replace("[dedup]\n", "[dedup]\nbackend = \"redis\"\n")
        } else {
            format!("{config}\n[dedup]\nbackend = \"redis\"\n")
        },
        redis.url()
    )
}

/// Two instances of `config`, whose counting plugins share one counter.
async fn two_instances(
    config: &str,
    delay: Duration,
) -> (TestGateway, TestGateway, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let mut instances = Vec::new();
    for _ in 0..2 {
        let counter = Counter {
            seen: seen.clone(),
            delay,
        };
        instances
            .push(start_with(config, vec![Box::new(move |g: Gateway| g.handler(counter))]).await);
    }
    let b = instances.pop().unwrap();
    let a = instances.pop().unwrap();
    (a, b, seen)
}

fn content(answer: &(u16, String)) -> Option<String> {
    xml_field(&answer.1, "Content")
}

async fn redis_up(gw: &TestGateway) -> bool {
    metric(&gw.metrics().await, "wxgate_redis_up") == 1.0
}

#[actix_web::test]
async fn the_same_push_on_two_instances_runs_once() {
    let redis = RedisServer::start();
    let config = shared(config_text(""), &redis);
    let (a, b, seen) = two_instances(&config, Duration::from_millis(300)).await;

    // Sequential: the retry on the other instance gets the reply byte for byte.
    let body = text_xml("o_seq", "count me", 40_001);
    let first = a.post_plain("demo", &body).await;
    let second = b.post_plain("demo", &body).await;
    let third = a.post_plain("demo", &body).await;
    assert_eq!(content(&first).as_deref(), Some("handled #1"));
    assert_eq!(first, second, "same bytes, CreateTime included");
    assert_eq!(first, third);
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // Concurrent: one run, every answer carries its reply.
    let body = text_xml("o_conc", "count me", 40_002);
    let answers = tokio::join!(
        a.post_plain("demo", &body),
        b.post_plain("demo", &body),
        a.post_plain("demo", &body),
        b.post_plain("demo", &body)
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert_eq!(content(&answers.0).as_deref(), Some("handled #2"));
    for other in [&answers.1, &answers.2, &answers.3] {
        assert_eq!(&answers.0, other);
    }
    let duplicates = metric(
        &a.metrics().await,
        r#"wxgate_duplicates_total{account="demo"}"#,
    ) + metric(
        &b.metrics().await,
        r#"wxgate_duplicates_total{account="demo"}"#,
    );
    assert_eq!(duplicates, 5.0);

    // Encrypted pushes too: the reply is sealed afresh for each answer.
    let (query, body) = encrypted_push(&text_xml("o_safe", "count me", 40_003), APPID);
    let on_a = a
        .post_raw(&a.url(&format!("/wx/safe?{query}")), body.clone())
        .await;
    let on_b = b.post_raw(&b.url(&format!("/wx/safe?{query}")), body).await;
    assert_eq!(open_reply(&on_a.1), open_reply(&on_b.1));
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

/// A mock WeChat that takes customer-service messages, and two instances of the API test
/// config sharing `redis`, whose handler takes 1.5 s (the deadline is 1 s).
async fn late_setup(
    redis: &RedisServer,
) -> (MockServer, TestGateway, TestGateway, Arc<AtomicUsize>) {
    let wechat = MockServer::start().await;
    mount_token(&wechat, "TOKEN_A").await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/custom/send"))
        .respond_with(ok())
        .mount(&wechat)
        .await;
    let config = shared(api_config(&wechat.uri(), "http://127.0.0.1:9/", ""), redis);
    let (a, b, seen) = two_instances(&config, Duration::from_millis(1500)).await;
    (wechat, a, b, seen)
}

#[actix_web::test]
async fn a_late_reply_goes_to_a_retry_waiting_on_either_instance_and_is_not_pushed() {
    let redis = RedisServer::start();
    let (wechat, a, b, seen) = late_setup(&redis).await;

    // WeChat's retry lands on the other instance, or on the same one, while the handler still
    // runs.
    for (msg_id, retried_on, n) in [(41_001, &b, 1), (41_002, &a, 2)] {
        let body = text_xml("o_late", "count me", msg_id);
        let started = Instant::now();
        let original = a.post_plain("demo", &body).await;
        assert_eq!(original, (200, "success".to_owned()), "deadline is 1000 ms");
        let retry = retried_on.post_plain("demo", &body).await;
        assert_eq!(content(&retry), Some(format!("handled #{n}")));
        assert!(started.elapsed() < Duration::from_millis(2500));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        custom_sends(&wechat).await.len(),
        0,
        "delivered once, passively"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_late_reply_nobody_waits_for_is_pushed_once_cluster_wide() {
    let redis = RedisServer::start();
    let (wechat, a, b, seen) = late_setup(&redis).await;

    let body = text_xml("o_push", "count me", 42_001);
    assert_eq!(a.post_plain("demo", &body).await.1, "success");
    assert!(
        eventually(Duration::from_secs(5), || async {
            custom_sends(&wechat).await.len() == 1
        })
        .await
    );
    // Retries on either instance must not deliver it again.
    assert_eq!(b.post_plain("demo", &body).await.1, "success");
    assert_eq!(a.post_plain("demo", &body).await.1, "success");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(custom_sends(&wechat).await.len(), 1);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

/// Sends a unique push to `gw` and checks it gets the handler's real reply within 2 s.
async fn answered_in_time(gw: &TestGateway, msg_id: u64) {
    let started = Instant::now();
    let answer = gw
        .post_plain("demo", &text_xml("o_down", "count me", msg_id))
        .await;
    let took = started.elapsed();
    assert_eq!(answer.0, 200);
    assert!(
        content(&answer).is_some_and(|c| c.starts_with("handled #")),
        "a real reply, not a bare success: {answer:?}"
    );
    assert!(took < Duration::from_secs(2), "answered in {took:?}");
}

/// Cross-instance dedup works (again): a push on `a`, its retry on `b`, one run.
async fn dedup_is_shared(a: &TestGateway, b: &TestGateway, seen: &AtomicUsize, msg_id: u64) {
    let before = seen.load(Ordering::SeqCst);
    let body = text_xml("o_back", "count me", msg_id);
    let first = a.post_plain("demo", &body).await;
    let retry = b.post_plain("demo", &body).await;
    assert_eq!(first, retry);
    assert_eq!(seen.load(Ordering::SeqCst), before + 1);
}

async fn redis_errors(gw: &TestGateway) -> f64 {
    let text = gw.metrics().await;
    ["claim", "poll", "complete", "ping"]
        .iter()
        .map(|op| metric(&text, &format!("wxgate_redis_errors_total{{op=\"{op}\"}}")))
        .sum()
}

#[actix_web::test]
async fn redis_stopped_mid_test_then_back() {
    let mut redis = RedisServer::start();
    let config = shared(config_text(""), &redis);
    let (a, b, seen) = two_instances(&config, Duration::ZERO).await;
    dedup_is_shared(&a, &b, &seen, 43_001).await;

    redis.stop();
    for (i, gw) in [&a, &b, &a, &b].into_iter().enumerate() {
        answered_in_time(gw, 43_100 + i as u64).await;
    }
    // Local dedup still holds on each instance.
    let body = text_xml("o_local", "count me", 43_200);
    let before = seen.load(Ordering::SeqCst);
    assert_eq!(
        a.post_plain("demo", &body).await,
        a.post_plain("demo", &body).await
    );
    assert_eq!(seen.load(Ordering::SeqCst), before + 1);
    assert_eq!(a.get("/healthz").await.0, 200);
    assert!(redis_errors(&a).await >= 1.0);
    assert!(redis_errors(&b).await >= 1.0);
    assert!(!redis_up(&a).await);

    redis.restart();
    let back = Instant::now();
    for gw in [&a, &b] {
        assert!(
            eventually(Duration::from_secs(10), || redis_up(gw)).await,
            "back within 10 s"
        );
    }
    assert!(back.elapsed() < Duration::from_secs(10));
    dedup_is_shared(&a, &b, &seen, 43_300).await;
}

#[actix_web::test]
async fn redis_frozen_mid_test_then_thawed() {
    let redis = RedisServer::start();
    let config = shared(config_text(""), &redis);
    let (a, b, seen) = two_instances(&config, Duration::ZERO).await;
    dedup_is_shared(&a, &b, &seen, 44_001).await;

    redis.freeze();
    for (i, gw) in [&a, &b, &a, &b].into_iter().enumerate() {
        answered_in_time(gw, 44_100 + i as u64).await;
    }
    assert!(redis_errors(&a).await >= 1.0);
    assert!(redis_errors(&b).await >= 1.0);
    assert_eq!(b.get("/healthz").await.0, 200);

    redis.thaw();
    for gw in [&a, &b] {
        assert!(
            eventually(Duration::from_secs(10), || redis_up(gw)).await,
            "back within 10 s of thawing"
        );
    }
    dedup_is_shared(&a, &b, &seen, 44_300).await;
}

#[actix_web::test]
async fn starts_while_redis_is_down_and_joins_when_it_comes_up() {
    let mut redis = RedisServer::start();
    let config = shared(config_text(""), &redis);
    redis.stop();
    let (a, b, seen) = two_instances(&config, Duration::ZERO).await;
    answered_in_time(&a, 45_001).await;
    answered_in_time(&b, 45_002).await;
    redis.restart();
    for gw in [&a, &b] {
        assert!(eventually(Duration::from_secs(10), || redis_up(gw)).await);
    }
    dedup_is_shared(&a, &b, &seen, 45_100).await;
}
