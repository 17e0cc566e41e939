//! The console's one error map: every way a console request can fail, its status, and its
//! answer — an HTML page in the admin's language, or JSON (`{"error": ...}`) for the scripts'
//! `fetch` calls (`Accept: application/json`) and `.json` paths. A page asked for without a
//! session is a redirect to the sign-in page instead. Each refusal is logged once, as it
//! becomes a response (never a password, cookie or token).
//!
//! Handlers return `Result<_, ConsoleError>`; [`ResponseError`] gives a first answer, and the
//! console's middleware ([`super::finish`]) renders it again with the request at hand
//! ([`ConsoleError::render`]), which knows the language and what the client accepts.

use std::fmt;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use serde_json::json;

use super::i18n::{Lang, T};
use super::session::{ConsoleSession, signin_location};
use super::{Page, html};
use crate::http::body::BodyError;
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
    fn message_key(&self) -> &'static str {
        match self {
            ConsoleError::NotFound => "error.not_found",
            ConsoleError::Unauthorized => "error.unauthorized",
            ConsoleError::Forbidden(_) => "error.forbidden",
            ConsoleError::BadRequest(_) => "error.bad_request",
            ConsoleError::TooLarge => "error.too_large",
            ConsoleError::TooManyRequests { .. } => "error.too_many",
            ConsoleError::Store(_) | ConsoleError::Internal(_) => "error.internal",
        }
    }

    /// Logs the refusal once.
    fn log(&self, req: &HttpRequest) {
        let path = req.path();
        match self {
            ConsoleError::Store(error) => {
                tracing::error!(%error, path, "console request failed in the store")
            }
            ConsoleError::Internal(what) => tracing::error!(what, path, "console request failed"),
            ConsoleError::Forbidden(why) => {
                tracing::warn!(why, path, method = %req.method(), "console request refused")
            }
            _ => tracing::info!(
                status = self.status_code().as_u16(),
                path,
                "console request refused"
            ),
        }
    }

    /// The answer to `req`: a redirect to sign-in (a page without a session), JSON (scripts
    /// and `.json` paths), or an HTML page in the request's language.
    pub fn render(&self, req: &HttpRequest) -> HttpResponse {
        self.log(req);
        if matches!(self, ConsoleError::Unauthorized) && wants_page(req) {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, signin_location(req)))
                .finish();
        }
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        if let ConsoleError::TooManyRequests { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if matches!(self, ConsoleError::TooLarge) {
            // The rest of the body was never read.
            response.force_close();
        }
        let session = req.extensions().get::<ConsoleSession>().cloned();
        let lang = session.as_ref().map_or_else(|| Lang::of(req), |s| s.lang);
        let t = T { lang };
        let message = t.t(self.message_key());
        if wants_json(req) {
            let mut body = json!({ "error": message });
            if let ConsoleError::TooManyRequests { retry_after } = self {
                body["retry_after"] = json!(retry_after);
            }
            return response.json(body);
        }
        let page = match &session {
            Some(session) => Page::new(req, session, ""),
            None => Page::anonymous(req, lang),
        };
        let detail = match self {
            ConsoleError::BadRequest(what) => what.clone(),
            ConsoleError::TooManyRequests { retry_after } => {
                format!("{} {retry_after} s", t.t("error.retry_after"))
            }
            _ => String::new(),
        };
        let template = ErrorTemplate {
            page,
            status: status.as_u16(),
            message,
            detail,
        };
        match template.render() {
            Ok(text) => response.content_type(html()).body(text),
            Err(error) => {
                tracing::error!(%error, "the console's error page failed to render");
                response
                    .content_type("text/plain; charset=utf-8")
                    .body(format!("{} {message}\n", status.as_u16()))
            }
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

/// The error page.
#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    message: &'static str,
    detail: String,
}

/// Whether the client wants JSON: it says so in `Accept`, or asked for a `.json` path.
pub fn wants_json(req: &HttpRequest) -> bool {
    req.path().ends_with(".json")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"))
}

/// Whether a missing session should send the browser to sign in: a page (GET or HEAD, not
/// JSON).
fn wants_page(req: &HttpRequest) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD) && !wants_json(req)
}

impl From<StoreError> for ConsoleError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ConsoleError::NotFound,
            other => ConsoleError::Store(other),
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
