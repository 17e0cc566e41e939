//! The OpenID Connect surface's one error map. A failure becomes either an HTML page (the
//! browser steps, when there is no app to send the user back to) or an OAuth JSON error (the
//! token and userinfo endpoints, RFC 6749 section 5.2 and RFC 6750 section 3). Errors that go
//! back to the app's redirect URI are not errors of this surface: they are ordinary redirects
//! (see `redirect.rs`). Each error is logged once, as it becomes a response, without any code,
//! token or secret.

use std::fmt;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::page;
use crate::grants::GrantsError;

/// The description of a replayed code.
const REPLAY: &str = "code already used; the tokens issued from it are revoked";

/// How an error reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// An HTML page, for a browser.
    Page,
    /// `{"error": ..., "error_description": ...}`, for an app's back end.
    Json,
}

/// Why a request to the OpenID Connect surface failed.
#[derive(Debug)]
pub struct OidcError {
    status: StatusCode,
    /// The OAuth error code (`invalid_grant`, ...); for pages, a word for the log.
    code: &'static str,
    message: String,
    wire: Wire,
    retry_after: Option<Duration>,
    /// A `WWW-Authenticate` header value.
    challenge: Option<&'static str>,
}

impl OidcError {
    /// An error page with `status`.
    pub fn page(status: StatusCode, message: impl Into<String>) -> OidcError {
        OidcError {
            status,
            code: "page",
            message: message.into(),
            wire: Wire::Page,
            retry_after: None,
            challenge: None,
        }
    }

    /// A 404 page: no such account, or the provider is off.
    pub fn not_found() -> OidcError {
        OidcError::page(
            StatusCode::NOT_FOUND,
            "No such login endpoint. 没有这个登录入口。",
        )
    }

    /// A 400 page: a request that cannot go back to any app.
    pub fn bad_request(message: impl Into<String>) -> OidcError {
        OidcError::page(StatusCode::BAD_REQUEST, message)
    }

    /// An OAuth JSON error.
    pub fn json(status: StatusCode, code: &'static str, message: impl Into<String>) -> OidcError {
        OidcError {
            status,
            code,
            message: message.into(),
            wire: Wire::Json,
            retry_after: None,
            challenge: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(message: impl Into<String>) -> OidcError {
        OidcError::json(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 400 `invalid_grant`: the code is unknown, expired, used, or not this client's.
    pub fn invalid_grant(message: impl Into<String>) -> OidcError {
        OidcError::json(StatusCode::BAD_REQUEST, "invalid_grant", message)
    }

    /// 400 `invalid_grant` for a code redeemed a second time.
    pub fn replay() -> OidcError {
        OidcError::invalid_grant(REPLAY)
    }

    /// Whether this is the answer to a code redeemed a second time.
    pub fn is_replay(&self) -> bool {
        self.message == REPLAY
    }

    /// 401 `invalid_client`; `basic` when the client tried HTTP Basic (the answer then asks for
    /// it, as RFC 6749 section 5.2 says).
    pub fn invalid_client(basic: bool) -> OidcError {
        let mut error = OidcError::json(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
        if basic {
            error.challenge = Some("Basic realm=\"wxgate\"");
        }
        error
    }

    /// 401 `invalid_token` at the userinfo endpoint (RFC 6750).
    pub fn invalid_token(message: impl Into<String>) -> OidcError {
        let mut error = OidcError::json(StatusCode::UNAUTHORIZED, "invalid_token", message);
        error.challenge = Some("Bearer error=\"invalid_token\"");
        error
    }

    /// 429 with `Retry-After`.
    pub fn throttled(wire: Wire, retry_after: Duration) -> OidcError {
        let message =
            "too many requests from this address; try again later. 请求过于频繁，请稍后再试。";
        let mut error = match wire {
            Wire::Page => OidcError::page(StatusCode::TOO_MANY_REQUESTS, message),
            Wire::Json => OidcError::json(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                message,
            ),
        };
        error.retry_after = Some(retry_after);
        error
    }

    /// 503: pending logins, codes and tokens cannot be read or written now.
    pub fn grants(wire: Wire, error: &GrantsError) -> OidcError {
        tracing::error!(%error, "OpenID Connect: grant store failed");
        let message = "login is unavailable for a moment; try again. 登录暂时不可用，请重试。";
        let mut error = match wire {
            Wire::Page => OidcError::page(StatusCode::SERVICE_UNAVAILABLE, message),
            Wire::Json => OidcError::json(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                message,
            ),
        };
        error.retry_after = Some(Duration::from_secs(1));
        error
    }

    /// 500: a fault of the gateway's own (signing failed, a stored record unreadable).
    pub fn internal(wire: Wire, what: impl fmt::Display) -> OidcError {
        tracing::error!(error = %what, "OpenID Connect: internal error");
        let message = "internal error";
        match wire {
            Wire::Page => OidcError::page(StatusCode::INTERNAL_SERVER_ERROR, message),
            Wire::Json => {
                OidcError::json(StatusCode::INTERNAL_SERVER_ERROR, "server_error", message)
            }
        }
    }
}

impl fmt::Display for OidcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for OidcError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::warn!(status = self.status.as_u16(), code = self.code, message = %self.message, "OpenID Connect request failed");
        } else {
            tracing::info!(status = self.status.as_u16(), code = self.code, message = %self.message, "OpenID Connect request refused");
        }
        let mut response = match self.wire {
            Wire::Page => page::error(self.status, &self.message),
            Wire::Json => {
                let mut builder = HttpResponse::build(self.status);
                builder
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .insert_header((header::PRAGMA, "no-cache"));
                builder.json(json!({ "error": self.code, "error_description": self.message }))
            }
        };
        let headers = response.headers_mut();
        if let Some(after) = self.retry_after {
            headers.insert(header::RETRY_AFTER, after.as_secs().max(1).into());
        }
        if let Some(challenge) = self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
