//! Console sessions: the `wxgate_console` cookie, its row in the store, and the checks every
//! console request passes through [`ConsoleSession`].
//!
//! - The cookie holds 256 random bits (base64url); the store keeps only their SHA-256. It is
//!   HttpOnly, SameSite=Strict, `Path=/admin`, and Secure when the request came over https
//!   (behind a proxy of `[server] trusted_proxies`, as its `X-Forwarded-Proto` says).
//! - A session ends after `[admin] session_idle_secs` without a request and
//!   `session_max_secs` after sign-in; `last_seen_at` is written at most once a minute.
//! - The CSRF token is base64url(HMAC-SHA256(key = the cookie's value, "csrf")): nothing more
//!   to store, and it changes with every sign-in. Every POST must carry it (the
//!   `X-CSRF-Token` header, or a `csrf` form field) and an `Origin` equal to the request's own
//!   origin; both are checked before the handler runs, so a refused request changes nothing.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::cookies::cookie;
use super::error::ConsoleError;
use super::i18n::Lang;
use crate::http::body::read_limited;
use crate::manage::Actor;
use crate::state::State;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "wxgate_console";

/// The header scripts send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The largest console request body (forms and the scripts' JSON).
pub const MAX_CONSOLE_BODY_BYTES: usize = 1 << 20;

/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY_SECS: i64 = 60;

/// A signed-in admin, for a console handler: the extractor checks the session cookie against
/// the store (and its idle and absolute lifetimes), and for a POST the `Origin` and the CSRF
/// token, before the handler runs.
///
/// Without a valid session, a page (GET) is sent to `/admin/signin?next=...` and anything
/// else gets 401; a POST with a wrong or missing token or from another origin gets 403.
/// `Debug` shows neither the cookie's hash nor the CSRF token.
#[derive(Clone)]
pub struct ConsoleSession {
    /// The admin's name.
    pub admin: String,
    /// This session's CSRF token, for the pages' forms and `<meta name="csrf-token">`.
    pub csrf: String,
    /// The admin's language.
    pub lang: Lang,
    /// SHA-256 of the cookie: the session's key in the store.
    id_sha256: [u8; 32],
}

impl std::fmt::Debug for ConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("admin", &self.admin)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

impl ConsoleSession {
    /// SHA-256 of the session's cookie (its key in the store).
    pub fn id_sha256(&self) -> &[u8; 32] {
        &self.id_sha256
    }

    /// The session of `req`, or why there is none; for a POST also the Origin and CSRF
    /// checks (a form body is read here for its `csrf` field and kept for [`form`]).
    async fn extract(req: HttpRequest, mut payload: Payload) -> Result<Self, ConsoleError> {
        let Some(session) = ConsoleSession::lookup(&req).await? else {
            return Err(ConsoleError::Unauthorized);
        };
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            check_origin(&req)?;
            check_csrf(&req, &mut payload, &session.csrf).await?;
        }
        req.extensions_mut().insert(session.clone());
        Ok(session)
    }

    /// The valid session of `req`'s cookie, if any: 404 when the console is off; an expired
    /// session (or one of an admin no longer configured) is deleted and is none. No CSRF or
    /// Origin check: the caller does them.
    pub async fn lookup(req: &HttpRequest) -> Result<Option<ConsoleSession>, ConsoleError> {
        let state = state(req)?;
        if state.admin_token.is_none() {
            return Err(ConsoleError::NotFound);
        }
        let Some(value) = cookie(req, SESSION_COOKIE) else {
            return Ok(None);
        };
        let id_sha256 = sha256(&value);
        let Some(row) = state.store.console_session(&id_sha256).await? else {
            return Ok(None);
        };
        let now = crate::clock::unix_secs_i64();
        let settings = &state.console;
        let idle = i64::try_from(settings.session_idle_secs).unwrap_or(i64::MAX);
        let max = i64::try_from(settings.session_max_secs).unwrap_or(i64::MAX);
        let known = settings.users.iter().any(|user| user.name == row.admin);
        if now.saturating_sub(row.last_seen_at) >= idle
            || now.saturating_sub(row.created_at) >= max
            || !known
        {
            state.store.delete_console_session(&id_sha256).await?;
            tracing::info!(
                admin = %row.admin,
                "console session ended (expired, or its admin is no longer configured)"
            );
            return Ok(None);
        }
        if now.saturating_sub(row.last_seen_at) >= TOUCH_EVERY_SECS {
            state.store.touch_console_session(&id_sha256, now).await?;
        }
        Ok(Some(ConsoleSession {
            admin: row.admin,
            csrf: csrf_token(&value),
            lang: Lang::of(req),
            id_sha256,
        }))
    }

    /// This admin acting from `ip`, for the audit log of what [`crate::manage`] does.
    pub fn actor<'a>(&'a self, ip: &'a str) -> Actor<'a> {
        Actor {
            name: &self.admin,
            ip,
        }
    }

    /// Whether `token` (a form's `csrf` field) is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, token: &str) -> bool {
        same_token(token.as_bytes(), &self.csrf)
    }
}

