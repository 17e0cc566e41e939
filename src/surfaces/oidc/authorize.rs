//! `GET /oidc/{account}/authorize`: checks the app's request, remembers it under a fresh
//! WeChat `state`, and sends the browser to WeChat's authorize page (or, outside WeChat, shows
//! a QR code of the login URL).
//!
//! Order: account (404 page), throttle (429 page), client and redirect URI (400 page: nothing
//! goes to a URI not registered for the client), then every other problem goes back to the
//! app as an OAuth error with its `state`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::records::{AppRequest, PendingLogin};
use super::{
    MAX_APP_VALUE_BYTES, OidcError, Params, STATE_TTL, Wire, back_with_error, fresh_state,
    in_wechat, lookup, page, redirect, throttle,
};
use crate::config::{AccountKind, ClientScope};
use crate::grants::GrantKind;
use crate::metrics::LoginStep;
use crate::state::State;

/// Handles `/authorize`.
pub async fn authorize(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, OidcError> {
    let name = path.into_inner();
    let (provider, account) = lookup(&state, &name)?;
    if account.kind != AccountKind::Official {
        // Mini programs have no web login; their users log in through /mp/{account}/login.
        return Err(OidcError::not_found());
    }
    throttle(&provider.authorize_throttle, &state, &req, Wire::Page)?;
    let params = Params::parse(req.query_string().as_bytes());
    let client_id = params.get("client_id").ok_or_else(|| {
        OidcError::bad_request(
            "The login request names no app (client_id is missing). 登录请求缺少 client_id。",
        )
    })?;
    let client = state
        .clients
        .get(client_id)
        .filter(|c| c.may_use(&name) && c.has_scope(ClientScope::Login))
        .ok_or_else(|| {
            OidcError::bad_request(format!(
                "The app `{client_id}` may not log users in through this account. 应用未获准通过此公众号登录。"
            ))
        })?;
    let redirect_uri = params
        .get("redirect_uri")
        .filter(|uri| client.has_redirect_uri(uri))
        .ok_or_else(|| {
            OidcError::bad_request(format!(
                "The redirect_uri is missing or not registered for the app `{client_id}`. 回跳地址未登记。"
            ))
        })?;
    let scopes: Vec<&str> = params.get("scope").unwrap_or("").split(' ').collect();
    let app = AppRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: params.get("state").map(str::to_owned),
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge: params.get("code_challenge").map(str::to_owned),
        profile: scopes.contains(&"profile"),
    };
    let issuer = provider.issuer(&name);
    let refuse = |error: &str, description: &str| {
        Ok(back_with_error(account, &app, &issuer, error, description))
    };
    if let Some(repeated) = &params.repeated {
        return refuse(
            "invalid_request",
            &format!("parameter `{repeated}` appears more than once"),
        );
    }
    if [&app.state, &app.nonce].iter().any(|value| {
        value
            .as_ref()
            .is_some_and(|v| v.len() > MAX_APP_VALUE_BYTES)
    }) {
        return refuse(
            "invalid_request",
            &format!("state and nonce may be at most {MAX_APP_VALUE_BYTES} bytes"),
        );
    }
    match params.get("response_type") {
        None => return refuse("invalid_request", "response_type is missing"),
        Some("code") => {}
        Some(_) => {
            return refuse(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
    }
    if !scopes.contains(&"openid") {
        return refuse("invalid_scope", "scope must contain openid");
    }
    match (&app.code_challenge, params.get("code_challenge_method")) {
        (None, None) if client.is_public() => {
            return refuse(
                "invalid_request",
                "a public client must send a PKCE code_challenge (S256)",
            );
        }
        (None, None) => {}
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {}
        (Some(_), Some("S256")) => {
            return refuse(
                "invalid_request",
                "code_challenge must be 43 base64url characters (S256)",
            );
        }
        (None, Some(_)) => {
            return refuse(
                "invalid_request",
                "code_challenge_method without code_challenge",
            );
        }
        (Some(_), _) => {
            return refuse(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not supported)",
            );
        }
    }
    if !in_wechat(&req) {
        account.metrics.login(LoginStep::QrPage);
        return Ok(page::scan_in_wechat(&format!(
            "{issuer}/authorize?{}",
            req.query_string()
        )));
    }
    if account.api.is_none() {
        // The config check requires a secret for accounts that clients log in through.
        return Err(OidcError::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "This account has no AppSecret configured. 此公众号未配置 AppSecret。",
        ));
    }
    let wechat_state = fresh_state();
    let pending = PendingLogin {
        account: name.clone(),
        app,
    };
    let value = serde_json::to_string(&pending).map_err(|e| OidcError::internal(Wire::Page, e))?;
    provider
        .grants
        .put(GrantKind::State, &wechat_state, &value, STATE_TTL)
        .await
        .map_err(|e| OidcError::grants(Wire::Page, &e))?;
    account.metrics.login(LoginStep::Redirected);
    Ok(redirect::found(&redirect::wechat_authorize(
        &account.oauth_base,
        &account.appid,
        &format!("{issuer}/callback"),
        pending.app.profile,
        &wechat_state,
    )))
}

/// Whether `challenge` is what S256 makes: base64url (no padding) of a SHA-256 digest.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
