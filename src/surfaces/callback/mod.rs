//! `/wx/{account}`: the callback WeChat pushes to, top to bottom.
//!
//! GET is the handshake WeChat does when the URL is saved. POST is every message and event:
//! find the account, read the body within its limit, open the envelope (verify, check the
//! clock, decrypt), parse the typed message, dedup and dispatch under the deadline, then render
//! the reply, sealed the way the request came.

pub mod rejection;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpMessage as _, Request};
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpResponse, http::Method};
use futures_util::FutureExt;
use tokio::time::Instant;
use tracing::Instrument;
use wxgate_handlers::Message;

use crate::account::Account;
use crate::clock::unix_secs;
use crate::dispatch::Delivery;
use crate::envelope::{self, CallbackQuery};
use crate::http::ambiguous_framing;
use crate::http::body::{read_limited, timed};
use crate::state::State;
use crate::wire::Format;
use rejection::Rejection;

/// Whether `req` is for the callback: `/wx` itself or anything below it (the path read as
/// [`decoded_path`] reads it).
pub(crate) fn is_callback(req: &Request) -> bool {
    below_wx(&decoded_path(req)).is_some()
}

/// What follows `/wx` in a callback path: empty, or `/` and more.
fn below_wx(path: &str) -> Option<&str> {
    path.strip_prefix("/wx")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `/wx/{account}` (`/wx` itself and any path below it): GET is the handshake, POST a
/// push, another method 405; a path that is not exactly one segment below `/wx` is 404.
///
/// Requests with ambiguous framing are refused as everywhere (see [`crate::http::prepare`]), and the
/// body is read within `body_timeout`.
pub async fn serve(state: Arc<State>, mut req: Request, body_timeout: Duration) -> HttpResponse {
    if let Some(refused) = ambiguous_framing(req.headers()) {
        return refused;
    }
    let payload = timed(req.take_payload(), body_timeout);
    let path = decoded_path(&req);
    let Some(name) = below_wx(&path).and_then(account_segment) else {
        return HttpResponse::NotFound().finish();
    };
    let query = req.uri().query().unwrap_or_default();
    match *req.method() {
        Method::GET => handshake(&state, name, query),
        Method::POST => push(&state, name, query, req.headers(), payload).await,
        _ => HttpResponse::MethodNotAllowed().finish(),
    }
}

/// The request's path with percent-escapes decoded as actix-web's router decodes them (all but
/// `%`, `/` and `+`), so `/wx/%64emo` names the account `demo` as it always did.
fn decoded_path(req: &Request) -> Cow<'_, str> {
    let path = req.path();
    if path.contains('%') {
        Cow::Owned(actix_router::Url::new(req.uri().clone()).path().to_owned())
    } else {
        Cow::Borrowed(path)
    }
}

/// The `{account}` of what follows `/wx`: one non-empty segment.
fn account_segment(rest: &str) -> Option<&str> {
    rest.strip_prefix('/')
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// `GET /wx/{account}`: answers WeChat's URL handshake with `echostr`.
fn handshake(state: &State, name: &str, query: &str) -> HttpResponse {
    let Some(account) = state.account(name) else {
        return unknown_account(state, name);
    };
    match echo(account, query) {
        Ok(echostr) => {
            tracing::info!(account = %account.name, "handshake verified");
            HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(echostr)
        }
        Err(rejection) => reject(account, rejection),
    }
}

fn echo(account: &Account, query: &str) -> Result<String, Rejection> {
    let query = CallbackQuery::parse(query)?;
    Ok(envelope::handshake(account, &query)?.to_owned())
}

/// `POST /wx/{account}`: one message or event.
///
/// The `push` span (account, msg_type) covers dispatch and the reply, so that what handlers
/// log carries both. It is a debug span: at the default `info` level it costs nothing (an
/// `info` span per push was a measurable share of the gateway's CPU), and the gateway's own warnings name the
/// account and message type themselves.
async fn push(
    state: &State,
    name: &str,
    query: &str,
    headers: &HeaderMap,
    payload: Payload,
) -> HttpResponse {
    let Some(account) = state.account(name).cloned() else {
        return unknown_account(state, name);
    };
    let received = Instant::now();
    let deadline = received + state.handler_timeout;
    let (message, format, encrypted) = match receive(state, &account, query, headers, payload).await
    {
        Ok(received) => received,
        Err(rejection) => return reject(&account, rejection),
    };
    let span = tracing::debug_span!("push", account = %account.name, msg_type = message.msg_type());
    // The claim and the handler's first run happen in `dispatch` itself, inside the span.
    let answer = {
        let _in_span = span.enter();
        account.metrics.message();
        let passive = format == Format::Xml;
        state
            .dispatcher
            .dispatch(&account, message, deadline, passive)
    };
    // A combinator, not an `async` block: the block would hold the future twice.
    answer
        .map(|delivery| {
            tracing::debug!(
                replied = matches!(delivery, Delivery::Reply(_)),
                "push handled"
            );
            let response = respond(&account, delivery, encrypted);
            account.metrics.handled_in(received.elapsed());
            response
        })
        .instrument(span)
        .await
}

/// Steps 2–6: body, envelope, typed message.
async fn receive(
    state: &State,
    account: &Account,
    query: &str,
    headers: &HeaderMap,
    payload: Payload,
) -> Result<(Message, Format, bool), Rejection> {
    let query = CallbackQuery::parse(query)?;
    let body = read_limited(headers, payload, state.max_body_bytes).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let inbound = envelope::open(
        account,
        &query,
        &body,
        content_type,
        unix_secs(),
        state.max_clock_skew_secs,
    )?;
    let message = Message::from_fields(inbound.fields)?;
    Ok((message, inbound.format, inbound.encrypted))
}

/// Step 9: the passive reply, encrypted when the push was; JSON pushes are always `success`.
fn respond(account: &Arc<Account>, delivery: Delivery, encrypted: bool) -> HttpResponse {
    let xml = match delivery {
        Delivery::Reply(xml) => xml,
        Delivery::Success => return success(),
    };
    if !encrypted {
        return HttpResponse::Ok()
            .content_type("application/xml; charset=utf-8")
            .body(xml);
    }
    match envelope::seal(account, &xml, unix_secs()) {
        Some(sealed) => HttpResponse::Ok()
            .content_type("application/xml; charset=utf-8")
            .body(sealed),
        None => success(),
    }
}

fn success() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("success")
}

fn reject(account: &Account, rejection: Rejection) -> HttpResponse {
    account.metrics.rejected(rejection.reason);
    tracing::warn!(account = %account.name, reason = rejection.reason.as_str(), detail = %rejection.detail, "request rejected");
    rejection.response()
}

fn unknown_account(state: &State, name: &str) -> HttpResponse {
    state.metrics.unknown_account();
    let shown: String = name.chars().take(64).collect();
    tracing::warn!(account = %shown.escape_debug(), "request for an unknown account");
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("unknown account\n")
}

#[cfg(test)]
#[path = "callback_test.rs"]
mod tests;
