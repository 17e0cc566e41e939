//! `POST /mp/{account}/login`: the code of `wx.login` becomes a session and an id_token.
//! WeChat's `session_key` is sealed into the store and never answered.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{json_body, lookup};
use crate::clock::unix_secs;
use crate::http::client_ip::client_ip;
use crate::http::json_error::JsonError;
use crate::state::State;

/// The longest code accepted (WeChat's are 32 characters).
const MAX_CODE_LEN: usize = 256;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    code: String,
}

/// Handles `/login`.
pub async fn login(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let name = path.into_inner();
    let (account, mini) = lookup(&state, &name)?;
    if let Some(peer) = req.peer_addr() {
        let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
        mini.login_throttle.hit(ip).map_err(|retry_after| {
            tracing::warn!(client = %ip, account = %name, "mini-program login throttled");
            JsonError::throttled(retry_after)
        })?;
    }
    let body: LoginBody = json_body(&req, payload).await?;
    let code = body.code.trim();
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(JsonError::bad_request(format!(
            "code must be 1 to {MAX_CODE_LEN} characters"
        )));
    }
    let (Some(api), Some(provider)) = (&account.api, &state.provider) else {
        // The config check requires a secret and public_url for mini programs.
        return Err(JsonError::internal(
            "mini program without a secret or public_url",
        ));
    };
    let login = api
        .code_to_session(code)
        .await
        .map_err(|e| JsonError::wechat(&e))?;
    let (session, ttl) = mini
        .sessions
        .create(
            &name,
            &login.openid,
            login.unionid.as_deref(),
            &login.session_key,
        )
        .await
        .map_err(JsonError::internal)?;
    let now = unix_secs();
    let mut claims = json!({
        "iss": provider.issuer(&name),
        "sub": login.openid,
        "aud": account.appid,
        "iat": now,
        "exp": now + provider.token_ttl.as_secs(),
        "auth_time": now,
    });
    if let Some(unionid) = &login.unionid {
        claims["unionid"] = Value::from(unionid.clone());
    }
    let id_token = provider.keys.sign(&claims).map_err(JsonError::internal)?;
    let mut answer = json!({
        "session": session,
        "openid": login.openid,
        "id_token": id_token,
        "expires_in": ttl.as_secs(),
    });
    if let Some(unionid) = login.unionid {
        answer["unionid"] = Value::from(unionid);
    }
    tracing::info!(account = %name, "mini-program login");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}
