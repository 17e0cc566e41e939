//! Mini-program sessions at `/mp/{account}/...`: the mini program logs in with the code of
//! `wx.login` and gets an opaque session and an id_token its back end can verify with the
//! account's JWKS; every `session_key` stays in the gateway (sealed in the store), which
//! decrypts the user's data, checks `rawData` signatures and fetches phone numbers for it.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /login` | `{"code"}` | `{"session", "openid", "unionid"?, "id_token", "expires_in"}` |
//! | `POST /phone` | `{"code"}` | `{"phone_number", "pure_phone_number", "country_code"}` |
//! | `POST /decrypt` | `{"encrypted_data", "iv"}` | the decrypted JSON |
//! | `POST /verify` | `{"raw_data", "signature"}` | 204 |
//! | `POST /logout` | | 204 |
//!
//! Every route but `/login` takes `Authorization: Bearer <session>`. Order of checks: account
//! (404: none, or not a mini program), session (401) or, for `/login`, the per-address throttle
//! (429), then the body (400), then WeChat or the check. Errors are JSON
//! (`{"error", "errcode"?}`, see [`JsonError`]).

mod auth;
mod data;
mod login;

use std::sync::Arc;

use actix_web::{HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::account::Account;
use crate::config::AccountKind;
use crate::http::body::read_limited;
use crate::http::json_error::JsonError;
use crate::state::{MiniPrograms, State};

/// The largest request body: an `encrypted_data` of user info is a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Registers the mini-program routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/mp/{account}")
            .route("/login", web::post().to(login::login))
            .route("/phone", web::post().to(data::phone))
            .route("/decrypt", web::post().to(data::decrypt))
            .route("/verify", web::post().to(data::verify))
            .route("/logout", web::post().to(auth::logout)),
    );
}

/// The mini-program account called `name` and the sessions' settings, or 404.
fn lookup<'a>(
    state: &'a State,
    name: &str,
) -> Result<(&'a Arc<Account>, &'a MiniPrograms), JsonError> {
    let account = state
        .account(name)
        .filter(|account| account.kind == AccountKind::MiniProgram)
        .ok_or_else(|| JsonError::not_found("no such mini program"))?;
    let mini = state
        .mini_programs
        .as_ref()
        .ok_or_else(|| JsonError::not_found("no such mini program"))?;
    Ok((account, mini))
}

/// The request body as `T`: 413/408 when it is too large or late, 400 when it is not the JSON
/// expected.
async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, JsonError> {
    let body = read_limited(req.headers(), payload, MAX_BODY_BYTES)
        .await
        .map_err(|e| JsonError::body(&e))?;
    serde_json::from_slice(&body).map_err(|e| JsonError::bad_request(format!("bad JSON body: {e}")))
}
