//! The access-token cache: one fetch at a time, refreshed ahead of expiry, invalidated when
//! WeChat rejects a token; optionally shared with the other instances through Redis
//! ([`crate::cluster::tokens`]). The same cache keeps the JS-SDK `jsapi_ticket` (`jsapi.rs`),
//! a token of another [`TokenKind`] fetched with the access token.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::config::{ApiConfig, TokenSource};
use super::error::ApiError;
use super::http::{self, Request, required_str};
use crate::cluster::tokens::{AccountTokens, POLL_INTERVAL, StoredToken, TokenKind, TokenLock};

/// Refresh when less than this remains of a token's life (or 10% of it, if more).
const MIN_REFRESH_LEAD: Duration = Duration::from_secs(300);

/// Longest lifetime believed, whatever `expires_in` says (WeChat's is 7200 s).
const MAX_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// A token just fetched.
pub(super) struct Fetched {
    /// The token.
    pub value: String,
    /// Its `expires_in`.
    pub lifetime: Duration,
}

/// How long before expiry a token of `lifetime` is refreshed: 5 minutes or 10% of the
/// lifetime, whichever is larger.
pub(super) fn refresh_lead(lifetime: Duration) -> Duration {
    MIN_REFRESH_LEAD.max(lifetime / 10)
}

/// How long past the lock's lifetime an instance waits for another's fetch before fetching on
/// its own: by then the lock has expired (its holder died) or something is badly wrong.
const WAIT_MARGIN: Duration = Duration::from_secs(1);

/// One account's token of one [`TokenKind`]: cached in this process and, with a shared store,
/// in Redis.
///
/// Without a shared store this is the whole story: one fetch at a time in this process, the
/// token refreshed ahead of expiry. With one, the process cache is a copy of the token in Redis,
/// and fetches are made by one instance of the cluster at a time (see [`TokenCache::get`]).
pub(super) struct TokenCache {
    /// What it holds, for log lines.
    kind: TokenKind,
    state: Mutex<State>,
    /// Held while fetching (or, with a shared store, while asking Redis), so that concurrent
    /// callers share one fetch.
    flight: tokio::sync::Mutex<()>,
    /// The account's token in Redis; `None` keeps it in this process only.
    shared: Option<AccountTokens>,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    /// Bumped whenever the current token changes: a caller that waited for the flight uses
    /// its result.
    generation: u64,
    /// WeChat rejected a token: the next stable_token fetch must not return it again.
    force_refresh: bool,
    /// The token WeChat last rejected: never taken from Redis again.
    rejected: Option<String>,
}

struct Cached {
    value: String,
    lifetime: Duration,
    refresh_at: Instant,
    expires_at: Instant,
    /// The token is the one in Redis. A token fetched while Redis was down is not: once Redis
    /// answers again it gives way to the stored one, or is stored if there is none.
    shared: bool,
}

/// Where the shared path ended.
enum Shared<F> {
    /// With a token or an error.
    Done(Result<String, ApiError>),
    /// Redis stopped answering (or another instance's fetch never came): the fetch is left to
    /// this process.
    Fallback(F),
}

/// A token of this process that Redis does not know yet.
struct Unshared {
    value: String,
    lifetime: Duration,
    remaining: Duration,
}

impl TokenCache {
    /// An access token cache for this process only.
    #[cfg(test)]
    pub(super) fn new() -> Self {
        TokenCache::with_shared(TokenKind::AccessToken, None)
    }

