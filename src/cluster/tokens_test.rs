//! The Redis side of shared tokens, against a real redis-server.

use std::sync::Arc;
use std::time::Duration;

use super::{AccountTokens, SharedTokens, TokenKind};
use crate::cluster::Redis;
use crate::cluster::redis_server::RedisServer;
use crate::config::RedisConfig;
use crate::metrics::Metrics;

const HOUR: Duration = Duration::from_secs(3600);

async fn tokens(server: &RedisServer) -> AccountTokens {
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "t:".to_owned(),
            timeout_ms: 1000,
        },
        Arc::new(Metrics::new([])),
    )
    .unwrap();
    assert!(redis.probe().await);
    SharedTokens::with_lock_ttl(redis, Duration::from_secs(5)).account("wxapp")
}

async fn stored(tokens: &AccountTokens) -> Option<String> {
    tokens.read().await.unwrap().token.map(|t| t.value)
}

#[tokio::test]
async fn keys_are_named_after_the_prefix_and_the_appid() {
    let server = RedisServer::start();
    let tokens = tokens(&server).await;
    let lock = tokens.lock().await.unwrap().unwrap();
    assert!(tokens.store(lock, "A", HOUR, HOUR).await.unwrap());
    assert_eq!(
        server.command(&["TYPE", "t:token:wxapp"]),
        "+hash\r\n",
        "the token is a hash"
    );
    assert!(tokens.retire("A").await.unwrap());
    assert!(
        server
            .command(&["GET", "t:token-retired:wxapp"])
            .contains("A")
    );
    let _lock = tokens.lock().await.unwrap().unwrap();
    assert!(
        server
            .command(&["EXISTS", "t:token-lock:wxapp"])
            .contains(":1")
    );
}

#[tokio::test]
async fn a_jsapi_ticket_has_keys_of_its_own() {
    let server = RedisServer::start();
    let token = tokens(&server).await;
    let redis = Redis::new(
        &RedisConfig {
            url: server.url(),
            key_prefix: "t:".to_owned(),
            timeout_ms: 1000,
        },
        Arc::new(Metrics::new([])),
    )
    .unwrap();
    assert!(redis.probe().await);
    let ticket = SharedTokens::new(redis).account_kind("wxapp", TokenKind::JsapiTicket);
    assert_eq!(ticket.kind(), TokenKind::JsapiTicket);
    assert_eq!(token.kind(), TokenKind::AccessToken);

    let lock = ticket.lock().await.unwrap().unwrap();
    assert!(
        server
            .command(&["EXISTS", "t:jsapi-ticket-lock:wxapp"])
            .contains(":1")
    );
    // The ticket's lock leaves the token's free.
    let token_lock = token.lock().await.unwrap().unwrap();
    assert!(ticket.store(lock, "TICKET", HOUR, HOUR).await.unwrap());
    assert!(token.store(token_lock, "TOKEN", HOUR, HOUR).await.unwrap());
    assert_eq!(
        server.command(&["HGET", "t:jsapi-ticket:wxapp", "token"]),
        "$6\r\nTICKET\r\n"
    );
    assert_eq!(stored(&ticket).await.as_deref(), Some("TICKET"));
    assert_eq!(stored(&token).await.as_deref(), Some("TOKEN"));

    assert!(ticket.retire("TICKET").await.unwrap());
    assert!(
        server
            .command(&["GET", "t:jsapi-ticket-retired:wxapp"])
            .contains("TICKET")
    );
    assert_eq!(stored(&token).await.as_deref(), Some("TOKEN"));
    assert!(!token.read().await.unwrap().retired);
}

#[tokio::test]
async fn the_lock_is_exclusive_and_released_only_by_its_owner() {
    let server = RedisServer::start();
    let a = tokens(&server).await;
    let b = tokens(&server).await;
    let lock = a.lock().await.unwrap().unwrap();
    assert!(b.lock().await.unwrap().is_none(), "taken");
    assert!(
        a.lock().await.unwrap().is_none(),
        "taken, even for its owner"
    );
    let ttl = server.command(&["PTTL", "t:token-lock:wxapp"]);
    let ttl: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    assert!((4_000..=5_000).contains(&ttl), "{ttl}");

    // The lock expires; B takes it; A's late release must not free B's lock.
    server.command(&["DEL", "t:token-lock:wxapp"]);
    let b_lock = b.lock().await.unwrap().unwrap();
    assert!(!a.unlock(lock).await.unwrap());
    assert!(a.lock().await.unwrap().is_none(), "still B's");
    assert!(b.unlock(b_lock).await.unwrap());
    assert!(a.lock().await.unwrap().is_some());
}

