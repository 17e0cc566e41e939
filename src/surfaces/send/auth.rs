//! [`SendClient`]: the app behind a send API request, authenticated with HTTP Basic (its
//! `[[clients]]` id and secret, compared in constant time), allowed to use the path's account
//! and holding the `send` scope.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};

use crate::account::Account;
use crate::config::ClientScope;
use crate::http::credentials::{authorization, decode_basic};
use crate::http::json_error::JsonError;
use crate::state::State;

/// An authenticated client and the account it sends for.
#[derive(Debug)]
pub struct SendClient {
    /// The client id.
    pub client_id: String,
    /// The account of the path.
    pub account: Arc<Account>,
}

impl SendClient {
    fn check(req: &HttpRequest) -> Result<SendClient, JsonError> {
        let state = req
            .app_data::<web::Data<State>>()
            .ok_or_else(|| JsonError::internal("the state is not registered"))?;
        let unauthorized = || {
            JsonError::unauthorized_basic(
                "missing or wrong client credentials (HTTP Basic with the client's id and secret)",
            )
        };
        let (id, secret) = authorization(req.headers(), "basic")
            .and_then(decode_basic)
            .ok_or_else(unauthorized)?;
        let client = state
            .clients
            .get(&id)
            .filter(|client| client.secret_matches(&secret))
            .ok_or_else(unauthorized)?;
        let name = req.match_info().get("account").unwrap_or_default();
        let account = state
            .account(name)
            .filter(|_| client.may_use(name))
            .ok_or_else(|| JsonError::not_found("no such account for this client"))?;
        if !client.has_scope(ClientScope::Send) {
            return Err(JsonError::new(
                StatusCode::FORBIDDEN,
                "the client does not have the `send` scope",
            ));
        }
        Ok(SendClient {
            client_id: client.id.clone(),
            account: account.clone(),
        })
    }
}

impl FromRequest for SendClient {
    type Error = JsonError;
    type Future = Ready<Result<SendClient, JsonError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(SendClient::check(req))
    }
}
