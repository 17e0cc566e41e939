//! Signing in and out, and the language switch.
//!
//! A sign-in checks the password against the admin's argon2 hash off the async threads
//! (an unknown name is checked against a dummy hash, so the time taken does not tell names
//! apart), and on success starts a fresh session (a new cookie every time; the one the browser
//! had is deleted). Failed sign-ins are recorded in the audit log, and counted from it: after
//! 5 failures for a name, or 20 from an address, within 5 minutes, sign-in is refused with 429
//! and `Retry-After` — the right password too — until the window frees a slot. Every instance
//! on the database counts the same failures. Passwords are never logged.

use std::sync::LazyLock;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use askama::Template;
use serde::Deserialize;

use super::cookies::{cookie, set_cookie};
use super::error::ConsoleError;
use super::i18n::{LANG_COOKIE, Lang, T};
use super::session::{
    ConsoleSession, MAX_CONSOLE_BODY_BYTES, SESSION_COOKIE, check_origin, client_ip, console_path,
    is_https, new_session_id, parse_form, safe_next, state,
};
use super::{Page, html};
use crate::http::body::read_limited;
use crate::store::{AuditAction, FailedSignInsBy, NewAuditEntry};

/// Failed sign-ins are counted over this window (seconds).
pub const THROTTLE_WINDOW_SECS: i64 = 300;
/// Failed sign-ins of one name within the window before sign-in is refused.
pub const MAX_FAILURES_PER_NAME: u32 = 5;
/// Failed sign-ins from one address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_IP: u32 = 20;
/// The longest name or password read from the form (characters); longer is cut.
const MAX_FIELD_CHARS: usize = 256;

/// A hash no password matches in practice, checked for names nobody has, so that an unknown
/// name costs the same time as a known one.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let random: [u8; 32] = rand::random();
    Argon2::default()
        .hash_password(&random)
        .ok()
        .map(|hash| hash.to_string())
});

/// The sign-in form.
#[derive(Debug, Default, Deserialize)]
struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `GET /admin/signin`: the sign-in page.
pub async fn page(req: HttpRequest) -> Result<HttpResponse, ConsoleError> {
    let next = next_of_query(&req);
    answer(&req, StatusCode::OK, "", &next, "")
}

/// `POST /admin/signin`: checks the name and password; on success a fresh session and a
/// redirect to `next` (or the overview).
pub async fn submit(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    check_origin(&req)?;
    let body = read_limited(req.headers(), payload, MAX_CONSOLE_BODY_BYTES).await?;
    let form: SignInForm = parse_form(&body)?;
    let name: String = form.name.trim().chars().take(MAX_FIELD_CHARS).collect();
    let password: String = form.password.chars().take(MAX_FIELD_CHARS).collect();
    let next = safe_next(&form.next).unwrap_or_default().to_owned();
    let ip = client_ip(&req);
    let now = crate::clock::unix_secs_i64();

    if let Some(retry_after) = throttled(state, &name, &ip, now).await? {
        tracing::warn!(
            admin = %name,
            %ip,
            retry_after,
            "console sign-in refused: too many failed sign-ins"
        );
        let lang = Lang::of(&req);
        let message = format!(
            "{} {retry_after} {}",
            T { lang }.t("signin.throttled"),
            T { lang }.t("signin.seconds")
        );
        let mut response = answer(&req, StatusCode::TOO_MANY_REQUESTS, &name, &next, &message)?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return Ok(response);
    }

    let user = state.console.users.iter().find(|user| user.name == name);
    let hash = match user {
        Some(user) => Some(user.password_hash.clone()),
        None => DUMMY_HASH.clone(),
    };
    let verified = web::block(move || {
        hash.is_some_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
    })
    .await
    .map_err(|_| ConsoleError::Internal("the password check did not finish".into()))?;

    let entry = |action| NewAuditEntry {
        at: now,
        actor: &name,
        ip: &ip,
        account: None,
        action,
        detail: "",
    };
    let Some(user) = user.filter(|_| verified) else {
        state
            .store
            .record_audit(&entry(AuditAction::SignInFailed))
            .await?;
        tracing::warn!(admin = %name, %ip, known = user.is_some(), "console sign-in failed");
        let message = T {
            lang: Lang::of(&req),
        }
        .t("signin.wrong");
        return answer(&req, StatusCode::UNAUTHORIZED, &name, &next, message);
    };

    // A fresh session every time; the one this browser had (if any) ends.
    if let Some(old) = cookie(&req, SESSION_COOKIE) {
        let old_hash = super::session::sha256(&old);
        state.store.delete_console_session(&old_hash).await?;
    }
    let settings = &state.console;
    let idle = i64::try_from(settings.session_idle_secs).unwrap_or(i64::MAX);
    let max = i64::try_from(settings.session_max_secs).unwrap_or(i64::MAX);
    state
        .store
        .purge_console_sessions(now.saturating_sub(idle), now.saturating_sub(max))
        .await?;
    let (cookie_value, id_sha256) = new_session_id();
    state
        .store
        .create_console_session(&id_sha256, &user.name, now)
        .await?;
    state
        .store
        .record_audit(&entry(AuditAction::SignIn))
        .await?;
    tracing::info!(admin = %user.name, %ip, "console sign-in");

    let session_cookie = set_cookie(SESSION_COOKIE, &cookie_value, is_https(&req), None);
    let to = if next.is_empty() { "/admin/" } else { &next };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, session_cookie))
        .insert_header((header::LOCATION, to))
        .finish())
}

