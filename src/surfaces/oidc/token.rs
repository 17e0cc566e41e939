//! `POST /oidc/{account}/token`: redeems a wxgate code for an id_token and an access token.
//!
//! Order: account (404), throttle (429), client authentication (401 `invalid_client`;
//! `client_secret_basic`, `client_secret_post`, or `none` for a public client), the request
//! (400), then the code. Redeeming swaps the code for a [`USED`] marker in one atomic step, so
//! of two redemptions racing one wins; the loser, and any later replay, turn the marker into
//! [`REVOKED`], which also ends the tokens issued from it (checked at userinfo). A code
//! refused for another reason (wrong client, redirect URI or PKCE verifier) is burnt as well.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::records::{CodeGrant, REVOKED, TokenGrant, USED};
use super::{OidcError, Params, Wire, fresh_secret, lookup, throttle};
use crate::clock::unix_secs;
use crate::config::ClientScope;
use crate::grants::GrantKind;
use crate::http::body::{BodyError, read_limited};
use crate::http::credentials::{authorization, decode_basic};
use crate::identity::Provider;
use crate::identity::clients::{Client, Clients};
use crate::metrics::LoginStep;
use crate::state::State;

/// The largest token request body: a form of a few hundred bytes.
const MAX_TOKEN_BODY_BYTES: usize = 16 * 1024;

/// Handles `/token`.
pub async fn token(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, OidcError> {
    let name = path.into_inner();
    let (provider, account) = lookup(&state, &name).map_err(|_| {
        OidcError::json(
            actix_web::http::StatusCode::NOT_FOUND,
            "invalid_request",
            "no such issuer",
        )
    })?;
    throttle(&provider.token_throttle, &state, &req, Wire::Json)?;
    let body = read_limited(req.headers(), payload, MAX_TOKEN_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge { .. } => OidcError::invalid_request("request body too large"),
            other => OidcError::invalid_request(other.to_string()),
        })?;
    let form = Params::parse(&body);
    let client = authenticate(&state.clients, &req, &form)?;
    if !client.may_use(&name) || !client.has_scope(ClientScope::Login) {
        return Err(OidcError::json(
            actix_web::http::StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "the client may not log users in through this account",
        ));
    }
    if let Some(repeated) = &form.repeated {
        return Err(OidcError::invalid_request(format!(
            "parameter `{repeated}` appears more than once"
        )));
    }
    match form.get("grant_type") {
        Some("authorization_code") => {}
        Some(_) => {
            return Err(OidcError::json(
                actix_web::http::StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only grant_type=authorization_code is supported",
            ));
        }
        None => return Err(OidcError::invalid_request("grant_type is missing")),
    }
    let code = form
        .get("code")
        .ok_or_else(|| OidcError::invalid_request("code is missing"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OidcError::invalid_request("redirect_uri is missing"))?;
    let grant = redeem(provider, code).await.inspect_err(|error| {
        if error.is_replay() {
            account.metrics.login(LoginStep::CodeReplayed);
        }
    })?;
    if let Err(refusal) = check(
        &grant,
        &name,
        client,
        redirect_uri,
        form.get("code_verifier"),
    ) {
        burn(provider, code).await;
        return Err(refusal);
    }
    let answer = issue(provider, &name, code, grant).await?;
    account.metrics.login(LoginStep::TokensIssued);
    Ok(answer)
}

/// The authenticated client. Exactly one method: HTTP Basic, `client_secret` in the form, or
/// (public clients only) `client_id` alone.
fn authenticate<'a>(
    clients: &'a Clients,
    req: &HttpRequest,
    form: &Params,
) -> Result<&'a Client, OidcError> {
    if let Some(credentials) = authorization(req.headers(), "basic") {
        if form.get("client_secret").is_some() {
            return Err(OidcError::invalid_request(
                "use one client authentication method, not both HTTP Basic and client_secret",
            ));
        }
        let pairs = basic_pairs(credentials).ok_or_else(|| OidcError::invalid_client(true))?;
        if form
            .get("client_id")
            .is_some_and(|form_id| pairs.iter().all(|(id, _)| id != form_id))
        {
            return Err(OidcError::invalid_request(
                "client_id differs from the HTTP Basic user",
            ));
        }
        return pairs
            .iter()
            .find_map(|(id, secret)| {
                clients
                    .get(id)
                    .filter(|client| client.secret_matches(secret))
            })
            .ok_or_else(|| OidcError::invalid_client(true));
    }
    let id = form
        .get("client_id")
        .ok_or_else(|| OidcError::invalid_client(false))?;
    let client = clients
        .get(id)
        .ok_or_else(|| OidcError::invalid_client(false))?;
    let authenticated = match form.get("client_secret") {
        Some(secret) => client.secret_matches(secret),
        None => client.is_public(),
    };
    if authenticated {
        Ok(client)
    } else {
        Err(OidcError::invalid_client(false))
    }
}

