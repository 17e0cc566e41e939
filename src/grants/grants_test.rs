//! One behaviour suite for both backends, then what only Redis does: sharing between handles,
//! keys without the secret, failing closed.

use std::sync::Arc;
use std::time::Duration;

use super::{GrantKind, Grants, GrantsError};
use crate::cluster::Redis;
use crate::cluster::redis_server::RedisServer;
use crate::config::RedisConfig;
use crate::metrics::Metrics;

const MINUTE: Duration = Duration::from_secs(60);

fn memory() -> Grants {
    Grants::memory(1000)
}

fn redis_handle(server: &RedisServer, timeout_ms: u64) -> Redis {
    Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "g:".to_owned(),
            timeout_ms,
        },
        Arc::new(Metrics::new([])),
    )
    .unwrap()
}

async fn redis(server: &RedisServer) -> Grants {
    let redis = redis_handle(server, 1000);
    assert!(redis.probe().await);
    Grants::redis(redis)
}

/// Runs each behaviour against a memory store and against a fresh redis-server.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod memory_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::memory()).await;
                }
            )*
        }
        mod redis_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let server = super::RedisServer::start();
                    super::$name(super::redis(&server).await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    put_then_get_reads_without_consuming,
    take_is_single_use_even_concurrently,
    replace_on_a_missing_entry_stores_nothing,
    replace_swaps_the_value_and_renews_the_ttl,
    entries_expire_after_their_ttl,
    delete_removes_the_entry,
    kinds_never_meet,
);

async fn put_then_get_reads_without_consuming(grants: Grants) {
    assert_eq!(grants.get(GrantKind::State, "s1").await.unwrap(), None);
    grants
        .put(GrantKind::State, "s1", "value one", MINUTE)
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            grants.get(GrantKind::State, "s1").await.unwrap().as_deref(),
            Some("value one")
        );
    }
    grants
        .put(GrantKind::State, "s1", "value two", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        grants.get(GrantKind::State, "s1").await.unwrap().as_deref(),
        Some("value two"),
        "a put overwrites"
    );
}

