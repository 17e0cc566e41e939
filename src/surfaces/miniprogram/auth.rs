//! The session check: [`MpSession`] finds the live session of the request's bearer token on
//! the path's account (401 otherwise); `/logout` ends it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use super::lookup;
use crate::account::Account;
use crate::http::credentials::bearer;
use crate::http::json_error::JsonError;
use crate::sessions::Session;
use crate::state::State;

/// A request's live session, with its account.
pub struct MpSession {
    /// The mini-program account of the path.
    pub account: Arc<Account>,
    /// The session.
    pub session: Session,
    /// The bearer token that found it.
    bearer: String,
}

impl FromRequest for MpSession {
    type Error = JsonError;
    type Future = Pin<Box<dyn Future<Output = Result<MpSession, JsonError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<State>>()
                .ok_or_else(|| JsonError::internal("the state is not registered"))?
                .clone();
            let name = req.match_info().get("account").unwrap_or_default();
            let (account, mini) = lookup(&state, name)?;
            let bearer = bearer(req.headers())
                .map(str::to_owned)
                .ok_or_else(|| JsonError::unauthorized("no session (Authorization: Bearer)"))?;
            let session = mini
                .sessions
                .find(name, &bearer)
                .await
                .map_err(JsonError::internal)?
                .ok_or_else(|| JsonError::unauthorized("unknown or expired session"))?;
            Ok(MpSession {
                account: account.clone(),
                session,
                bearer,
            })
        })
    }
}

/// `POST /logout`: ends this session (the user's other sessions stay).
pub async fn logout(
    state: web::Data<State>,
    session: MpSession,
) -> Result<HttpResponse, JsonError> {
    let (_, mini) = lookup(&state, &session.account.name)?;
    mini.sessions
        .end(&session.account.name, &session.bearer)
        .await
        .map_err(JsonError::internal)?;
    Ok(HttpResponse::NoContent().finish())
}
