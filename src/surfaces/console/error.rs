//! The console's one error map: every way a console request can fail, its status, and its
//! answer — an HTML page in the admin's language, or JSON (`{"error": ...}`, plus `problems`
//! for 422, `errcode`/`errmsg`/`version` from WeChat) for the scripts' `fetch` calls
//! (`Accept: application/json`) and `.json` paths. A page asked for without a
//! session is a redirect to the sign-in page instead. Each refusal is logged once, as it
//! becomes a response (never a password, cookie or token).
//!
//! Handlers return `Result<_, ConsoleError>`; [`ResponseError`] gives a first answer, and the
//! console's middleware ([`super::finish`]) renders it again with the request at hand
//! (`ConsoleError::render`, in `refusal.rs`), which knows the language and what the client
//! accepts.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::api::ApiError;
use crate::http::body::BodyError;
use crate::manage::{ManageError, Problem};
use crate::store::StoreError;

/// Why a console request failed; each maps to one status.
#[derive(Debug)]
pub enum ConsoleError {
    /// 404: the console is off (no `[admin] token`), or no such page, account or item.
    NotFound,
    /// 401 (a redirect to sign-in for a page): no session, or an expired one.
    Unauthorized,
    /// 403: a POST without the right CSRF token or from another origin. The text says which
    /// (for the log; the page says only that it was refused).
    Forbidden(&'static str),
    /// 400: the request is not what the page sends.
    BadRequest(String),
    /// 413: the body is larger than the console takes.
    TooLarge,
    /// 422: the request breaks WeChat's rules (every problem listed, by path); nothing changed.
    Invalid(Vec<Problem>),
    /// 422: the account has no AppSecret, so it cannot call WeChat.
    NoSecret(String),
    /// 422: a conditional menu before the account has a default menu.
    NoDefaultMenu,
    /// 502 or 504: WeChat refused or did not answer. `version` names a menu version stored
    /// before the call.
    WeChat {
        /// What WeChat said.
        error: ApiError,
        /// The menu version stored before the call, if any.
        version: Option<i64>,
    },
    /// 429: too many failed sign-ins; try again after this many seconds.
    TooManyRequests {
        /// Seconds until the next attempt may succeed (the `Retry-After` header).
        retry_after: u64,
    },
    /// 500: the store failed.
    Store(StoreError),
    /// 500: the gateway is wired wrongly or a page failed to render (a bug).
    Internal(String),
}

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsoleError::NotFound => f.write_str("not found"),
            ConsoleError::Unauthorized => f.write_str("sign in first"),
            ConsoleError::Forbidden(why) => write!(f, "refused: {why}"),
            ConsoleError::BadRequest(what) => f.write_str(what),
            ConsoleError::TooLarge => f.write_str("request body too large"),
            ConsoleError::Invalid(problems) => {
                write!(f, "{} problem(s) with the request", problems.len())
            }
            ConsoleError::NoSecret(account) => write!(
                f,
                "account `{account}` has no `secret` in the config; API calls need the AppSecret"
            ),
            ConsoleError::NoDefaultMenu => f.write_str("the account has no default menu"),
            ConsoleError::WeChat { error, .. } => write!(f, "{error}"),
            ConsoleError::TooManyRequests { retry_after } => {
                write!(f, "too many failed sign-ins; try again in {retry_after} s")
            }
            ConsoleError::Store(error) => write!(f, "store: {error}"),
            ConsoleError::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

impl ConsoleError {
    /// The catalogue key of the page's message.
    pub fn message_key(&self) -> &'static str {
        match self {
            ConsoleError::NotFound => "error.not_found",
            ConsoleError::Unauthorized => "error.unauthorized",
            ConsoleError::Forbidden(_) => "error.forbidden",
            ConsoleError::BadRequest(_) => "error.bad_request",
            ConsoleError::TooLarge => "error.too_large",
            ConsoleError::Invalid(_) => "error.invalid",
            ConsoleError::NoSecret(_) => "error.no_secret",
            ConsoleError::NoDefaultMenu => "error.no_default_menu",
            ConsoleError::WeChat {
                error: ApiError::Timeout,
                ..
            } => "error.wechat_timeout",
            ConsoleError::WeChat { .. } => "error.wechat",
            ConsoleError::TooManyRequests { .. } => "error.too_many",
            ConsoleError::Store(_) | ConsoleError::Internal(_) => "error.internal",
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::Unauthorized => StatusCode::UNAUTHORIZED,
            ConsoleError::Forbidden(_) => StatusCode::FORBIDDEN,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ConsoleError::Invalid(_) | ConsoleError::NoSecret(_) | ConsoleError::NoDefaultMenu => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ConsoleError::WeChat {
                error: ApiError::Timeout,
                ..
            } => StatusCode::GATEWAY_TIMEOUT,
            ConsoleError::WeChat { .. } => StatusCode::BAD_GATEWAY,
            ConsoleError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::Store(_) | ConsoleError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A plain first answer; the console's middleware replaces it with [`ConsoleError::render`].
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(format!("{}\n", self.status_code()))
    }
}

impl From<StoreError> for ConsoleError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ConsoleError::NotFound,
            other => ConsoleError::Store(other),
        }
    }
}

impl From<ManageError> for ConsoleError {
    fn from(error: ManageError) -> Self {
        match error {
            ManageError::Invalid(problems) => ConsoleError::Invalid(problems),
            ManageError::NotFound(_) => ConsoleError::NotFound,
            ManageError::NoSecret(account) => ConsoleError::NoSecret(account),
            ManageError::NoDefaultMenu => ConsoleError::NoDefaultMenu,
            ManageError::WeChat { error, version } => ConsoleError::WeChat { error, version },
            ManageError::Store(error) => ConsoleError::Store(error),
        }
    }
}

impl From<ApiError> for ConsoleError {
    fn from(error: ApiError) -> Self {
        ConsoleError::WeChat {
            error,
            version: None,
        }
    }
}

impl From<BodyError> for ConsoleError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge { .. } => ConsoleError::TooLarge,
            BodyError::Read(what) => ConsoleError::BadRequest(what),
            BodyError::Timeout => ConsoleError::BadRequest("body not received in time".into()),
        }
    }
}

impl From<askama::Error> for ConsoleError {
    fn from(error: askama::Error) -> Self {
        ConsoleError::Internal(format!("page failed to render: {error}"))
    }
}

#[cfg(test)]
#[path = "error_test.rs"]
mod tests;
