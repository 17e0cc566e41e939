//! "Log in with WeChat" for any web app: an OpenID Connect provider (authorization code flow,
//! with PKCE) in front of WeChat's official-account web OAuth, one issuer per account at
//! `{public_url}/oidc/{account}`.
//!
//! ```text
//! browser            app                 wxgate                         WeChat
//!    |-- sign in ----->|                    |                              |
//!    |<- 302 /oidc/{account}/authorize -----|                              |
//!    |-- authorize (client, redirect_uri, state, nonce, PKCE) -->|         |
//!    |               checks the client and redirect URI, remembers the     |
//!    |               request under a fresh WeChat state (10 min, single use)|
//!    |<- 302 open.weixin.qq.com/connect/oauth2/authorize?...&state --------|
//!    |-- (user agrees in WeChat) ------------------------------------------>|
//!    |<- 302 /oidc/{account}/callback?code&state ---------------------------|
//!    |-- callback ------------------------->| takes the state, exchanges   |
//!    |                                      | the code once (sns/oauth2/   |
//!    |                                      | access_token, sns/userinfo)->|
//!    |<- 302 redirect_uri?code&state&iss ---| (wxgate code: 60 s, once)    |
//!    |-- ...?code&state -->|                |                              |
//!    |                     |-- POST token (client auth, PKCE) -->|         |
//!    |                     |<- id_token (RS256), access_token ---|         |
//!    |                     |-- GET userinfo (Bearer) ----------->|         |
//! ```
//!
//! Outside WeChat's browser the authorize step shows a QR code of the same login URL to scan
//! with WeChat. Nothing about a request that names an unknown client or an unregistered
//! redirect URI is ever sent to that URI: such requests, and states wxgate never issued or
//! already used, end on an error page. The surface is on when `[server] public_url` is set;
//! otherwise every path under `/oidc/` is 404.

mod authorize;
mod callback;
mod discovery;
mod error;
mod page;
mod records;
mod redirect;
mod token;
mod userinfo;

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use rand::distr::Alphanumeric;

pub use error::{OidcError, Wire};

use crate::account::Account;
use crate::http::client_ip::client_ip;
use crate::http::throttle::Throttle;
use crate::identity::Provider;
use crate::metrics::LoginStep;
use crate::state::State;

/// How long a login may stay at WeChat's authorize page: WeChat's `state` lives this long.
pub const STATE_TTL: Duration = Duration::from_secs(600);
/// How long a wxgate authorization code lives.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// The length of the `state` sent to WeChat (`[A-Za-z0-9]`; WeChat takes up to 128).
pub const STATE_LEN: usize = 32;
/// The largest `state` or `nonce` an app may send; longer ones are refused.
pub const MAX_APP_VALUE_BYTES: usize = 1024;

/// Registers the OpenID Connect routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/oidc/{account}")
            .route(
                "/.well-known/openid-configuration",
                web::get().to(discovery::configuration),
            )
            .route("/jwks", web::get().to(discovery::jwks))
            .route("/authorize", web::get().to(authorize::authorize))
            .route("/callback", web::get().to(callback::callback))
            .route("/token", web::post().to(token::token))
            .route("/userinfo", web::get().to(userinfo::userinfo))
            .route("/userinfo", web::post().to(userinfo::userinfo)),
    );
}

/// The provider and the account named by the path, or a 404 page when the provider is off
/// or there is no such account.
fn lookup<'a>(
    state: &'a State,
    account: &str,
) -> Result<(&'a Provider, &'a Arc<Account>), OidcError> {
    let provider = state.provider.as_ref().ok_or_else(OidcError::not_found)?;
    let account = state.account(account).ok_or_else(OidcError::not_found)?;
    Ok((provider, account))
}

/// Counts the request against `throttle` under the client's address.
fn throttle(
    throttle: &Throttle,
    state: &State,
    req: &HttpRequest,
    wire: Wire,
) -> Result<(), OidcError> {
    let Some(peer) = req.peer_addr() else {
        return Ok(());
    };
    let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
    throttle.hit(ip).map_err(|retry_after| {
        tracing::warn!(client = %ip, "OpenID Connect: throttled");
        OidcError::throttled(wire, retry_after)
    })
}

/// A fresh WeChat `state`: [`STATE_LEN`] characters of `[A-Za-z0-9]` (190 bits).
fn fresh_state() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(STATE_LEN)
        .map(char::from)
        .collect()
}

/// A fresh code or access token: 256 random bits, base64url.
fn fresh_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A request's query (or form body) as name-value pairs, with the names that appear more
/// than once (OAuth forbids repeating a parameter).
struct Params {
    pairs: Vec<(String, String)>,
    repeated: Option<String>,
}

impl Params {
    fn parse(encoded: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut repeated = None;
        for (name, value) in form_urlencoded::parse(encoded) {
            if pairs.iter().any(|(seen, _)| *seen == name) {
                repeated.get_or_insert_with(|| name.clone().into_owned());
            } else {
                pairs.push((name.into_owned(), value.into_owned()));
            }
        }
        Params { pairs, repeated }
    }

    /// The value of `name`; an empty value counts as absent (RFC 6749 section 3.1).
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Back to the app with an OAuth error, counted as [`LoginStep::AppError`].
fn back_with_error(
    account: &Account,
    app: &records::AppRequest,
    issuer: &str,
    error: &str,
    description: &str,
) -> actix_web::HttpResponse {
    account.metrics.login(LoginStep::AppError);
    redirect::error(app, issuer, error, description)
}

/// Whether the request comes from WeChat's own browser.
fn in_wechat(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|ua| ua.to_str().ok())
        .is_some_and(|ua| ua.contains("MicroMessenger"))
}

#[cfg(test)]
#[path = "oidc_test.rs"]
mod tests;
