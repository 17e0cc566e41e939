use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Fetched, TokenCache, refresh_lead};
use crate::api::error::ApiError;

#[path = "shared_token_test.rs"]
mod shared;

fn fetched(value: &str, secs: u64) -> Result<Fetched, ApiError> {
    Ok(Fetched {
        value: value.to_owned(),
        lifetime: Duration::from_secs(secs),
    })
}

fn refused() -> Result<Fetched, ApiError> {
    Err(ApiError::WeChat {
        errcode: -1,
        errmsg: "system error".into(),
    })
}

#[test]
fn the_lead_is_5_minutes_or_10_percent_whichever_is_larger() {
    let secs = |s| Duration::from_secs(s);
    assert_eq!(refresh_lead(secs(7200)), secs(720));
    assert_eq!(refresh_lead(secs(3000)), secs(300));
    assert_eq!(refresh_lead(secs(3010)), secs(301));
    assert_eq!(refresh_lead(secs(310)), secs(300));
    assert_eq!(refresh_lead(secs(60)), secs(300));
}

#[tokio::test]
async fn a_fresh_token_is_served_from_the_cache() {
    let cache = TokenCache::new();
    assert_eq!(
        cache.get(|_| async { fetched("a", 7200) }).await.unwrap(),
        "a"
    );
    let second = cache
        .get(|_| async { panic!("fetched although cached") })
        .await;
    assert_eq!(second.unwrap(), "a");
}

#[tokio::test]
async fn waiters_use_the_fetch_they_waited_for_even_inside_the_lead() {
    // 100 s is inside the 300 s lead: fresh for nobody, but fetched once for all waiters.
    let cache = Arc::new(TokenCache::new());
    let fetches = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                cache
                    .get(|_| async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        fetched("short", 100)
                    })
                    .await
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), "short");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn invalidation_forgets_only_the_cached_token_and_forces_the_next_fetch() {
    let cache = TokenCache::new();
    cache.get(|_| async { fetched("a", 7200) }).await.unwrap();

    assert!(
        !cache.invalidate("stale"),
        "another token must not evict the cached one"
    );
    let kept = cache.get(|_| async { panic!("refetched") }).await;
    assert_eq!(kept.unwrap(), "a");

    assert!(cache.invalidate("a"));
    assert!(!cache.invalidate("a"), "already forgotten");
    // A failed forced fetch keeps the next one forced.
    let failed = cache
        .get(|force| async move {
            assert!(force);
            refused()
        })
        .await;
    assert_eq!(failed.unwrap_err().errcode(), Some(-1));
    let b = cache
        .get(|force| async move {
            assert!(force);
            // Inside the lead: the next call refreshes.
            fetched("b", 100)
        })
        .await;
    assert_eq!(b.unwrap(), "b");

    // Forced only once: the successful fetch cleared the flag.
    let c = cache
        .get(|force| async move {
            assert!(!force);
            fetched("c", 7200)
        })
        .await;
    assert_eq!(c.unwrap(), "c");
}

#[tokio::test]
async fn a_first_fetch_is_not_forced() {
    let cache = TokenCache::new();
    let token = cache
        .get(|force| async move {
            assert!(!force);
            fetched("a", 7200)
        })
        .await;
    assert_eq!(token.unwrap(), "a");
}

#[tokio::test]
async fn a_failed_refresh_ahead_of_expiry_keeps_the_still_valid_token() {
    let cache = TokenCache::new();
    // Inside the lead at once, yet valid for 200 s.
    cache.get(|_| async { fetched("a", 200) }).await.unwrap();
    let token = cache.get(|_| async { refused() }).await;
    assert_eq!(token.unwrap(), "a");
}

#[tokio::test]
async fn a_failed_fetch_with_nothing_cached_is_an_error_and_is_retried_next_time() {
    let cache = TokenCache::new();
    assert!(cache.get(|_| async { refused() }).await.is_err());
    assert_eq!(
        cache.get(|_| async { fetched("a", 7200) }).await.unwrap(),
        "a"
    );
}
