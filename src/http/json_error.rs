//! The JSON error map shared by the app-facing JSON surfaces (mini-program sessions, JS-SDK
//! signatures, the send API): `{"error": "...", "errcode": n, "problems": [...]}`, `errcode` only
//! when WeChat gave one, `problems` only for a request that broke rules (422). Each error
//! is logged once, as it becomes a response, and never carries a credential.

use std::fmt;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::body::BodyError;
use crate::api::ApiError;

/// A refusal or failure answered as JSON.
#[derive(Debug)]
pub struct JsonError {
    status: StatusCode,
    message: String,
    errcode: Option<i64>,
    /// `problems`: every rule a request broke, `[{"path", "message"}]`.
    problems: Option<serde_json::Value>,
    retry_after: Option<Duration>,
    /// A `WWW-Authenticate` value.
    challenge: Option<&'static str>,
}

impl JsonError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> JsonError {
        JsonError {
            status,
            message: message.into(),
            errcode: None,
            problems: None,
            retry_after: None,
            challenge: None,
        }
    }

    /// 422 with every problem found (`problems`, a JSON array of `{"path", "message"}`).
    pub fn invalid(problems: serde_json::Value) -> JsonError {
        let count = problems.as_array().map_or(0, Vec::len);
        let mut error = JsonError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{count} problem(s) with the request"),
        );
        error.problems = Some(problems);
        error
    }

    /// 401 asking for HTTP Basic credentials.
    pub fn unauthorized_basic(message: impl Into<String>) -> JsonError {
        let mut error = JsonError::new(StatusCode::UNAUTHORIZED, message);
        error.challenge = Some("Basic realm=\"wxgate\"");
        error
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> JsonError {
        JsonError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401 with a Bearer challenge.
    pub fn unauthorized(message: impl Into<String>) -> JsonError {
        let mut error = JsonError::new(StatusCode::UNAUTHORIZED, message);
        error.challenge = Some("Bearer");
        error
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> JsonError {
        JsonError::new(StatusCode::FORBIDDEN, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> JsonError {
        JsonError::new(StatusCode::NOT_FOUND, message)
    }

    /// 429 with `Retry-After`.
    pub fn throttled(retry_after: Duration) -> JsonError {
        let mut error = JsonError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this address; try again later",
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// 500: a fault of the gateway's own (logged with its cause; the answer says no more).
    pub fn internal(what: impl fmt::Display) -> JsonError {
        tracing::error!(error = %what, "internal error");
        JsonError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// A body that could not be read: 413, 408 or 400.
    pub fn body(error: &BodyError) -> JsonError {
        let status = match error {
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Timeout => StatusCode::REQUEST_TIMEOUT,
            BodyError::Read(_) => StatusCode::BAD_REQUEST,
        };
        JsonError::new(status, error.to_string())
    }

    /// A failed WeChat call: a refused code (40029 invalid, 40163 used, 40226 risky user) is
    /// 400 and WeChat's minute quota for the user (45011) 429, both with the errcode; any other
    /// errcode 502 with it; no answer in time 504; anything else 502.
    pub fn wechat(error: &ApiError) -> JsonError {
        tracing::warn!(%error, "WeChat call failed");
        match error {
            ApiError::WeChat { errcode, .. } => {
                let status = match errcode {
                    40029 | 40163 | 40226 => StatusCode::BAD_REQUEST,
                    45011 => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::BAD_GATEWAY,
                };
                let mut answer = JsonError::new(
                    status,
                    format!("WeChat refused the call (errcode {errcode})"),
                );
                answer.errcode = Some(*errcode);
                if status == StatusCode::TOO_MANY_REQUESTS {
                    answer.retry_after = Some(Duration::from_secs(60));
                }
                answer
            }
            ApiError::Timeout => {
                JsonError::new(StatusCode::GATEWAY_TIMEOUT, "WeChat did not answer in time")
            }
            _ => JsonError::new(
                StatusCode::BAD_GATEWAY,
                "WeChat could not be reached, or its answer was unreadable",
            ),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for JsonError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::warn!(status = self.status.as_u16(), message = %self.message, errcode = self.errcode, "request failed");
        } else {
            tracing::info!(status = self.status.as_u16(), message = %self.message, errcode = self.errcode, "request refused");
        }
        let mut body = json!({ "error": self.message });
        if let Some(errcode) = self.errcode {
            body["errcode"] = errcode.into();
        }
        if let Some(problems) = &self.problems {
            body["problems"] = problems.clone();
        }
        let mut builder = HttpResponse::build(self.status);
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(after) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, after.as_secs().max(1)));
        }
        if let Some(challenge) = self.challenge {
            builder.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        builder.json(body)
    }
}

#[cfg(test)]
#[path = "json_error_test.rs"]
mod tests;
