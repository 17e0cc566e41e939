//! The JS-SDK `jsapi_ticket` (`/cgi-bin/ticket/getticket?type=jsapi`), which signs the pages
//! allowed to use the JS-SDK.
//!
//! WeChat limits how often a ticket may be fetched, so it is kept like the access token, in the
//! same kind of cache: fetched once for any number of concurrent callers, refreshed ahead of
//! expiry, and, when the client shares its tokens through Redis ([`WeChatApi::with_tokens`]),
//! shared with every instance and fetched by one of them at a time
//! ([`crate::cluster::tokens`], kind [`TokenKind::JsapiTicket`](crate::cluster::tokens::TokenKind)).
//! The fetch itself is an ordinary call with the access token: when WeChat rejects the token
//! (40001, 40014, 42001) a fresh one is fetched and the call made once more. The ticket never
//! appears in a log line or an error.

use reqwest::Method;

use super::client::WeChatApi;
use super::error::ApiError;
use super::token::{self, Fetched};

impl WeChatApi {
    /// The account's `jsapi_ticket`: the cached one, or a new one from
    /// `GET cgi-bin/ticket/getticket?access_token&type=jsapi` when none is cached or the cached
    /// one is near expiry (the access token's rule: less than 5 minutes or 10% of its lifetime
    /// left). Concurrent callers share a single fetch; with shared tokens, so do the other
    /// instances. A rejected access token is replaced and the fetch retried once.
    pub async fn jsapi_ticket(&self) -> Result<String, ApiError> {
        self.jsapi_tickets()
            .get(|_force_refresh| self.fetch_jsapi_ticket())
            .await
    }

    /// Asks WeChat for a new ticket.
    async fn fetch_jsapi_ticket(&self) -> Result<Fetched, ApiError> {
        let answer = self
            .call_with_query(
                Method::GET,
                "/cgi-bin/ticket/getticket",
                &[("type", "jsapi")],
                None,
            )
            .await?;
        token::fetched(&answer, "ticket")
    }
}

#[cfg(test)]
#[path = "jsapi_test.rs"]
mod tests;