    /// A cache of `kind`, backed by the account's token in Redis when `shared` (of the same
    /// kind) is given.
    pub(super) fn with_shared(kind: TokenKind, shared: Option<AccountTokens>) -> Self {
        TokenCache {
            kind,
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
            shared,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `token` can be used without asking anyone: outside its refresh window and, while
    /// Redis answers, known to be the shared token.
    fn fresh(&self, token: &Cached, now: Instant) -> bool {
        now < token.refresh_at
            && (token.shared || self.shared.as_ref().is_none_or(|shared| !shared.is_up()))
    }

    /// The cached token, or one fetched with `fetch(force_refresh)` by exactly one caller while
    /// the others wait for it.
    ///
    /// With a shared store, a token that is missing, in its refresh window or was rejected is
    /// taken from Redis when another instance stored a fresh one; otherwise the instance that
    /// gets the account's fetch lock fetches and stores it, while the others use the stored
    /// token if it is still valid, or wait for the new one. When Redis does not answer, this
    /// process fetches on its own; once Redis answers again, such a token gives way to the
    /// stored one, or is stored when there is none, without another fetch.
    pub(super) async fn get<F, Fut>(&self, fetch: F) -> Result<String, ApiError>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<Fetched, ApiError>>,
    {
        let seen = {
            let state = self.state();
            match &state.current {
                Some(token) if self.fresh(token, Instant::now()) => {
                    return Ok(token.value.clone());
                }
                _ => state.generation,
            }
        };

        let _flight = self.flight.lock().await;
        {
            let state = self.state();
            if let Some(token) = &state.current {
                let now = Instant::now();
                // Fresh, or fetched by the flight this caller waited for.
                if self.fresh(token, now) || (state.generation != seen && now < token.expires_at) {
                    return Ok(token.value.clone());
                }
            }
        }

        let fetch = match &self.shared {
            Some(shared) if shared.is_up() => match self.get_shared(shared, fetch).await {
                Shared::Done(result) => return result,
                Shared::Fallback(fetch) => fetch,
            },
            _ => fetch,
        };
        if let Some(shared) = &self.shared {
            // Without Redis, a token of this process is good until its refresh window.
            if let Some(value) = self.fresh_by_time() {
                return Ok(value);
            }
            tracing::warn!(
                appid = shared.appid(),
                kind = self.kind.as_str(),
                "shared token unavailable; this instance fetches its own"
            );
        }
        self.fetch_locally(fetch).await
    }

    /// The shared path: see [`TokenCache::get`]. Called with the flight held.
    async fn get_shared<F, Fut>(&self, shared: &AccountTokens, fetch: F) -> Shared<F>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<Fetched, ApiError>>,
    {
        let deadline = Instant::now() + shared.lock_ttl() + WAIT_MARGIN;
        loop {
            let Ok(snapshot) = shared.read().await else {
                return Shared::Fallback(fetch);
            };
            let mut stored = snapshot.token;
            if stored.as_ref().is_some_and(|token| self.is_rejected(token)) {
                // Still there although WeChat rejected it (the retire did not reach Redis).
                if let Some(token) = stored.take() {
                    if shared.retire(&token.value).await.is_err() {
                        return Shared::Fallback(fetch);
                    }
                }
            }
            match &stored {
                Some(token) if outside_lead(token) => {
                    return Shared::Done(Ok(self.adopt(token)));
                }
                Some(_) => {}
                None => {
                    if let Some(own) = self.unshared() {
                        // Back from an outage with a token of this process and none in Redis:
                        // share it rather than fetch another.
                        match shared
                            .store_if_absent(&own.value, own.lifetime, own.remaining)
                            .await
                        {
                            Ok(true) => {
                                self.mark_shared(&own.value);
                                return Shared::Done(Ok(own.value));
                            }
                            Ok(false) => {}
                            Err(_) => return Shared::Fallback(fetch),
                        }
                    }
                }
            }

            let Ok(lock) = shared.lock().await else {
                return Shared::Fallback(fetch);
            };
            let Some(lock) = lock else {
                // Another instance is fetching; a still-valid token serves meanwhile.
                if let Some(token) = &stored {
                    return Shared::Done(Ok(self.adopt(token)));
                }
                if let Some(value) = self.valid() {
                    return Shared::Done(Ok(value));
                }
                if Instant::now() >= deadline {
                    tracing::warn!(
                        appid = shared.appid(),
                        kind = self.kind.as_str(),
                        "no token from the instance holding the fetch lock"
                    );
                    return Shared::Fallback(fetch);
                }
                tokio::time::sleep(POLL_INTERVAL).await;
                continue;
            };
            return self.fetch_under_lock(shared, lock, fetch).await;
        }
    }

    /// Fetches with the account's lock held and stores the result (releasing the lock), unless
    /// a fresh token was stored just before the lock was taken.
    async fn fetch_under_lock<F, Fut>(
        &self,
        shared: &AccountTokens,
        lock: TokenLock,
        fetch: F,
    ) -> Shared<F>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<Fetched, ApiError>>,
    {
        // The previous holder may have stored its token and released the lock since the read.
        let Ok(snapshot) = shared.read().await else {
            // The lock expires by itself.
            return Shared::Fallback(fetch);
        };
        let current = snapshot.token.filter(|token| !self.is_rejected(token));
        if let Some(token) = current.as_ref().filter(|token| outside_lead(token)) {
            let value = self.adopt(token);
            // Best effort: otherwise the lock expires by itself.
            let _ = shared.unlock(lock).await;
            return Shared::Done(Ok(value));
        }

        let force_refresh = self.state().force_refresh || snapshot.retired;
        let started = Instant::now();
        match fetch(force_refresh).await {
            Ok(Fetched { value, lifetime }) => {
                let lifetime = lifetime.min(MAX_LIFETIME);
                let remaining = lifetime.saturating_sub(started.elapsed());
                let stored = shared.store(lock, &value, lifetime, remaining).await;
                Shared::Done(Ok(self.install(
                    value,
                    lifetime,
                    started,
                    matches!(stored, Ok(true)),
                )))
            }
            Err(error) => {
                let _ = shared.unlock(lock).await;
                if let Some(token) = &current {
                    tracing::warn!(kind = self.kind.as_str(), %error, "token refresh failed; using the current token until it expires");
                    return Shared::Done(Ok(self.adopt(token)));
                }
                if let Some(value) = self.valid() {
                    tracing::warn!(kind = self.kind.as_str(), %error, "token refresh failed; using the current token until it expires");
                    return Shared::Done(Ok(value));
                }
                Shared::Done(Err(error))
            }
        }
    }

    /// Fetches in this process alone.
    async fn fetch_locally<F, Fut>(&self, fetch: F) -> Result<String, ApiError>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<Fetched, ApiError>>,
    {
        let force_refresh = self.state().force_refresh;
        let started = Instant::now();
        match fetch(force_refresh).await {
            Ok(Fetched { value, lifetime }) => Ok(self.install(value, lifetime, started, false)),
            // The refresh ahead of expiry failed; the token still works for a while.
            Err(error) => match self.valid() {
                Some(value) => {
                    tracing::warn!(kind = self.kind.as_str(), %error, "token refresh failed; using the current token until it expires");
                    Ok(value)
                }
                None => Err(error),
            },
        }
    }

    /// Caches a token fetched at `started`; `shared` when it was stored in Redis.
    fn install(&self, value: String, lifetime: Duration, started: Instant, shared: bool) -> String {
        let lifetime = lifetime.min(MAX_LIFETIME);
        let lead = refresh_lead(lifetime);
        let mut state = self.state();
        state.current = Some(Cached {
            value: value.clone(),
            lifetime,
            refresh_at: started + lifetime.saturating_sub(lead),
            expires_at: started + lifetime,
            shared,
        });
        state.generation = state.generation.wrapping_add(1);
        state.force_refresh = false;
        value
    }

    /// Caches a copy of the token stored in Redis.
    fn adopt(&self, token: &StoredToken) -> String {
        let now = Instant::now();
        let lifetime = token.lifetime.min(MAX_LIFETIME);
        let remaining = token.remaining.min(MAX_LIFETIME);
        let mut state = self.state();
        state.current = Some(Cached {
            value: token.value.clone(),
            lifetime,
            refresh_at: now + remaining.saturating_sub(refresh_lead(lifetime)),
            expires_at: now + remaining,
            shared: true,
        });
        state.generation = state.generation.wrapping_add(1);
        // Whoever refreshed a rejected token did so; this one is not the rejected one.
        state.force_refresh = false;
        token.value.clone()
    }

    /// Notes that the cached token, `value`, is now the one in Redis.
    fn mark_shared(&self, value: &str) {
        let mut state = self.state();
        if let Some(current) = state.current.as_mut().filter(|c| c.value == value) {
            current.shared = true;
            state.generation = state.generation.wrapping_add(1);
        }
    }

    /// The cached token while it is valid, even in its refresh window.
    fn valid(&self) -> Option<String> {
        let state = self.state();
        let now = Instant::now();
        state
            .current
            .as_ref()
            .filter(|token| now < token.expires_at)
            .map(|token| token.value.clone())
    }

    /// The cached token while it is outside its refresh window, shared or not.
    fn fresh_by_time(&self) -> Option<String> {
        let state = self.state();
        let now = Instant::now();
        state
            .current
            .as_ref()
            .filter(|token| now < token.refresh_at)
            .map(|token| token.value.clone())
    }

    /// The cached token if Redis does not know it and it is outside its refresh window.
    fn unshared(&self) -> Option<Unshared> {
        let state = self.state();
        let now = Instant::now();
        state
            .current
            .as_ref()
            .filter(|token| !token.shared && now < token.refresh_at)
            .map(|token| Unshared {
                value: token.value.clone(),
                lifetime: token.lifetime,
                remaining: token.expires_at.saturating_duration_since(now),
            })
    }

    fn is_rejected(&self, token: &StoredToken) -> bool {
        self.state().rejected.as_deref() == Some(token.value.as_str())
    }

    /// Forgets `token` if it is still the cached one (another caller may already have replaced
    /// it) and makes the next fetch a forced one. Returns whether it was forgotten.
    pub(super) fn invalidate(&self, token: &str) -> bool {
        let mut state = self.state();
        if state
            .current
            .as_ref()
            .is_some_and(|current| current.value == token)
        {
            state.current = None;
            state.force_refresh = true;
            state.rejected = Some(token.to_owned());
            true
        } else {
            false
        }
    }

    /// WeChat rejected `token`: [`TokenCache::invalidate`] it and, if it was still cached,
    /// retire it in Redis too, unless Redis already holds a newer one. Returns whether it was
    /// forgotten here.
    pub(super) async fn reject(&self, token: &str) -> bool {
        if !self.invalidate(token) {
            return false;
        }
        if let Some(shared) = &self.shared {
            // Best effort: while Redis does not answer, `rejected` keeps the token out.
            let _ = shared.retire(token).await;
        }
        true
    }
}

/// Whether a stored token is outside its refresh window.
fn outside_lead(token: &StoredToken) -> bool {
    token.remaining > refresh_lead(token.lifetime.min(MAX_LIFETIME))
}

/// Fetches a token from the configured source.
pub(super) async fn fetch(
    http_client: &reqwest::Client,
    config: &ApiConfig,
    force_refresh: bool,
) -> Result<Fetched, ApiError> {
    let secrets = [config.secret.as_str()];
    let answer = match config.token_source {
        TokenSource::StableToken => {
            let body = json!({
                "grant_type": "client_credential",
                "appid": config.appid,
                "secret": config.secret,
                "force_refresh": force_refresh,
            });
            let request = Request {
                method: Method::POST,
                path: "/cgi-bin/stable_token",
                query: &[],
                body: Some(&body),
                secrets: &secrets,
                data_errcodes: &[],
            };
            http::exchange(http_client, &config.api_base, request).await?
        }
        TokenSource::ClientCredential => {
            let query = [
                ("grant_type", "client_credential"),
                ("appid", config.appid.as_str()),
                ("secret", config.secret.as_str()),
            ];
            let request = Request {
                method: Method::GET,
                path: "/cgi-bin/token",
                query: &query,
                body: None,
                secrets: &secrets,
                data_errcodes: &[],
            };
            http::exchange(http_client, &config.api_base, request).await?
        }
    };
    fetched(&answer, "access_token")
}

/// The token in the string field `field` of `answer`, with its positive `expires_in`.
pub(super) fn fetched(answer: &Map<String, Value>, field: &str) -> Result<Fetched, ApiError> {
    let value = required_str(answer, field)?;
    let lifetime = answer
        .get("expires_in")
        .and_then(Value::as_u64)
        .filter(|secs| *secs > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            ApiError::BadResponse(format!("`{field}` answer has no positive `expires_in`"))
        })?;
    Ok(Fetched { value, lifetime })
}

#[cfg(test)]
#[path = "token_test.rs"]
mod tests;
