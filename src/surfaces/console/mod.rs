//! The admin console in the browser, under `/admin/` (the JSON API keeps `/admin/accounts/`):
//! server-rendered pages in Simplified Chinese or English, a little JavaScript for live figures
//! and editors, everything embedded in the binary.
//!
//! - **On or off**: the console is served when the admin API is (`[admin] token` set); off,
//!   every console path, assets included, answers 404. The bearer token opens no console page
//!   and the session cookie opens no JSON API route.
//! - **Who**: admins of `[[admin.users]]` sign in with a password (argon2) and get a session
//!   ([`ConsoleSession`], `session.rs`); `signin.rs` signs in and out, throttles failed
//!   sign-ins per name and per address (counted from the audit log, so every instance
//!   throttles alike), and switches the language.
//! - **Pages**: handlers take a [`ConsoleSession`], build a template whose `page` field is a
//!   [`Page`] (the nav, the CSRF token, the language) and answer [`render`]'s response; errors
//!   are [`ConsoleError`]s, rendered by the middleware in the admin's language.
//!   Templates live in `templates/console/` and extend `console/base.html`: blocks `title`,
//!   `scripts` (page scripts, `<script src=... defer>`) and `content` (which holds
//!   `<main id="page-NAME">`). Strings come from `assets/console/messages.toml` through
//!   `{{ page.t("key") }}`.
//! - **Every response** carries a strict Content-Security-Policy (no inline script or style),
//!   `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`, `X-Content-Type-Options: nosniff`
//!   and, but for assets, `Cache-Control: no-store` ([`finish`]).
//! - **GET never changes anything**; every POST is checked for a session, its CSRF token and
//!   the request's own `Origin` before its handler runs.

pub mod assets;
pub mod audit;
pub mod conditional;
pub mod cookies;
mod diff;
mod error;
pub mod i18n;
pub mod menus;
pub mod outbox;
pub mod overview;
pub mod qr_image;
pub mod qrcodes;
mod refusal;
pub mod session;
pub mod signin;
pub mod simulator;

use actix_web::body::BoxBody;
use actix_web::dev::{Service as _, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

pub use error::ConsoleError;
pub use i18n::{Lang, T};
pub use refusal::wants_json;
pub use session::{ConsoleSession, client_ip, form, json};

use crate::state::State;

/// The Content-Security-Policy of every console response: scripts, styles, images and
/// fetches from the gateway itself only, nothing inline, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Registers the console under `/admin` (after the admin API's `/admin/accounts`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap_fn(|req: ServiceRequest, srv| {
                let call = if console_on(req.request()) {
                    Ok(srv.call(req))
                } else {
                    Err(req)
                };
                async move {
                    let res = match call {
                        Ok(call) => call.await?,
                        Err(req) => {
                            let response = ConsoleError::NotFound.render(req.request());
                            req.into_response(response)
                        }
                    };
                    Ok(finish(res))
                }
            })
            .route("", web::get().to(to_console))
            .route("/", web::get().to(overview::page))
            .route("/live.json", web::get().to(overview::live))
            .route("/signin", web::get().to(signin::page))
            .route("/signin", web::post().to(signin::submit))
            .route("/signout", web::post().to(signin::signout))
            .route("/lang", web::post().to(signin::lang))
            .route("/assets/{file}", web::get().to(assets::serve))
            .route("/audit", web::get().to(audit::page))
            .configure(menus::routes)
            .configure(conditional::routes)
            .route("/qrcodes/{account}", web::get().to(qrcodes::page))
            .route("/qrcodes/{account}", web::post().to(qrcodes::create))
            .route("/qrcodes/{account}/{file}", web::get().to(qrcodes::image))
            .route("/simulator", web::get().to(simulator::page))
            .route("/simulator", web::post().to(simulator::submit))
            .route("/outbox/{account}", web::get().to(outbox::page))
            .default_service(web::to(not_found)),
    );
}

/// Whether the console is on: the admin API is (`[admin] token` set).
fn console_on(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<State>>()
        .is_some_and(|state| state.admin_token.is_some())
}

/// `/admin` without the slash: the overview.
async fn to_console() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

/// Any other path or method under `/admin`: 404, once the session is checked (without one,
/// a page goes to sign-in).
async fn not_found(_: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    Err(ConsoleError::NotFound)
}