impl FromRequest for ConsoleSession {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Only a form that carries its token in its body is read here (and kept for [`form`]);
        // any other body stays for the handler, whatever the order of its arguments.
        let body = if is_form(req) && req.headers().get(CSRF_HEADER).is_none() {
            payload.take()
        } else {
            Payload::None
        };
        Box::pin(ConsoleSession::extract(req.clone(), body))
    }
}

/// A form body the session extractor already read (for its `csrf` field).
#[derive(Clone)]
struct FormBody(web::Bytes);

/// Checks a POST's CSRF token: the `X-CSRF-Token` header, or else the `csrf` field of a
/// urlencoded form (whose body is then kept in the request for [`form`]).
async fn check_csrf(
    req: &HttpRequest,
    payload: &mut Payload,
    expected: &str,
) -> Result<(), ConsoleError> {
    if let Some(header) = req.headers().get(CSRF_HEADER) {
        return if same_token(header.as_bytes(), expected) {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden("wrong CSRF token"))
        };
    }
    if !is_form(req) {
        return Err(ConsoleError::Forbidden("missing CSRF token"));
    }
    let body = read_limited(req.headers(), payload.take(), MAX_CONSOLE_BODY_BYTES).await?;
    let presented = form_urlencoded::parse(&body)
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.into_owned());
    req.extensions_mut().insert(FormBody(body));
    match presented {
        Some(token) if same_token(token.as_bytes(), expected) => Ok(()),
        Some(_) => Err(ConsoleError::Forbidden("wrong CSRF token")),
        None => Err(ConsoleError::Forbidden("missing CSRF token")),
    }
}

/// Whether the request's body is a urlencoded form.
fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';').next().is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// Compares two tokens in constant time.
fn same_token(presented: &[u8], expected: &str) -> bool {
    bool::from(presented.ct_eq(expected.as_bytes()))
}

/// Refuses a request whose `Origin` is missing or not the request's own origin (its scheme
/// as [`is_https`] sees it, and its `Host`).
pub fn check_origin(req: &HttpRequest) -> Result<(), ConsoleError> {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(ConsoleError::Forbidden("missing Origin"));
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return Err(ConsoleError::Forbidden(
            "no Host to compare the Origin with",
        ));
    };
    let scheme = if is_https(req) { "https" } else { "http" };
    let own = format!("{scheme}://{host}");
    if origin.eq_ignore_ascii_case(&own) {
        Ok(())
    } else {
        Err(ConsoleError::Forbidden("Origin of another site"))
    }
}

/// Whether the request came over https (`X-Forwarded-Proto` believed from trusted proxies
/// only).
pub fn is_https(req: &HttpRequest) -> bool {
    let trusted = req
        .app_data::<web::Data<State>>()
        .map(|s| s.trusted_proxies.as_slice())
        .unwrap_or_default();
    let connection = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    match req.peer_addr() {
        Some(peer) => {
            crate::http::client_ip::is_https(peer.ip(), req.headers(), trusted, connection)
        }
        None => connection == "https",
    }
}

