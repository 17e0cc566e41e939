//! How a [`ConsoleError`] becomes the answer to its request: a redirect to sign-in for a page
//! asked for without a session, JSON for scripts (`Accept: application/json`) and `.json`
//! paths, else an HTML page in the admin's language (with the nav when signed in). Each
//! refusal is logged once, here.

use actix_web::http::{Method, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, ResponseError as _};
use askama::Template;
use serde_json::json;

use super::error::ConsoleError;
use super::i18n::{Lang, T};
use super::session::{ConsoleSession, signin_location};
use super::{Page, html};
use crate::api::ApiError;

impl ConsoleError {
    /// Logs the refusal once.
    fn log(&self, req: &HttpRequest) {
        let path = req.path();
        match self {
            ConsoleError::Store(error) => {
                tracing::error!(%error, path, "console request failed in the store")
            }
            ConsoleError::Internal(what) => tracing::error!(what, path, "console request failed"),
            ConsoleError::WeChat { error, .. } => {
                tracing::warn!(%error, path, "WeChat refused a console call")
            }
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
            match self {
                ConsoleError::TooManyRequests { retry_after } => {
                    body["retry_after"] = json!(retry_after);
                }
                ConsoleError::Invalid(problems) => body["problems"] = json!(problems),
                ConsoleError::WeChat { error, version } => {
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
            ConsoleError::Invalid(problems) => problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; "),
            ConsoleError::NoSecret(account) => account.clone(),
            ConsoleError::WeChat { error, .. } => error.to_string(),
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

#[cfg(test)]
#[path = "refusal_test.rs"]
mod tests;
