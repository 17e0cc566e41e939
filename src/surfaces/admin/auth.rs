//! The admin API's extractors: [`AdminToken`] checks the bearer token, [`AdminAccount`] also
//! finds the `{name}` account of the path. Handlers that take one answer nothing before the
//! token is checked. [`ApiCaller`] names who changes something through this API, for the
//! audit log.

use std::future::{Ready, ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use subtle::ConstantTimeEq;

use super::AdminError;
use crate::account::Account;
use crate::api::WeChatApi;
use crate::http::client_ip::client_ip;
use crate::http::credentials::bearer;
use crate::manage::{API_ACTOR, Actor};
use crate::state::State;

/// Proof that the request carries the admin bearer token (and that the admin API is on).
#[derive(Debug, Clone, Copy)]
pub struct AdminToken;

impl AdminToken {
    /// Checks that the admin API is on and `req` carries its bearer token (compared in constant
    /// time; never logged).
    pub fn check(req: &HttpRequest) -> Result<AdminToken, AdminError> {
        let Some(token) = state(req)?.admin_token.as_deref() else {
            return Err(AdminError::NotFound("not found".into()));
        };
        match bearer(req.headers()) {
            Some(presented) if bool::from(presented.as_bytes().ct_eq(token.as_bytes())) => {
                Ok(AdminToken)
            }
            _ => Err(AdminError::Unauthorized),
        }
    }
}

impl FromRequest for AdminToken {
    type Error = AdminError;
    type Future = Ready<Result<Self, AdminError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(AdminToken::check(req))
    }
}

/// The account named by the path's `{name}`, once the token is checked.
#[derive(Debug, Clone)]
pub struct AdminAccount(pub Arc<Account>);

impl AdminAccount {
    /// The account's API client, or 422 when it has no secret.
    pub fn api(&self) -> Result<&WeChatApi, AdminError> {
        self.0
            .api
            .as_deref()
            .ok_or_else(|| AdminError::NoSecret(self.0.name.to_string()))
    }
}

impl Deref for AdminAccount {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.0
    }
}

impl FromRequest for AdminAccount {
    type Error = AdminError;
    type Future = Ready<Result<Self, AdminError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(AdminToken::check(req).and_then(|_| {
            let name = req.match_info().get("name").unwrap_or_default();
            state(req)?
                .account(name)
                .cloned()
                .map(AdminAccount)
                .ok_or_else(|| AdminError::NotFound(format!("no account named `{name}`")))
        }))
    }
}

/// The JSON API as the actor of a change: [`API_ACTOR`], from the client's address (behind
/// `[server] trusted_proxies`, the forwarded one).
#[derive(Debug, Clone)]
pub struct ApiCaller {
    ip: String,
}

impl ApiCaller {
    /// The actor the audit log records.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            name: API_ACTOR,
            ip: &self.ip,
        }
    }
}

impl FromRequest for ApiCaller {
    type Error = AdminError;
    type Future = Ready<Result<Self, AdminError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).map(|state| {
            let ip = req.peer_addr().map_or_else(
                || "unknown".to_owned(),
                |peer| client_ip(peer.ip(), req.headers(), &state.trusted_proxies).to_string(),
            );
            ApiCaller { ip }
        }))
    }
}

/// The shared state the server registered on the `App`.
fn state(req: &HttpRequest) -> Result<&State, AdminError> {
    req.app_data::<web::Data<State>>()
        .map(|data| &***data)
        .ok_or(AdminError::Internal(
            "the admin API is mounted without its state",
        ))
}