/// The client's address (behind `[server] trusted_proxies`, the forwarded one), as text.
pub fn client_ip(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<web::Data<State>>()
        .map(|s| s.trusted_proxies.as_slice())
        .unwrap_or_default();
    match req.peer_addr() {
        Some(peer) => {
            crate::http::client_ip::client_ip(peer.ip(), req.headers(), trusted).to_string()
        }
        None => "unknown".to_owned(),
    }
}

/// The urlencoded form of a POST, parsed into `T` (fields it does not name, `csrf` among
/// them, are ignored). The CSRF token was checked by `session`'s extractor; it is checked
/// again here, so a handler cannot read a form that skipped it.
pub async fn form<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    session: &ConsoleSession,
) -> Result<T, ConsoleError> {
    let kept = req.extensions_mut().remove::<FormBody>();
    let body = match kept {
        Some(FormBody(body)) => body,
        None => read_limited(req.headers(), payload, MAX_CONSOLE_BODY_BYTES).await?,
    };
    let token = form_urlencoded::parse(&body)
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.into_owned());
    let header_ok = req
        .headers()
        .get(CSRF_HEADER)
        .is_some_and(|h| same_token(h.as_bytes(), &session.csrf));
    let field_ok = token.is_some_and(|t| same_token(t.as_bytes(), &session.csrf));
    if !(header_ok || field_ok) {
        return Err(ConsoleError::Forbidden("missing CSRF token"));
    }
    parse_form(&body)
}

/// A urlencoded body parsed into `T`; 400 when it does not fit.
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, ConsoleError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ConsoleError::BadRequest("the form is not UTF-8".into()))?;
    web::Query::<T>::from_query(text)
        .map(web::Query::into_inner)
        .map_err(|error| ConsoleError::BadRequest(format!("unexpected form: {error}")))
}

/// The JSON body a script sent with `fetch` (its CSRF token in the `X-CSRF-Token` header,
/// checked by `session`'s extractor and again here), parsed into `T`.
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    session: &ConsoleSession,
) -> Result<T, ConsoleError> {
    let header_ok = req
        .headers()
        .get(CSRF_HEADER)
        .is_some_and(|h| same_token(h.as_bytes(), &session.csrf));
    if !header_ok {
        return Err(ConsoleError::Forbidden("missing CSRF token"));
    }
    let body = read_limited(req.headers(), payload, MAX_CONSOLE_BODY_BYTES).await?;
    serde_json::from_slice(&body)
        .map_err(|error| ConsoleError::BadRequest(format!("unexpected JSON: {error}")))
}

/// A new session cookie's value (256 random bits, base64url) and its SHA-256.
pub fn new_session_id() -> (String, [u8; 32]) {
    let bytes: [u8; 32] = rand::random();
    let value = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256(&value);
    (value, hash)
}

/// SHA-256 of a cookie's value.
pub fn sha256(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// The CSRF token of the session whose cookie is `cookie`.
pub fn csrf_token(cookie: &str) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(cookie.as_bytes()) else {
        return String::new();
    };
    mac.update(b"csrf");
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Where a page asked for without a session sends the browser: the sign-in page, with the
/// page asked for as `next` when it is a console page.
pub fn signin_location(req: &HttpRequest) -> String {
    let asked = match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_owned(),
    };
    match safe_next(&asked) {
        Some(next) => format!(
            "/admin/signin?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ),
        None => "/admin/signin".to_owned(),
    }
}

/// `next` when it is a console page to go back to after sign-in: a path under `/admin/`, not
/// the sign-in page itself, with no `//`, backslash or control character that could make it
/// another site.
pub fn safe_next(next: &str) -> Option<&str> {
    console_path(next).filter(|next| !next.starts_with("/admin/signin"))
}

/// `path` when it is a path under `/admin/` with no `//`, backslash or control character
/// (nothing a browser could read as another site).
pub fn console_path(path: &str) -> Option<&str> {
    let ok = path.starts_with("/admin/")
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2048;
    ok.then_some(path)
}

/// The shared state the server registered on the `App`.
pub fn state(req: &HttpRequest) -> Result<&State, ConsoleError> {
    req.app_data::<web::Data<State>>()
        .map(|data| &***data)
        .ok_or_else(|| ConsoleError::Internal("the console is mounted without its state".into()))
}

#[cfg(test)]
#[path = "session_test.rs"]
mod tests;