#[tokio::test]
async fn a_store_releases_the_lock_but_never_overwrites_a_newer_token_after_losing_it() {
    let server = RedisServer::start();
    let a = tokens(&server).await;
    let b = tokens(&server).await;
    let lock = a.lock().await.unwrap().unwrap();
    assert!(a.store(lock, "A", HOUR, HOUR).await.unwrap());
    assert_eq!(stored(&b).await.as_deref(), Some("A"));
    assert!(b.lock().await.unwrap().is_some(), "released by the store");

    // A's lock expired while it fetched; B took over and stored B.
    server.command(&["DEL", "t:token-lock:wxapp"]);
    let late = a.lock().await.unwrap().unwrap();
    server.command(&["DEL", "t:token-lock:wxapp"]);
    let b_lock = b.lock().await.unwrap().unwrap();
    assert!(b.store(b_lock, "B", HOUR, HOUR).await.unwrap());
    assert!(!a.store(late, "A2", HOUR, HOUR).await.unwrap());
    assert_eq!(stored(&a).await.as_deref(), Some("B"));
}

#[tokio::test]
async fn retire_deletes_only_the_token_still_stored_and_marks_the_next_fetch_forced() {
    let server = RedisServer::start();
    let tokens = tokens(&server).await;
    let lock = tokens.lock().await.unwrap().unwrap();
    assert!(tokens.store(lock, "NEW", HOUR, HOUR).await.unwrap());
    assert!(!tokens.retire("OLD").await.unwrap());
    assert_eq!(stored(&tokens).await.as_deref(), Some("NEW"));
    assert!(!tokens.read().await.unwrap().retired);

    assert!(tokens.retire("NEW").await.unwrap());
    let snapshot = tokens.read().await.unwrap();
    assert_eq!(snapshot.token, None);
    assert!(snapshot.retired);
    // The rejected token is never stored back by an instance that kept a copy.
    assert!(!tokens.store_if_absent("NEW", HOUR, HOUR).await.unwrap());
    // A fetched token clears the marker.
    let lock = tokens.lock().await.unwrap().unwrap();
    assert!(tokens.store(lock, "NEWER", HOUR, HOUR).await.unwrap());
    assert!(!tokens.read().await.unwrap().retired);
}

#[tokio::test]
async fn store_if_absent_stores_only_into_an_empty_unlocked_slot() {
    let server = RedisServer::start();
    let tokens = tokens(&server).await;
    let lock = tokens.lock().await.unwrap().unwrap();
    assert!(
        !tokens.store_if_absent("MINE", HOUR, HOUR).await.unwrap(),
        "a fetch runs"
    );
    assert!(tokens.unlock(lock).await.unwrap());
    assert!(tokens.store_if_absent("MINE", HOUR, HOUR).await.unwrap());
    assert!(!tokens.store_if_absent("OTHER", HOUR, HOUR).await.unwrap());
    assert_eq!(stored(&tokens).await.as_deref(), Some("MINE"));
    let ttl = server.command(&["PTTL", "t:token:wxapp"]);
    let ttl: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    assert!((3_590_000..=3_600_000).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn the_time_left_comes_from_the_key_and_foreign_keys_are_ignored() {
    let server = RedisServer::start();
    let tokens = tokens(&server).await;
    let lock = tokens.lock().await.unwrap().unwrap();
    let remaining = Duration::from_secs(1000);
    assert!(tokens.store(lock, "A", HOUR, remaining).await.unwrap());
    let token = tokens.read().await.unwrap().token.unwrap();
    assert_eq!(token.lifetime, HOUR);
    assert!(token.remaining <= remaining && token.remaining > remaining - Duration::from_secs(5));
    assert!(
        !format!("{token:?}").contains("\"A\""),
        "Debug hides the token"
    );

    // A hash without an expiry was not written by wxgate.
    server.command(&["PERSIST", "t:token:wxapp"]);
    assert_eq!(tokens.read().await.unwrap().token, None);
}
