//! Forward rules: hand a push to an upstream bot over HTTP, in any language.
//!
//! The gateway POSTs `{"account": "demo", "message": {...}}` — every field of the decrypted push
//! under WeChat's own names, nested elements as objects, repeated elements as arrays — and the
//! bot answers 200 with a reply in the rules' shape (`{"text": "hi"}`, `{"news": [...]}`, ...)
//! or 204 for none. Anything else is logged, counted in `wxgate_upstream_failures_total` and
//! answered `success`. The bot has `upstream_timeout_ms`, not the callback deadline: a late
//! answer goes out through the customer-service API.

use std::sync::Arc;
use std::time::Duration;

use wxgate_handlers::{Context, Forwarder, Outcome, Reply, async_trait};

use crate::metrics::{AccountMetrics, UpstreamFailure};

/// The most bytes read from an upstream answer.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// One account's forwarder (the HTTP client is shared and pooled).
#[derive(Debug, Clone)]
pub struct Upstream {
    http: reqwest::Client,
    timeout: Duration,
    metrics: Arc<AccountMetrics>,
}

impl Upstream {
    /// A forwarder over `http`, giving each upstream call `timeout`.
    pub fn new(http: reqwest::Client, timeout: Duration, metrics: Arc<AccountMetrics>) -> Self {
        Upstream {
            http,
            timeout,
            metrics,
        }
    }

    async fn call(&self, url: &str, ctx: &Context<'_>) -> Result<Outcome, UpstreamFailure> {
        let body = serde_json::json!({
            "account": ctx.account(),
            "message": ctx.message().raw.to_json(),
        });
        let mut response = self
            .http
            .post(url)
            .timeout(self.timeout)
            .json(&body)
            .send()
            .await
            .map_err(classify)?;
        match response.status().as_u16() {
            204 => return Ok(Outcome::NoReply),
            200 => {}
            status => {
                tracing::warn!(status, "upstream answered an unexpected status");
                return Err(UpstreamFailure::Status);
            }
        }
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                tracing::warn!("upstream answer larger than 1 MiB");
                return Err(UpstreamFailure::Body);
            }
            answer.extend_from_slice(&chunk);
        }
        serde_json::from_slice::<Reply>(&answer)
            .map(Outcome::Reply)
            .map_err(|error| {
                tracing::warn!(%error, "upstream answer is not a reply");
                UpstreamFailure::Body
            })
    }
}

fn classify(error: reqwest::Error) -> UpstreamFailure {
    let failure = if error.is_timeout() {
        UpstreamFailure::Timeout
    } else if error.is_connect() {
        UpstreamFailure::Connect
    } else {
        UpstreamFailure::Body
    };
    tracing::warn!(error = %error.without_url(), reason = failure.as_str(), "upstream call failed");
    failure
}

#[async_trait]
impl Forwarder for Upstream {
    async fn forward(&self, url: &str, ctx: &Context<'_>) -> Outcome {
        match self.call(url, ctx).await {
            Ok(outcome) => outcome,
            Err(failure) => {
                self.metrics.upstream_failure(failure);
                Outcome::NoReply
            }
        }
    }
}
