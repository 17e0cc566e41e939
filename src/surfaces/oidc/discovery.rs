//! `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0) and `/jwks` (the public
//! signing keys, RFC 7517). Both are public and the same for every instance sharing a store.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{OidcError, lookup};
use crate::state::State;

/// The provider's metadata for the account's issuer.
pub async fn configuration(
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, OidcError> {
    let name = path.into_inner();
    let (provider, _) = lookup(&state, &name)?;
    let issuer = provider.issuer(&name);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp",
                "unionid", "name", "picture"
            ],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic", "client_secret_post", "none"
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        })))
}

/// The JWK set: the current signing key and those retired recently enough that tokens they
/// signed are still valid.
pub async fn jwks(
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, OidcError> {
    let (provider, _) = lookup(&state, &path.into_inner())?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .content_type("application/jwk-set+json")
        .body(provider.keys.jwks().to_string()))
}
