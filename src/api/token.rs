//! The access-token cache: one fetch at a time, refreshed ahead of expiry, invalidated when
//! WeChat rejects a token.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::config::{ApiConfig, TokenSource};
use super::error::ApiError;
use super::http::{self, Request, required_str};

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

/// One account's token.
pub(super) struct TokenCache {
    state: Mutex<State>,
    /// Held while fetching, so that concurrent callers share one fetch.
    flight: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    /// Bumped on every fetch: a caller that waited for the flight uses its result.
    generation: u64,
    /// WeChat rejected a token: the next stable_token fetch must not return it again.
    force_refresh: bool,
}

struct Cached {
    value: String,
    refresh_at: Instant,
    expires_at: Instant,
}

impl TokenCache {
    pub(super) fn new() -> Self {
        TokenCache {
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached token, or one fetched with `fetch(force_refresh)` by exactly one caller while
    /// the others wait for it.
    pub(super) async fn get<F, Fut>(&self, fetch: F) -> Result<String, ApiError>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<Fetched, ApiError>>,
    {
        let seen = {
            let state = self.state();
            match &state.current {
                Some(token) if Instant::now() < token.refresh_at => return Ok(token.value.clone()),
                _ => state.generation,
            }
        };

        let _flight = self.flight.lock().await;
        let force_refresh = {
            let state = self.state();
            if let Some(token) = &state.current {
                let now = Instant::now();
                // Fresh, or fetched by the flight this caller waited for.
                if now < token.refresh_at || (state.generation != seen && now < token.expires_at) {
                    return Ok(token.value.clone());
                }
            }
            state.force_refresh
        };

        let started = Instant::now();
        let fetched = fetch(force_refresh).await;
        let mut state = self.state();
        match fetched {
            Ok(Fetched { value, lifetime }) => {
                let lifetime = lifetime.min(MAX_LIFETIME);
                let lead = refresh_lead(lifetime);
                state.current = Some(Cached {
                    value: value.clone(),
                    refresh_at: started + lifetime.saturating_sub(lead),
                    expires_at: started + lifetime,
                });
                state.generation = state.generation.wrapping_add(1);
                state.force_refresh = false;
                Ok(value)
            }
            Err(error) => match &state.current {
                // The refresh ahead of expiry failed; the token still works for a while.
                Some(token) if Instant::now() < token.expires_at => {
                    tracing::warn!(%error, "access token refresh failed; using the current token until it expires");
                    Ok(token.value.clone())
                }
                _ => Err(error),
            },
        }
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
            true
        } else {
            false
        }
    }
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
            };
            http::exchange(http_client, &config.api_base, request).await?
        }
    };
    let value = required_str(&answer, "access_token")?;
    let lifetime = answer
        .get("expires_in")
        .and_then(Value::as_u64)
        .filter(|secs| *secs > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            ApiError::BadResponse("token answer has no positive `expires_in`".to_owned())
        })?;
    Ok(Fetched { value, lifetime })
}
