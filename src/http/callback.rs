//! `/wx/{account}`: the callback WeChat pushes to, top to bottom.
//!
//! GET is the handshake WeChat does when the URL is saved. POST is every message and event:
//! find the account, read the body within its limit, open the envelope (verify, check the
//! clock, decrypt), parse the typed message, dedup and dispatch under the deadline, then render
//! the reply, sealed the way the request came.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use tokio::time::Instant;
use tracing::Instrument;
use wxgate_handlers::Message;

use super::State;
use super::body::read_limited;
use super::query::CallbackQuery;
use super::rejection::Rejection;
use crate::account::Account;
use crate::dispatch::{Delivery, unix_now};
use crate::envelope;
use crate::wire::Format;

/// `GET /wx/{account}`: answers WeChat's URL handshake with `echostr`.
pub async fn handshake(
    state: web::Data<State>,
    path: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let Some(account) = state.account(&path) else {
        return unknown_account(&state, &path);
    };
    let span = tracing::info_span!("handshake", account = %account.name);
    let _entered = span.enter();
    match echo(account, &req) {
        Ok(echostr) => {
            tracing::info!("handshake verified");
            HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(echostr)
        }
        Err(rejection) => reject(account, rejection),
    }
}

fn echo(account: &Account, req: &HttpRequest) -> Result<String, Rejection> {
    let query = CallbackQuery::parse(req.query_string())?;
    Ok(envelope::handshake(account, &query)?.to_owned())
}

/// `POST /wx/{account}`: one message or event.
pub async fn push(
    state: web::Data<State>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(account) = state.account(&path).cloned() else {
        return unknown_account(&state, &path);
    };
    let span =
        tracing::info_span!("push", account = %account.name, msg_type = tracing::field::Empty);
    async move {
        let received = Instant::now();
        let deadline = received + state.handler_timeout;
        match receive(&state, &account, &req, payload).await {
            Ok((message, format, encrypted)) => {
                tracing::Span::current().record("msg_type", message.msg_type());
                account.metrics.message();
                let passive = format == Format::Xml;
                let delivery = state
                    .dispatcher
                    .dispatch(&account, message, deadline, passive)
                    .await;
                tracing::debug!(
                    replied = matches!(delivery, Delivery::Reply(_)),
                    "push handled"
                );
                let response = respond(&account, delivery, encrypted);
                account.metrics.handled_in(received.elapsed());
                response
            }
            Err(rejection) => reject(&account, rejection),
        }
    }
    .instrument(span)
    .await
}

/// Steps 2–6: body, envelope, typed message.
async fn receive(
    state: &State,
    account: &Account,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Message, Format, bool), Rejection> {
    let query = CallbackQuery::parse(req.query_string())?;
    let body = read_limited(req, payload, state.max_body_bytes).await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let inbound = envelope::open(
        account,
        &query,
        &body,
        content_type,
        unix_now(),
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
    match envelope::seal(account, &xml, unix_now()) {
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
    tracing::warn!(reason = rejection.reason.as_str(), detail = %rejection.detail, "request rejected");
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
