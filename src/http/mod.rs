//! The HTTP surface: `/wx/{account}` (the callback), `/healthz` and `/metrics`.
//!
//! Every request meets [`front`] first: the callback's paths are answered there, straight
//! from actix-http's request, and everything else goes on to the actix-web `App` ([`routes`]
//! and the admin API).

pub mod body;
pub mod callback;
pub mod conn;
pub mod front;
pub mod query;
pub mod rejection;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage as _, HttpResponse, web};

use crate::account::{Account, Accounts};
use crate::dispatch::Dispatcher;
use crate::metrics::Metrics;
use crate::store::Store;

/// What every request handler shares, built once at start.
pub struct State {
    /// The configured accounts.
    pub accounts: Accounts,
    /// Dedup and handler dispatch.
    pub dispatcher: Dispatcher,
    /// Every counter.
    pub metrics: Arc<Metrics>,
    /// `server.max_body_bytes`.
    pub max_body_bytes: usize,
    /// `server.handler_timeout_ms`.
    pub handler_timeout: Duration,
    /// `server.max_clock_skew_secs` (0 disables).
    pub max_clock_skew_secs: u64,
    /// `admin.token`; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// Menus and QR codes.
    pub store: Store,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("accounts", &self.accounts)
            .field("admin", &self.admin_token.is_some())
            .finish_non_exhaustive()
    }
}

impl State {
    /// The account called `name`.
    pub fn account(&self, name: &str) -> Option<&Arc<Account>> {
        self.accounts.get(name)
    }
}

/// Runs before every route of the actix-web `App` (the callback applies the same itself, see
/// [`front`]): refuses ambiguous framing and gives the body its deadline.
///
/// A request with both `Content-Length` and `Transfer-Encoding` could be framed differently by
/// a proxy in front (request smuggling): it is refused with 400 and the connection closed, as
/// RFC 9112 §6.1 asks. Any other request gets its payload timed by [`body::timed`].
pub fn prepare(
    mut req: ServiceRequest,
    body_timeout: Duration,
) -> Result<ServiceRequest, ServiceResponse> {
    if let Some(refused) = ambiguous_framing(req.headers()) {
        return Err(req.into_response(refused));
    }
    let payload = req.take_payload();
    req.set_payload(body::timed(payload, body_timeout));
    Ok(req)
}

/// The 400 for a request with both `Content-Length` and `Transfer-Encoding` (see [`prepare`]).
pub(crate) fn ambiguous_framing(headers: &HeaderMap) -> Option<HttpResponse> {
    if !(headers.contains_key(header::CONTENT_LENGTH)
        && headers.contains_key(header::TRANSFER_ENCODING))
    {
        return None;
    }
    tracing::warn!("request with both Content-Length and Transfer-Encoding refused");
    Some(
        HttpResponse::BadRequest()
            .force_close()
            .content_type("text/plain; charset=utf-8")
            .body("Content-Length and Transfer-Encoding must not both be present\n"),
    )
}

/// Registers every route but the callback's on an actix `App` (the callback is answered in
/// front of it, see [`front`]).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/metrics", web::get().to(metrics))
        .configure(crate::admin::routes);
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn metrics(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