async fn take_is_single_use_even_concurrently(grants: Grants) {
    grants
        .put(GrantKind::Code, "c1", "claims", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        grants.take(GrantKind::Code, "c1").await.unwrap().as_deref(),
        Some("claims")
    );
    assert_eq!(grants.take(GrantKind::Code, "c1").await.unwrap(), None);
    assert_eq!(grants.get(GrantKind::Code, "c1").await.unwrap(), None);

    for round in 0..20 {
        let secret = format!("race{round}");
        grants
            .put(GrantKind::Code, &secret, "once", MINUTE)
            .await
            .unwrap();
        let takers: Vec<_> = (0..8)
            .map(|_| {
                let grants = grants.clone();
                let secret = secret.clone();
                tokio::spawn(async move { grants.take(GrantKind::Code, &secret).await })
            })
            .collect();
        let mut won = 0;
        for taker in takers {
            if let Some(value) = taker.await.unwrap().unwrap() {
                assert_eq!(value, "once");
                won += 1;
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
}

async fn replace_on_a_missing_entry_stores_nothing(grants: Grants) {
    assert_eq!(
        grants
            .replace(GrantKind::AccessToken, "t1", "new", MINUTE)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        grants.get(GrantKind::AccessToken, "t1").await.unwrap(),
        None
    );
}

async fn replace_swaps_the_value_and_renews_the_ttl(grants: Grants) {
    grants
        .put(
            GrantKind::AccessToken,
            "t1",
            "old",
            Duration::from_millis(300),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        grants
            .replace(GrantKind::AccessToken, "t1", "new", MINUTE)
            .await
            .unwrap()
            .as_deref(),
        Some("old")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        grants
            .get(GrantKind::AccessToken, "t1")
            .await
            .unwrap()
            .as_deref(),
        Some("new"),
        "the old ttl no longer applies"
    );
}

async fn entries_expire_after_their_ttl(grants: Grants) {
    let ttl = Duration::from_millis(100);
    grants.put(GrantKind::Code, "c1", "v", ttl).await.unwrap();
    grants.put(GrantKind::Code, "c2", "v", ttl).await.unwrap();
    grants.put(GrantKind::Code, "c3", "v", ttl).await.unwrap();
    grants
        .put(GrantKind::Code, "c4", "v", MINUTE)
        .await
        .unwrap();
    assert!(grants.get(GrantKind::Code, "c1").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(grants.get(GrantKind::Code, "c1").await.unwrap(), None);
    assert_eq!(grants.take(GrantKind::Code, "c2").await.unwrap(), None);
    assert_eq!(
        grants
            .replace(GrantKind::Code, "c3", "w", MINUTE)
            .await
            .unwrap(),
        None
    );
    assert_eq!(grants.get(GrantKind::Code, "c3").await.unwrap(), None);
    assert!(grants.get(GrantKind::Code, "c4").await.unwrap().is_some());
}

async fn delete_removes_the_entry(grants: Grants) {
    grants
        .put(GrantKind::AccessToken, "t1", "v", MINUTE)
        .await
        .unwrap();
    grants.delete(GrantKind::AccessToken, "t1").await.unwrap();
    assert_eq!(
        grants.get(GrantKind::AccessToken, "t1").await.unwrap(),
        None
    );
    // Deleting what is not there is no error.
    grants.delete(GrantKind::AccessToken, "t1").await.unwrap();
}

async fn kinds_never_meet(grants: Grants) {
    grants
        .put(GrantKind::State, "same", "state", MINUTE)
        .await
        .unwrap();
    grants
        .put(GrantKind::Code, "same", "code", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        grants
            .take(GrantKind::State, "same")
            .await
            .unwrap()
            .as_deref(),
        Some("state")
    );
    assert_eq!(
        grants.get(GrantKind::AccessToken, "same").await.unwrap(),
        None
    );
    assert_eq!(
        grants
            .get(GrantKind::Code, "same")
            .await
            .unwrap()
            .as_deref(),
        Some("code")
    );
}

#[tokio::test]
async fn a_full_memory_store_refuses_new_grants() {
    let grants = Grants::memory(2);
    grants.put(GrantKind::Code, "a", "v", MINUTE).await.unwrap();
    grants.put(GrantKind::Code, "b", "v", MINUTE).await.unwrap();
    assert!(matches!(
        grants.put(GrantKind::Code, "c", "v", MINUTE).await,
        Err(GrantsError::Full)
    ));
    grants.delete(GrantKind::Code, "a").await.unwrap();
    grants.put(GrantKind::Code, "c", "v", MINUTE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_redis_share_their_grants() {
    let server = RedisServer::start();
    let a = redis(&server).await;
    let b = redis(&server).await;
    a.put(GrantKind::State, "login", "pending", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        b.take(GrantKind::State, "login").await.unwrap().as_deref(),
        Some("pending"),
        "a login started on one instance finishes on another"
    );
    assert_eq!(a.take(GrantKind::State, "login").await.unwrap(), None);

    // One code, taken at once through both handles: one wins.
    for round in 0..20 {
        let secret = format!("code{round}");
        a.put(GrantKind::Code, &secret, "once", MINUTE)
            .await
            .unwrap();
        let (x, y) = tokio::join!(
            a.take(GrantKind::Code, &secret),
            b.take(GrantKind::Code, &secret)
        );
        let won = [x.unwrap(), y.unwrap()].iter().flatten().count();
        assert_eq!(won, 1, "round {round}");
    }

    b.put(GrantKind::AccessToken, "tok", "claims", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        a.replace(GrantKind::AccessToken, "tok", "revoked", MINUTE)
            .await
            .unwrap()
            .as_deref(),
        Some("claims")
    );
    assert_eq!(
        b.get(GrantKind::AccessToken, "tok")
            .await
            .unwrap()
            .as_deref(),
        Some("revoked")
    );
    a.delete(GrantKind::AccessToken, "tok").await.unwrap();
    assert_eq!(b.get(GrantKind::AccessToken, "tok").await.unwrap(), None);
}

#[tokio::test]
async fn redis_keys_hold_the_secrets_hash_never_the_secret() {
    let server = RedisServer::start();
    let grants = redis(&server).await;
    grants
        .put(GrantKind::Code, "abc", "v", Duration::from_secs(60))
        .await
        .unwrap();
    let keys = server.command(&["KEYS", "*"]);
    assert!(
        keys.contains(
            "g:grant:code:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        ),
        "{keys}"
    );
    let ttl = server.command(&[
        "PTTL",
        "g:grant:code:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ]);
    let ttl: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    assert!((59_000..=60_000).contains(&ttl), "{ttl}");
    for kind in [GrantKind::State, GrantKind::AccessToken] {
        grants.put(kind, "abc", "v", MINUTE).await.unwrap();
        assert!(
            server
                .command(&["KEYS", &format!("g:grant:{}:*", kind.as_str())])
                .contains("ba7816bf")
        );
    }
}

#[tokio::test]
async fn a_stopped_redis_makes_every_call_unavailable() {
    let mut server = RedisServer::start();
    let grants = redis(&server).await;
    grants.put(GrantKind::Code, "c", "v", MINUTE).await.unwrap();
    server.stop();
    // The first call finds out (the command fails), the next ones are refused at once.
    assert!(matches!(
        grants.take(GrantKind::Code, "c").await,
        Err(GrantsError::Unavailable(_))
    ));
    assert!(matches!(
        grants.put(GrantKind::Code, "c", "v", MINUTE).await,
        Err(GrantsError::Unavailable(_))
    ));
    assert!(matches!(
        grants.get(GrantKind::Code, "c").await,
        Err(GrantsError::Unavailable(_))
    ));
    assert!(matches!(
        grants.replace(GrantKind::Code, "c", "v", MINUTE).await,
        Err(GrantsError::Unavailable(_))
    ));
    assert!(matches!(
        grants.delete(GrantKind::Code, "c").await,
        Err(GrantsError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_redis_that_never_answered_is_unavailable_not_empty() {
    let server = RedisServer::start();
    let handle = redis_handle(&server, 200);
    drop(server);
    let grants = Grants::redis(handle);
    assert!(matches!(
        grants.get(GrantKind::State, "s").await,
        Err(GrantsError::Unavailable(_))
    ));
}

#[test]
fn debug_shows_neither_secrets_nor_values() {
    let text = format!("{:?}", memory());
    assert!(text.contains("memory"), "{text}");
}
