//! The Redis side of shared send rates, against a real redis-server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::{AccountRate, SharedRate};
use crate::cluster::redis_server::RedisServer;
use crate::cluster::{Redis, Unavailable};
use crate::config::RedisConfig;
use crate::metrics::Metrics;

/// A handle of its own (as another instance would have) on the bucket of `wxapp`.
async fn bucket(server: &RedisServer, rate: u32, metrics: Arc<Metrics>) -> AccountRate {
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "r:".to_owned(),
            timeout_ms: 1000,
        },
        metrics,
    )
    .unwrap();
    assert!(redis.probe().await);
    SharedRate::new(redis).account("wxapp", rate)
}

fn pttl(server: &RedisServer, key: &str) -> i64 {
    let answer = server.command(&["PTTL", key]);
    answer.trim_start_matches(':').trim().parse().unwrap()
}

#[tokio::test]
async fn the_bucket_is_a_hash_named_after_the_prefix_and_the_appid_that_expires_once_full() {
    let server = RedisServer::start();
    let rate = bucket(&server, 10, Arc::new(Metrics::new([]))).await;
    assert_eq!(rate.key(), "r:send-rate:wxapp");
    assert_eq!(rate.rate(), 10);
    assert_eq!(rate.take().await.unwrap(), Duration::ZERO);
    assert_eq!(server.command(&["TYPE", "r:send-rate:wxapp"]), "+hash\r\n");
    assert!(
        server
            .command(&["HGET", "r:send-rate:wxapp", "tokens"])
            .contains("9.")
    );
    // Full again within a second; kept a second more.
    let ttl = pttl(&server, "r:send-rate:wxapp");
    assert!((1_500..=2_000).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn a_full_bucket_gives_its_size_at_once_then_says_how_long_to_wait() {
    let server = RedisServer::start();
    let rate = bucket(&server, 10, Arc::new(Metrics::new([]))).await;
    for n in 0..10 {
        assert_eq!(rate.take().await.unwrap(), Duration::ZERO, "token {n}");
    }
    let wait = rate.take().await.unwrap();
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_millis(100),
        "{wait:?}"
    );
    // Asking again takes nothing more: the wait only shrinks.
    let again = rate.take().await.unwrap();
    assert!(again > Duration::ZERO && again <= wait, "{again:?}");
    tokio::time::sleep(wait).await;
    assert_eq!(rate.take().await.unwrap(), Duration::ZERO);
}

#[tokio::test]
async fn two_instances_sharing_a_bucket_never_exceed_the_rate_plus_the_bucket_in_a_second() {
    const RATE: u32 = 10;
    let server = RedisServer::start();
    let metrics = Arc::new(Metrics::new([]));
    let instances = [
        bucket(&server, RATE, metrics.clone()).await,
        bucket(&server, RATE, metrics.clone()).await,
    ];
    let taken: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let end = Instant::now() + Duration::from_millis(2500);
    let mut tasks = Vec::new();
    for (i, rate) in instances.into_iter().enumerate() {
        // Several callers per instance, each asking again when told to wait.
        for _ in 0..3 {
            let rate = rate.clone();
            let taken = taken.clone();
            tasks.push(tokio::spawn(async move {
                while Instant::now() < end {
                    let wait = rate.take().await.unwrap();
                    if wait.is_zero() {
                        taken.lock().unwrap().push((i, Instant::now()));
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut taken = taken.lock().unwrap().clone();
    taken.sort_by_key(|(_, at)| *at);
    let times: Vec<Instant> = taken.iter().map(|(_, at)| *at).collect();
    for (i, start) in times.iter().enumerate() {
        let in_a_second = times[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_secs(1))
            .count();
        assert!(
            in_a_second <= 2 * RATE as usize,
            "{in_a_second} tokens within a second"
        );
    }
    // 10 at once and 10 a second for 2.5 s: about 35 in all, shared by both instances.
    assert!((30..=36).contains(&times.len()), "{} tokens", times.len());
    for instance in 0..2 {
        assert!(
            taken.iter().any(|(i, _)| *i == instance),
            "instance {instance} got none"
        );
    }
}

#[tokio::test]
async fn a_stopped_redis_says_unavailable_so_the_caller_falls_back_then_shares_again() {
    let mut server = RedisServer::start();
    let metrics = Arc::new(Metrics::new([]));
    let rate = bucket(&server, 5, metrics.clone()).await;
    for _ in 0..5 {
        assert_eq!(rate.take().await.unwrap(), Duration::ZERO);
    }
    assert!(rate.take().await.unwrap() > Duration::ZERO);

    server.stop();
    assert!(matches!(
        rate.take().await,
        Err(Unavailable::Failed(_) | Unavailable::Timeout(_))
    ));
    // Known down: nothing is sent, the answer is immediate.
    let started = Instant::now();
    assert!(matches!(rate.take().await, Err(Unavailable::Down)));
    assert!(started.elapsed() < Duration::from_millis(50));
    assert!(
        metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"send_rate\"} 1\n")
    );

    // Back (empty, as after a crash): a full bucket again, shared once the probe answers.
    server.restart();
    assert!(rate_redis(&rate).probe().await);
    assert_eq!(rate.take().await.unwrap(), Duration::ZERO);
}

fn rate_redis(rate: &AccountRate) -> &Redis {
    &rate.redis
}
