//! The admin API's one error map: every way an admin request can fail, its status and its JSON
//! body (`{"error": "..."}` plus `problems`, or WeChat's `errcode`/`errmsg`), logged once as it
//! becomes a response. Handlers return `Result<_, AdminError>`; actix-web turns the error into
//! the response through [`ResponseError`].

use std::fmt;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::MAX_ADMIN_BODY_BYTES;
use crate::api::ApiError;
use crate::http::body::BodyError;
use crate::manage::{ManageError, Problem};
use crate::store::StoreError;

/// Why an admin request failed; each maps to one status.
#[derive(Debug)]
pub enum AdminError {
    /// 404: admin disabled, unknown account, route, menu or version.
    NotFound(String),
    /// 401: missing or wrong bearer token.
    Unauthorized,
    /// 400: the body is not the JSON expected.
    BadRequest(String),
    /// 408: the body did not arrive within `server.body_timeout_ms`.
    Timeout,
    /// 413: the body is over 1 MiB.
    TooLarge,
    /// 422: the request breaks WeChat's rules (every problem listed).
    Invalid(Vec<Problem>),
    /// 422: the account cannot make API calls.
    NoSecret(String),
    /// 422: a conditional menu before the account has a default menu.
    NoDefaultMenu,
    /// 502 or 504: WeChat refused or did not answer. `version` names a stored menu version.
    WeChat {
        /// What WeChat said.
        error: ApiError,
        /// The menu version stored before the call, if any.
        version: Option<i64>,
    },
    /// 500: the store failed.
    Store(StoreError),
    /// 500: the gateway is wired wrongly (a bug, never the request's fault).
    Internal(&'static str),
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::NotFound(what) | AdminError::BadRequest(what) => f.write_str(what),
            AdminError::Unauthorized => {
                f.write_str("missing or wrong bearer token (Authorization: Bearer <admin.token>)")
            }
            AdminError::Timeout => f.write_str("body not received within server.body_timeout_ms"),
            AdminError::TooLarge => write!(f, "body larger than {MAX_ADMIN_BODY_BYTES} bytes"),
            AdminError::Invalid(problems) => {
                write!(f, "{} problem(s) with the request", problems.len())
            }
            AdminError::NoSecret(account) => write!(
                f,
                "account `{account}` has no `secret` in the config; API calls need the AppSecret"
            ),
            AdminError::NoDefaultMenu => write!(f, "{}", ManageError::NoDefaultMenu),
            AdminError::WeChat { error, .. } => write!(f, "{error}"),
            AdminError::Store(error) => write!(f, "store: {error}"),
            AdminError::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Unauthorized => StatusCode::UNAUTHORIZED,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AdminError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::Invalid(_) | AdminError::NoSecret(_) | AdminError::NoDefaultMenu => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AdminError::WeChat {
                error: ApiError::Timeout,
                ..
            } => StatusCode::GATEWAY_TIMEOUT,
            AdminError::WeChat { .. } => StatusCode::BAD_GATEWAY,
            AdminError::Store(_) | AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON answer, logged (never the token).
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AdminError::Store(e) => {
                tracing::error!(error = %e, "admin request failed in the store")
            }
            AdminError::Internal(what) => tracing::error!(what, "admin request failed"),
            AdminError::WeChat { error: e, .. } => {
                tracing::warn!(error = %e, "WeChat refused an admin call")
            }
            _ => tracing::info!(status = status.as_u16(), "admin request refused"),
        }
        let mut body = json!({ "error": self.to_string() });
        match self {
            AdminError::Invalid(problems) => body["problems"] = json!(problems),
            AdminError::NoDefaultMenu => {
                body["problems"] = json!([Problem {
                    path: "button".into(),
                    message: self.to_string(),
                }]);
            }
            AdminError::WeChat { error, version } => {
                if let Some(errcode) = error.errcode() {
                    body["errcode"] = json!(errcode);
                }
                if let ApiError::WeChat { errmsg, .. } = error {
                    body["errmsg"] = json!(errmsg);
                }
                if let Some(version) = version {
                    body["version"] = json!(version);
                }
            }
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        match self {
            AdminError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The rest of the body was never read: the connection cannot carry another request.
            AdminError::TooLarge | AdminError::Timeout => {
                response.force_close();
            }
            _ => {}
        }
        response.json(body)
    }
}

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> Self {
        AdminError::WeChat {
            error,
            version: None,
        }
    }
}

impl From<ManageError> for AdminError {
    fn from(error: ManageError) -> Self {
        match error {
            ManageError::Invalid(problems) => AdminError::Invalid(problems),
            ManageError::NotFound(what) => AdminError::NotFound(what),
            ManageError::NoSecret(account) => AdminError::NoSecret(account),
            ManageError::NoDefaultMenu => AdminError::NoDefaultMenu,
            ManageError::WeChat { error, version } => AdminError::WeChat { error, version },
            ManageError::Store(error) => AdminError::Store(error),
        }
    }
}

impl From<StoreError> for AdminError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AdminError::NotFound("not found".into()),
            other => AdminError::Store(other),
        }
    }
}

impl From<BodyError> for AdminError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge { .. } => AdminError::TooLarge,
            BodyError::Read(what) => AdminError::BadRequest(what),
            BodyError::Timeout => AdminError::Timeout,
        }
    }
}
