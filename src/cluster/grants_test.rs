//! The Redis side of grants, command by command, against a real redis-server.

use std::sync::Arc;
use std::time::Duration;

use super::SharedGrants;
use crate::cluster::redis_server::RedisServer;
use crate::cluster::{Redis, Unavailable};
use crate::config::RedisConfig;
use crate::metrics::Metrics;

async fn shared(server: &RedisServer, metrics: Arc<Metrics>) -> SharedGrants {
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "p:".to_owned(),
            timeout_ms: 1000,
        },
        metrics,
    )
    .unwrap();
    assert!(redis.probe().await);
    SharedGrants::new(redis)
}

fn pttl(server: &RedisServer, key: &str) -> i64 {
    let answer = server.command(&["PTTL", key]);
    answer.trim_start_matches(':').trim().parse().unwrap()
}

#[tokio::test]
async fn keys_are_named_after_the_prefix_kind_and_id() {
    let server = RedisServer::start();
    let grants = shared(&server, Arc::new(Metrics::new([]))).await;
    assert_eq!(grants.key("code", "00ff"), "p:grant:code:00ff");
}

#[tokio::test]
async fn put_sets_a_millisecond_ttl_and_replace_renews_it() {
    let server = RedisServer::start();
    let grants = shared(&server, Arc::new(Metrics::new([]))).await;
    let key = grants.key("token", "ab");
    grants
        .put(&key, "v1", Duration::from_millis(1500))
        .await
        .unwrap();
    assert_eq!(server.command(&["GET", &key]), "$2\r\nv1\r\n");
    let ttl = pttl(&server, &key);
    assert!((1_000..=1_500).contains(&ttl), "{ttl}");

    let old = grants
        .replace(&key, "v2", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(old.as_deref(), Some("v1"));
    let ttl = pttl(&server, &key);
    assert!((29_000..=30_000).contains(&ttl), "{ttl}");

    // A zero ttl is stored as the shortest Redis takes, not refused.
    grants.put(&key, "v3", Duration::ZERO).await.unwrap();
}

#[tokio::test]
async fn replace_of_a_missing_key_creates_nothing() {
    let server = RedisServer::start();
    let grants = shared(&server, Arc::new(Metrics::new([]))).await;
    let key = grants.key("token", "missing");
    let old = grants
        .replace(&key, "v", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(old, None);
    assert_eq!(server.command(&["EXISTS", &key]), ":0\r\n");
}

#[tokio::test]
async fn take_removes_the_key() {
    let server = RedisServer::start();
    let grants = shared(&server, Arc::new(Metrics::new([]))).await;
    let key = grants.key("code", "c");
    grants
        .put(&key, "v", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(grants.take(&key).await.unwrap().as_deref(), Some("v"));
    assert_eq!(server.command(&["EXISTS", &key]), ":0\r\n");
    assert_eq!(grants.take(&key).await.unwrap(), None);
    grants.delete(&key).await.unwrap();
}

#[tokio::test]
async fn failures_are_counted_under_the_grant_ops() {
    let mut server = RedisServer::start();
    let metrics = Arc::new(Metrics::new([]));
    let grants = shared(&server, metrics.clone()).await;
    let key = grants.key("code", "c");
    server.stop();
    assert!(matches!(
        grants.take(&key).await,
        Err(Unavailable::Failed(_) | Unavailable::Timeout(_))
    ));
    assert!(matches!(grants.get(&key).await, Err(Unavailable::Down)));
    assert!(
        metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"grant_take\"} 1\n")
    );
}
