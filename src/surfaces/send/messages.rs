//! `POST /api/accounts/{account}/messages` (accept a message into the outbox) and
//! `GET /api/accounts/{account}/messages/{id}` (its state).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::auth::SendClient;
use crate::clock::unix_secs_i64;
use crate::http::body::read_limited;
use crate::http::json_error::JsonError;
use crate::outbox::new_message_id;
use crate::outbox::request::{self, MAX_KEY_LEN, RequestError};
use crate::state::State;
use crate::store::{Accepted, NewMessage, OutboxMessage};

/// The largest send request: a template message with long values is a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the API tells about a message.
pub fn view(message: &OutboxMessage) -> Value {
    json!({
        "id": message.id,
        "kind": message.kind,
        "to": message.recipient,
        "status": message.status,
        "attempts": message.attempts,
        "errcode": message.errcode,
        "errmsg": message.errmsg,
        "msgid": message.msgid,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "finished_at": message.finished_at,
    })
}

/// The request's `Idempotency-Key`: 1 to 255 characters from `!` to `~`.
fn idempotency_key(req: &HttpRequest) -> Result<String, JsonError> {
    let key = req
        .headers()
        .get("idempotency-key")
        .ok_or_else(|| JsonError::bad_request("the Idempotency-Key header is required"))?;
    let bytes = key.as_bytes();
    if !request::valid_key(bytes) {
        return Err(JsonError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} characters from 0x21 to 0x7E"
        )));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// Handles `POST .../messages`.
pub async fn create(
    req: HttpRequest,
    state: web::Data<State>,
    client: SendClient,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let key = idempotency_key(&req)?;
    let outbox = state
        .outbox
        .as_ref()
        .ok_or_else(|| JsonError::internal("the outbox is not running"))?;
    let body = read_limited(req.headers(), payload, MAX_BODY_BYTES)
        .await
        .map_err(|e| JsonError::body(&e))?;
    let parsed = request::parse(&body, client.account.kind).map_err(refusal)?;
    let body_hash = request::body_hash(&body).map_err(refusal)?;
    let message = NewMessage {
        id: new_message_id(),
        account: client.account.name.to_string(),
        client_id: client.client_id.clone(),
        kind: parsed.kind,
        recipient: parsed.to,
        payload: parsed.payload.to_string(),
        idempotency_key: key,
        body_hash,
        created_at: unix_secs_i64(),
    };
    let accepted = outbox
        .acceptor
        .accept(message)
        .await
        .map_err(JsonError::internal)?;
    let (status, message) = match accepted {
        Accepted::Created(message) => {
            outbox.wake();
            (StatusCode::ACCEPTED, message)
        }
        Accepted::Existing {
            message,
            same_body: true,
        } => (StatusCode::OK, message),
        Accepted::Existing {
            same_body: false, ..
        } => {
            return Err(JsonError::new(
                StatusCode::CONFLICT,
                "this Idempotency-Key was used for another request body",
            ));
        }
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view(&message)))
}

/// Handles `GET .../messages/{id}`.
pub async fn show(
    state: web::Data<State>,
    client: SendClient,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JsonError> {
    let (_, id) = path.into_inner();
    let message = state
        .store
        .outbox_message(&client.account.name, &client.client_id, &id)
        .await
        .map_err(JsonError::internal)?
        .ok_or_else(|| JsonError::not_found("no such message"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view(&message)))
}

/// A request the outbox refuses: 400 when it is not the JSON expected, 422 with every problem.
fn refusal(error: RequestError) -> JsonError {
    match error {
        RequestError::Malformed(message) => JsonError::bad_request(message),
        RequestError::Invalid(problems) => {
            JsonError::invalid(serde_json::to_value(problems).unwrap_or_default())
        }
    }
}
