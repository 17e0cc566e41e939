//! `GET` or `POST /oidc/{account}/userinfo`: the claims about the user for a valid access
//! token (`Authorization: Bearer`). A token whose code was replayed is revoked.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::records::{TokenGrant, USED};
use super::{OidcError, Wire, lookup, throttle};
use crate::grants::GrantKind;
use crate::http::credentials::bearer;
use crate::state::State;

/// Handles `/userinfo`.
pub async fn userinfo(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, OidcError> {
    let name = path.into_inner();
    let (provider, _) = lookup(&state, &name)
        .map_err(|_| OidcError::json(StatusCode::NOT_FOUND, "invalid_request", "no such issuer"))?;
    throttle(&provider.token_throttle, &state, &req, Wire::Json)?;
    let token = bearer(req.headers()).ok_or_else(|| OidcError::invalid_token("no bearer token"))?;
    let grants = &provider.grants;
    let record = grants
        .get(GrantKind::AccessToken, token)
        .await
        .map_err(|e| OidcError::grants(Wire::Json, &e))?
        .ok_or_else(|| OidcError::invalid_token("unknown or expired access token"))?;
    let record: TokenGrant =
        serde_json::from_str(&record).map_err(|e| OidcError::internal(Wire::Json, e))?;
    if record.account != name {
        return Err(OidcError::invalid_token(
            "the token was issued by another issuer",
        ));
    }
    let marker = grants
        .get(GrantKind::Code, &record.code)
        .await
        .map_err(|e| OidcError::grants(Wire::Json, &e))?;
    if marker.as_deref() != Some(USED) {
        return Err(OidcError::invalid_token("the access token was revoked"));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Value::Object(record.user.claims(record.profile))))
}
