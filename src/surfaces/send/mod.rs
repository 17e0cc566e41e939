//! The send API at `/api/accounts/{name}/messages`: apps hand template, subscribe and
//! customer-service messages to the gateway over HTTP; each accepted message is stored in the
//! outbox before it is answered (202), and a sender delivers it to WeChat.
//!
//! Order of checks: the client's credentials (HTTP Basic, 401 before anything else), the
//! account and the client's right to use it (404), the `send` scope (403), then the request:
//! the `Idempotency-Key` header (400), the JSON (400) and WeChat's rules (422, every problem at
//! once). A key already used by this client for this account answers the stored message (200),
//! or 409 when it came with another body; keys are remembered for 24 hours.

mod auth;
mod messages;

use actix_web::web;

/// Registers the send API's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/accounts/{account}/messages")
            .route("", web::post().to(messages::create))
            .route("/{id}", web::get().to(messages::show)),
    );
}
