//! [`WeChatApi`]: the tokens and the one path every call takes.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Map, Value};

use super::config::ApiConfig;
use super::error::{ApiError, is_token_rejected};
use super::http::{self, Request};
use super::token::{self, TokenCache};
use crate::cluster::tokens::{SharedTokens, TokenKind};

/// The server API client of one account. Cheap to clone: clones share the token caches.
#[derive(Clone)]
pub struct WeChatApi {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ApiConfig,
    tokens: TokenCache,
    /// The JS-SDK `jsapi_ticket` (`jsapi.rs`).
    jsapi_tickets: TokenCache,
}

impl WeChatApi {
    /// A client for the account in `config`, sending through `http`.
    ///
    /// Give `http` a timeout: it bounds every call.
    pub fn new(http: reqwest::Client, config: ApiConfig) -> Self {
        WeChatApi::with_tokens(http, config, None)
    }

    /// Like [`WeChatApi::new`], with the access token (and the JS-SDK `jsapi_ticket`) shared
    /// through Redis when `tokens` is given: one of each per account for every instance using
    /// the same Redis, fetched by one instance at a time, and fetched by this process alone
    /// while Redis does not answer (see [`crate::cluster::tokens`]). `None` keeps them in this
    /// process only.
    pub fn with_tokens(
        http: reqwest::Client,
        config: ApiConfig,
        tokens: Option<&SharedTokens>,
    ) -> Self {
        let shared = |kind| tokens.map(|tokens| tokens.account_kind(&config.appid, kind));
        let access =
            TokenCache::with_shared(TokenKind::AccessToken, shared(TokenKind::AccessToken));
        let jsapi_tickets =
            TokenCache::with_shared(TokenKind::JsapiTicket, shared(TokenKind::JsapiTicket));
        WeChatApi {
            inner: Arc::new(Inner {
                http,
                config,
                tokens: access,
                jsapi_tickets,
            }),
        }
    }

    /// The account's AppID.
    pub fn appid(&self) -> &str {
        &self.inner.config.appid
    }

    /// The HTTP client, for calls made without the access token (web OAuth, `sns.rs`).
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The account's credentials and API base.
    pub(super) fn config(&self) -> &ApiConfig {
        &self.inner.config
    }

    /// The cache of the JS-SDK `jsapi_ticket`.
    pub(super) fn jsapi_tickets(&self) -> &TokenCache {
        &self.inner.jsapi_tickets
    }

    /// The account's access token: the cached one, or a new one when none is cached or the
    /// cached one is near expiry (less than 5 minutes or 10% of its lifetime left, whichever is
    /// larger). Concurrent callers share a single fetch; with shared tokens, so do the other
    /// instances.
    pub async fn access_token(&self) -> Result<String, ApiError> {
        let inner = &self.inner;
        inner
            .tokens
            .get(|force_refresh| token::fetch(&inner.http, &inner.config, force_refresh))
            .await
    }

    /// Calls `path` with the access token. When WeChat rejects the token, forgets it (and
    /// retires it in Redis if it is still the shared one), gets a new one and calls once more.
    pub(super) async fn call(
        &self,
        method: Method,
        path: &'static str,
        body: Option<&Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        self.call_with_query(method, path, &[], body).await
    }

    /// [`WeChatApi::call`] with more query parameters than the access token.
    pub(super) async fn call_with_query(
        &self,
        method: Method,
        path: &'static str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        self.with_token_retry(path, |token| {
            self.send(token, method.clone(), path, query, Payload::Json(body), &[])
        })
        .await
    }

    /// POSTs `body` to `path` like [`WeChatApi::call`], returning WeChat's answer also when its
    /// errcode is one of `data_errcodes` (for the caller to read: see `http::Request`).
    pub(super) async fn call_keeping(
        &self,
        path: &'static str,
        body: &Value,
        data_errcodes: &'static [i64],
    ) -> Result<Map<String, Value>, ApiError> {
        self.with_token_retry(path, |token| {
            self.send(
                token,
                Method::POST,
                path,
                &[],
                Payload::Json(Some(body)),
                data_errcodes,
            )
        })
        .await
    }

    /// POSTs the multipart form `form()` to `path` with the access token and `query`, with
    /// [`WeChatApi::call`]'s token retry (which builds the form a second time).
    pub(super) async fn call_multipart(
        &self,
        path: &'static str,
        query: &[(&str, &str)],
        form: impl Fn() -> Result<Form, ApiError>,
    ) -> Result<Map<String, Value>, ApiError> {
        self.with_token_retry(path, |token| {
            let form = form();
            async move {
                self.send(
                    token,
                    Method::POST,
                    path,
                    query,
                    Payload::Multipart(form?),
                    &[],
                )
                .await
            }
        })
        .await
    }

    /// Runs `attempt` with the access token; when WeChat rejects the token, forgets it (and
    /// retires it in Redis if it is still the shared one), gets a new one and runs it once more.
    async fn with_token_retry<F, Fut>(
        &self,
        path: &'static str,
        attempt: F,
    ) -> Result<Map<String, Value>, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<Map<String, Value>, ApiError>>,
    {
        let token = self.access_token().await?;
        match attempt(token.clone()).await {
            Err(error) if is_token_rejected(&error) => {
                if self.inner.tokens.reject(&token).await {
                    tracing::warn!(
                        appid = %self.inner.config.appid,
                        path,
                        errcode = error.errcode(),
                        "WeChat rejected the access token; fetching a new one"
                    );
                }
                let token = self.access_token().await?;
                attempt(token).await
            }
            result => result,
        }
    }

    async fn send(
        &self,
        token: String,
        method: Method,
        path: &'static str,
        extra_query: &[(&str, &str)],
        payload: Payload<'_>,
        data_errcodes: &[i64],
    ) -> Result<Map<String, Value>, ApiError> {
        let inner = &self.inner;
        let mut query = Vec::with_capacity(1 + extra_query.len());
        query.push(("access_token", token.as_str()));
        query.extend_from_slice(extra_query);
        let secrets = [token.as_str(), inner.config.secret.as_str()];
        match payload {
            Payload::Json(body) => {
                let request = Request {
                    method,
                    path,
                    query: &query,
                    body,
                    secrets: &secrets,
                    data_errcodes,
                };
                http::exchange(&inner.http, &inner.config.api_base, request).await
            }
            Payload::Multipart(form) => {
                let request = Request {
                    method,
                    path,
                    query: &query,
                    body: None,
                    secrets: &secrets,
                    data_errcodes,
                };
                http::exchange_multipart(&inner.http, &inner.config.api_base, request, form).await
            }
        }
    }
}

/// What a call sends: a JSON body (or none), or a multipart form.
enum Payload<'a> {
    Json(Option<&'a Value>),
    Multipart(Form),
}

impl fmt::Debug for WeChatApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatApi")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "client_test.rs"]
mod tests;
