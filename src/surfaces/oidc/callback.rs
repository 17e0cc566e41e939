//! `GET /oidc/{account}/callback`: where WeChat sends the browser back. The `state` must be one
//! this gateway issued and not yet used (it is taken, so a second use finds nothing); WeChat's
//! code is exchanged once, the user's profile fetched when asked for, and the browser goes
//! back to the app with a wxgate code. A state wxgate does not know has no app to go back to:
//! an error page, and no code is exchanged.

use actix_web::{HttpRequest, HttpResponse, web};

use super::records::{CodeGrant, PendingLogin, User};
use super::{
    CODE_TTL, OidcError, Params, STATE_LEN, Wire, back_with_error, fresh_secret, lookup, redirect,
};
use crate::api::ApiError;
use crate::clock::unix_secs;
use crate::grants::GrantKind;
use crate::metrics::LoginStep;
use crate::state::State;

/// Handles `/callback`.
pub async fn callback(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, OidcError> {
    let name = path.into_inner();
    let (provider, account) = lookup(&state, &name)?;
    let params = Params::parse(req.query_string().as_bytes());
    let unknown = || {
        OidcError::bad_request(
            "This login has expired or was already used; start again from the app. \
             登录已过期或已使用，请回到应用重新登录。",
        )
    };
    let wechat_state = params
        .get("state")
        .filter(|s| s.len() == STATE_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(unknown)?;
    let pending = provider
        .grants
        .take(GrantKind::State, wechat_state)
        .await
        .map_err(|e| OidcError::grants(Wire::Page, &e))?
        .ok_or_else(unknown)?;
    let pending: PendingLogin =
        serde_json::from_str(&pending).map_err(|e| OidcError::internal(Wire::Page, e))?;
    if pending.account != name {
        return Err(unknown());
    }
    let app = &pending.app;
    let issuer = provider.issuer(&name);
    let Some(code) = params.get("code") else {
        return Ok(back_with_error(
            account,
            app,
            &issuer,
            "access_denied",
            "the user did not authorize the login in WeChat",
        ));
    };
    let Some(api) = &account.api else {
        return Ok(back_with_error(
            account,
            app,
            &issuer,
            "server_error",
            "the account has no AppSecret configured",
        ));
    };
    let grant = match api.oauth_exchange(code).await {
        Ok(grant) => grant,
        Err(error) => {
            tracing::warn!(account = %name, %error, "OpenID Connect: WeChat refused the code exchange");
            return Ok(back_with_error(
                account,
                app,
                &issuer,
                "server_error",
                &describe(&error),
            ));
        }
    };
    if grant.is_snapshotuser {
        return Ok(back_with_error(
            account,
            app,
            &issuer,
            "access_denied",
            "the page was opened in WeChat's snapshot mode (no real user); open it in WeChat",
        ));
    }
    let mut user = User {
        openid: grant.openid.clone(),
        unionid: grant.unionid.clone(),
        name: None,
        picture: None,
    };
    if app.profile {
        match api.oauth_user(&grant.access_token, &grant.openid).await {
            Ok(profile) => {
                user.name = Some(profile.nickname).filter(|n| !n.is_empty());
                user.picture = Some(profile.headimgurl).filter(|p| !p.is_empty());
                user.unionid = user.unionid.or(profile.unionid);
            }
            Err(error) => {
                tracing::warn!(account = %name, %error, "OpenID Connect: WeChat refused the user's profile");
                return Ok(back_with_error(
                    account,
                    app,
                    &issuer,
                    "server_error",
                    &describe(&error),
                ));
            }
        }
    }
    let code = fresh_secret();
    let record = CodeGrant {
        account: name.clone(),
        app: app.clone(),
        user,
        auth_time: unix_secs(),
    };
    let value = serde_json::to_string(&record).map_err(|e| OidcError::internal(Wire::Page, e))?;
    provider
        .grants
        .put(GrantKind::Code, &code, &value, CODE_TTL)
        .await
        .map_err(|e| OidcError::grants(Wire::Page, &e))?;
    tracing::info!(account = %name, client = %app.client_id, "OpenID Connect: login completed at WeChat");
    account.metrics.login(LoginStep::CodeIssued);
    Ok(redirect::code(app, &issuer, &code))
}

/// What the app's developers are told about a failed WeChat call (never a credential).
fn describe(error: &ApiError) -> String {
    match error.errcode() {
        Some(errcode) => format!("WeChat refused the login (errcode {errcode})"),
        None => "WeChat could not be reached, or its answer was unreadable".to_owned(),
    }
}