/// `POST /admin/signout`: ends the session (its row deleted) and clears the cookie.
pub async fn signout(
    req: HttpRequest,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    state
        .store
        .delete_console_session(session.id_sha256())
        .await?;
    let ip = client_ip(&req);
    state
        .store
        .record_audit(&NewAuditEntry {
            at: crate::clock::unix_secs_i64(),
            actor: &session.admin,
            ip: &ip,
            account: None,
            action: AuditAction::SignOut,
            detail: "",
        })
        .await?;
    tracing::info!(admin = %session.admin, %ip, "console sign-out");
    let gone = set_cookie(SESSION_COOKIE, "", is_https(&req), Some(0));
    Ok(HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, gone))
        .insert_header((header::LOCATION, "/admin/signin"))
        .finish())
}

/// The language form.
#[derive(Debug, Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/lang`: remembers the language in the `wxgate_lang` cookie and goes back to
/// `next`. Checked like every POST: its own `Origin`, and with a session, its CSRF token.
pub async fn lang(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ConsoleError> {
    check_origin(&req)?;
    let body = read_limited(req.headers(), payload, MAX_CONSOLE_BODY_BYTES).await?;
    if let Some(session) = ConsoleSession::lookup(&req).await? {
        let token = form_urlencoded::parse(&body)
            .find(|(key, _)| key == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if !session.csrf_matches(&token) {
            return Err(ConsoleError::Forbidden("wrong or missing CSRF token"));
        }
    }
    let form: LangForm = parse_form(&body)?;
    let Some(lang) = Lang::parse(&form.lang) else {
        return Err(ConsoleError::BadRequest(format!(
            "unknown language `{}`; zh or en",
            form.lang.chars().take(16).collect::<String>()
        )));
    };
    let lang_cookie = set_cookie(LANG_COOKIE, lang.code(), is_https(&req), Some(365 * 86_400));
    let to = console_path(&form.next).unwrap_or("/admin/");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, lang_cookie))
        .insert_header((header::LOCATION, to))
        .finish())
}

/// Seconds to wait when `name` or `ip` has too many failed sign-ins in the window; `None`
/// when sign-in may be tried.
async fn throttled(
    state: &crate::state::State,
    name: &str,
    ip: &str,
    now: i64,
) -> Result<Option<u64>, ConsoleError> {
    let since = now - THROTTLE_WINDOW_SECS;
    let mut wait: Option<u64> = None;
    for (by, limit) in [
        (FailedSignInsBy::Actor(name), MAX_FAILURES_PER_NAME),
        (FailedSignInsBy::Ip(ip), MAX_FAILURES_PER_IP),
    ] {
        let times = state.store.failed_sign_ins_since(by, since, limit).await?;
        if times.len() >= limit as usize {
            // The oldest counted failure leaves the window first.
            let oldest = times.first().copied().unwrap_or(now);
            let secs = u64::try_from(oldest + THROTTLE_WINDOW_SECS - now)
                .unwrap_or(0)
                .max(1);
            wait = Some(wait.map_or(secs, |w| w.max(secs)));
        }
    }
    Ok(wait)
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "console/signin.html")]
struct SignInTemplate<'a> {
    page: Page,
    name: &'a str,
    next: &'a str,
    error: &'a str,
}

/// The sign-in page with `status`, the name typed (never the password) and an error.
fn answer(
    req: &HttpRequest,
    status: StatusCode,
    name: &str,
    next: &str,
    error: &str,
) -> Result<HttpResponse, ConsoleError> {
    let template = SignInTemplate {
        page: Page::anonymous(req, Lang::of(req)),
        name,
        next,
        error,
    };
    Ok(HttpResponse::build(status)
        .content_type(html())
        .body(template.render()?))
}

/// The `next` of the sign-in page's query, when it is a console page.
fn next_of_query(req: &HttpRequest) -> String {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "next")
        .and_then(|(_, value)| safe_next(&value).map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "signin_test.rs"]
mod tests;