/// Every console response on its way out: an error rendered for its request (language, JSON
/// or page, redirect to sign-in), then the security headers.
pub fn finish(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let (req, mut response) = res.into_parts();
    let rendered = response
        .error()
        .map(|error| match error.as_error::<ConsoleError>() {
            Some(console) => console.render(&req),
            None => {
                // actix-web's own refusals (a path or query that does not parse, ...).
                let status = error.as_response_error().status_code();
                let mapped = if status == actix_web::http::StatusCode::NOT_FOUND {
                    ConsoleError::NotFound
                } else if status.is_client_error() {
                    ConsoleError::BadRequest(error.to_string())
                } else {
                    ConsoleError::Internal(error.to_string())
                };
                mapped.render(&req)
            }
        });
    if let Some(rendered) = rendered {
        response = rendered;
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    ServiceResponse::new(req, response)
}

/// The content type of the console's pages.
pub fn html() -> &'static str {
    "text/html; charset=utf-8"
}

/// A page rendered as a 200 response.
pub fn render(template: &impl Template) -> Result<HttpResponse, ConsoleError> {
    Ok(HttpResponse::Ok()
        .content_type(html())
        .body(template.render()?))
}

/// An account in the nav: its name (the path segment of its pages) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    /// The account's name.
    pub name: String,
    /// Its message mode (`plain`, `compatible`, `safe`).
    pub mode: &'static str,
    /// Its kind (`official`, `miniprogram`).
    pub kind: &'static str,
}

/// What every page template gets as its `page` field: the language, who is signed in, the
/// CSRF token for its forms, the accounts for the nav, which nav entry is active and the path
/// (the language switch comes back to it).
#[derive(Debug, Clone)]
pub struct Page {
    /// The translator: `{{ page.t("key") }}` (or `{{ page.t.t("key") }}`).
    pub t: T,
    /// The admin's name; empty on the sign-in and error pages of nobody signed in.
    pub admin: String,
    /// The session's CSRF token; empty without a session.
    pub csrf: String,
    /// Every account, in config order.
    pub accounts: Vec<AccountLink>,
    /// The active nav entry: `overview`, `menus`, `qrcodes`, `outbox`, `simulator`, `audit`
    /// (or empty).
    pub active: &'static str,
    /// The account of the page, when it is an account's (the nav marks it).
    pub account: String,
    /// The page's path and query, where the language switch returns.
    pub path: String,
}

impl Page {
    /// The page of a signed-in admin.
    pub fn new(req: &HttpRequest, session: &ConsoleSession, active: &'static str) -> Page {
        let accounts = req
            .app_data::<web::Data<State>>()
            .map(|state| {
                state
                    .accounts
                    .in_order()
                    .into_iter()
                    .map(|account| AccountLink {
                        name: account.name.to_string(),
                        mode: account.mode.as_str(),
                        kind: account.kind.as_str(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Page {
            t: T { lang: session.lang },
            admin: session.admin.clone(),
            csrf: session.csrf.clone(),
            accounts,
            active,
            account: req
                .match_info()
                .get("account")
                .unwrap_or_default()
                .to_owned(),
            path: current_path(req),
        }
    }

    /// A page for nobody signed in (sign-in, errors): no nav.
    pub fn anonymous(req: &HttpRequest, lang: Lang) -> Page {
        Page {
            t: T { lang },
            admin: String::new(),
            csrf: String::new(),
            accounts: Vec::new(),
            active: "",
            account: String::new(),
            path: current_path(req),
        }
    }

    /// The text of `key` in the page's language.
    pub fn t<'k>(&self, key: &'k str) -> &'k str {
        self.t.t(key)
    }

    /// The page's language.
    pub fn lang(&self) -> Lang {
        self.t.lang
    }

    /// Whether an admin is signed in (the nav and the sign-out button show).
    pub fn signed_in(&self) -> bool {
        !self.admin.is_empty()
    }
}

/// The request's path and query, when it is a console page to come back to.
fn current_path(req: &HttpRequest) -> String {
    let asked = match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_owned(),
    };
    session::console_path(&asked)
        .unwrap_or("/admin/")
        .to_owned()
}

#[cfg(test)]
#[path = "console_test.rs"]
mod tests;
