//! HTTP building blocks every surface uses, and nothing that knows a surface: reading a body
//! within its size limit and deadline ([`body`]), and refusing ambiguous framing
//! ([`prepare`]). The server applies them to every request; surfaces read their bodies with
//! [`body::read_limited`].

pub mod body;
pub mod client_ip;
pub mod credentials;
pub mod json_error;
pub mod throttle;

use std::time::Duration;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage as _, HttpResponse};

/// Runs before every route of the actix-web `App` (the callback applies the same itself):
/// refuses ambiguous framing and gives the body its deadline.
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
pub fn ambiguous_framing(headers: &HeaderMap) -> Option<HttpResponse> {
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
