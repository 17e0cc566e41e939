//! The admin API under `/admin`: menus and QR codes, JSON in and out, behind a bearer token.
//!
//! Order of checks: admin enabled (else 404 for everything), bearer token (401, compared in
//! constant time), account (404), body size (413), JSON shape (400), WeChat's rules (422), then
//! the store and WeChat (502 when WeChat refuses, 504 when it does not answer).

pub mod menus;
pub mod qrcodes;
pub mod validate;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::account::Account;
use crate::api::ApiError;
use crate::http::State;
use crate::http::body::{BodyError, read_limited};
use crate::store::StoreError;
use validate::Problem;

/// The largest admin request body.
pub const MAX_ADMIN_BODY_BYTES: usize = 1 << 20;

/// Registers the admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("/accounts/{name}/menu", web::get().to(menus::current))
            .route("/accounts/{name}/menu", web::put().to(menus::put))
            .route("/accounts/{name}/menu", web::delete().to(menus::delete))
            .route(
                "/accounts/{name}/menu/versions",
                web::get().to(menus::versions),
            )
            .route(
                "/accounts/{name}/menu/versions/{version}/publish",
                web::post().to(menus::publish_version),
            )
            .route("/accounts/{name}/qrcodes", web::get().to(qrcodes::list))
            .route("/accounts/{name}/qrcodes", web::post().to(qrcodes::create))
            .default_service(web::to(not_found)),
    );
}

async fn not_found(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    match authorize(&state, &req) {
        Ok(()) => AdminError::NotFound("no such admin route".into()).response(),
        Err(e) => e.response(),
    }
}

/// Why an admin request failed; each maps to one status.
#[derive(Debug)]
pub enum AdminError {
    /// 404: admin disabled, unknown account, route, menu or version.
    NotFound(String),
    /// 401: missing or wrong bearer token.
    Unauthorized,
    /// 400: the body is not the JSON expected.
    BadRequest(String),
    /// 413: the body is over 1 MiB.
    TooLarge,
    /// 422: the request breaks WeChat's rules (every problem listed).
    Invalid(Vec<Problem>),
    /// 422: the account cannot make API calls.
    NoSecret(String),
    /// 502 or 504: WeChat refused or did not answer. `version` names a stored menu version.
    WeChat {
        /// What WeChat said.
        error: ApiError,
        /// The menu version stored before the call, if any.
        version: Option<i64>,
    },
    /// 500: the store failed.
    Store(StoreError),
}

impl AdminError {
    fn status(&self) -> StatusCode {
        match self {
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Unauthorized => StatusCode::UNAUTHORIZED,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::Invalid(_) | AdminError::NoSecret(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AdminError::WeChat {
                error: ApiError::Timeout,
                ..
            } => StatusCode::GATEWAY_TIMEOUT,
            AdminError::WeChat { .. } => StatusCode::BAD_GATEWAY,
            AdminError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON answer: `{"error": "..."}` plus `problems`, or WeChat's `errcode`/`errmsg`.
    pub fn response(&self) -> HttpResponse {
        let body = match self {
            AdminError::NotFound(what) => json!({ "error": what }),
            AdminError::Unauthorized => {
                json!({ "error": "missing or wrong bearer token (Authorization: Bearer <admin.token>)" })
            }
            AdminError::BadRequest(what) => json!({ "error": what }),
            AdminError::TooLarge => {
                json!({ "error": format!("body larger than {MAX_ADMIN_BODY_BYTES} bytes") })
            }
            AdminError::Invalid(problems) => json!({
                "error": format!("{} problem(s) with the request", problems.len()),
                "problems": problems,
            }),
            AdminError::NoSecret(account) => json!({
                "error": format!("account `{account}` has no `secret` in the config; API calls need the AppSecret"),
            }),
            AdminError::WeChat { error, version } => {
                let mut body = json!({ "error": error.to_string() });
                if let Some(errcode) = error.errcode() {
                    body["errcode"] = json!(errcode);
                }
                if let ApiError::WeChat { errmsg, .. } = error {
                    body["errmsg"] = json!(errmsg);
                }
                if let Some(version) = version {
                    body["version"] = json!(version);
                }
                body
            }
            AdminError::Store(error) => json!({ "error": format!("store: {error}") }),
        };
        let mut response = HttpResponse::build(self.status());
        match self {
            AdminError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            // The rest of the body was never read: the connection cannot carry another request.
            AdminError::TooLarge => {
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

/// Now, in the store's Unix seconds.
pub fn now() -> i64 {
    i64::try_from(crate::dispatch::unix_now()).unwrap_or(i64::MAX)
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
            BodyError::Timeout => {
                AdminError::BadRequest("body not received within server.body_timeout_ms".into())
            }
        }
    }
}

/// Turns a handler's result into the response, logging failures (never the token).
pub fn answer(result: Result<HttpResponse, AdminError>) -> HttpResponse {
    match result {
        Ok(response) => response,
        Err(error) => {
            match &error {
                AdminError::Store(e) => {
                    tracing::error!(error = %e, "admin request failed in the store")
                }
                AdminError::WeChat { error: e, .. } => {
                    tracing::warn!(error = %e, "WeChat refused an admin call")
                }
                other => tracing::info!(status = other.status().as_u16(), "admin request refused"),
            }
            error.response()
        }
    }
}

/// Checks that the admin API is on and the request carries its bearer token.
pub fn authorize(state: &State, req: &HttpRequest) -> Result<(), AdminError> {
    let Some(token) = &state.admin_token else {
        return Err(AdminError::NotFound("not found".into()));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim());
    match presented {
        Some(presented) if bool::from(presented.as_bytes().ct_eq(token.as_bytes())) => Ok(()),
        _ => Err(AdminError::Unauthorized),
    }
}

/// Authorizes, then finds the account.
pub fn account<'s>(
    state: &'s State,
    req: &HttpRequest,
    name: &str,
) -> Result<&'s std::sync::Arc<Account>, AdminError> {
    authorize(state, req)?;
    state
        .account(name)
        .ok_or_else(|| AdminError::NotFound(format!("no account named `{name}`")))
}

/// The account's API client, or 422 when it has no secret.
pub fn api(account: &Account) -> Result<&crate::api::WeChatApi, AdminError> {
    account
        .api
        .as_deref()
        .ok_or_else(|| AdminError::NoSecret(account.name.to_string()))
}

/// Reads a JSON body of at most [`MAX_ADMIN_BODY_BYTES`].
pub async fn body(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, AdminError> {
    Ok(read_limited(req.headers(), payload, MAX_ADMIN_BODY_BYTES).await?)
}