/// The id and secret of HTTP Basic credentials: form-urlencoded, as RFC 6749 section 2.3.1
/// says, and as sent (many clients do not encode them), when the two differ.
fn basic_pairs(credentials: &str) -> Option<Vec<(String, String)>> {
    let (id, secret) = decode_basic(credentials)?;
    let (id, secret) = (id.as_str(), secret.as_str());
    let unescape = |part: &str| -> String {
        form_urlencoded::parse(format!("x={}", part.replace('&', "%26")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let mut pairs = vec![(unescape(id), unescape(secret))];
    if pairs[0].0 != id || pairs[0].1 != secret {
        pairs.push((id.to_owned(), secret.to_owned()));
    }
    Some(pairs)
}

/// Swaps the code for the [`USED`] marker and returns what it granted; a code already
/// redeemed is revoked instead.
async fn redeem(provider: &Provider, code: &str) -> Result<CodeGrant, OidcError> {
    let grants = &provider.grants;
    let previous = grants
        .replace(GrantKind::Code, code, USED, provider.token_ttl)
        .await
        .map_err(|e| OidcError::grants(Wire::Json, &e))?;
    match previous.as_deref() {
        None => Err(OidcError::invalid_grant("unknown or expired code")),
        Some(USED | REVOKED) => {
            burn(provider, code).await;
            tracing::warn!(
                "OpenID Connect: a code was redeemed twice; the tokens issued from it are revoked"
            );
            Err(OidcError::replay())
        }
        Some(record) => {
            serde_json::from_str(record).map_err(|e| OidcError::internal(Wire::Json, e))
        }
    }
}

/// Marks the code revoked (with its tokens).
async fn burn(provider: &Provider, code: &str) {
    if let Err(error) = provider
        .grants
        .replace(GrantKind::Code, code, REVOKED, provider.token_ttl)
        .await
    {
        tracing::error!(%error, "OpenID Connect: could not revoke a code");
    }
}

/// Whether the code may be redeemed by this request.
fn check(
    grant: &CodeGrant,
    account: &str,
    client: &Client,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<(), OidcError> {
    if grant.account != account || grant.app.client_id != client.id {
        return Err(OidcError::invalid_grant(
            "the code was not issued to this client",
        ));
    }
    if grant.app.redirect_uri != redirect_uri {
        return Err(OidcError::invalid_grant(
            "redirect_uri differs from the one of the authorization request",
        ));
    }
    match (&grant.app.code_challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OidcError::invalid_grant(
            "code_verifier sent, but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(OidcError::invalid_grant("code_verifier is missing")),
        (Some(challenge), Some(verifier)) => {
            let valid = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if valid && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(OidcError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}

/// Stores the access token and answers it with the signed id_token.
async fn issue(
    provider: &Provider,
    account: &str,
    code: &str,
    grant: CodeGrant,
) -> Result<HttpResponse, OidcError> {
    let now = unix_secs();
    let ttl = provider.token_ttl;
    let client_id = grant.app.client_id.clone();
    let mut claims = grant.user.claims(grant.app.profile);
    claims.insert("iss".into(), provider.issuer(account).into());
    claims.insert("aud".into(), client_id.clone().into());
    claims.insert("azp".into(), client_id.clone().into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ttl.as_secs()).into());
    claims.insert("auth_time".into(), grant.auth_time.into());
    if let Some(nonce) = &grant.app.nonce {
        claims.insert("nonce".into(), nonce.clone().into());
    }
    let id_token = provider
        .keys
        .sign(&Value::Object(claims))
        .map_err(|e| OidcError::internal(Wire::Json, e))?;
    let access_token = fresh_secret();
    let record = TokenGrant {
        account: account.to_owned(),
        client_id,
        code: code.to_owned(),
        profile: grant.app.profile,
        user: grant.user,
    };
    let value = serde_json::to_string(&record).map_err(|e| OidcError::internal(Wire::Json, e))?;
    provider
        .grants
        .put(GrantKind::AccessToken, &access_token, &value, ttl)
        .await
        .map_err(|e| OidcError::grants(Wire::Json, &e))?;
    let scope = if grant.app.profile {
        "openid profile"
    } else {
        "openid"
    };
    tracing::info!(account, client = %record.client_id, "OpenID Connect: tokens issued");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs(),
            "id_token": id_token,
            "scope": scope,
        })))
}

#[cfg(test)]
#[path = "token_test.rs"]
mod tests;
