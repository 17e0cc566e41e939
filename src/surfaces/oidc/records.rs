//! What the surface remembers between requests, as JSON in the grant store: the login waiting
//! at WeChat (under WeChat's `state`), the authorization code, and the access token. A code,
//! once redeemed, is replaced by a marker ([`USED`], [`REVOKED`]) that lives as long as the
//! tokens issued from it, so a second redemption can revoke them.

use serde::{Deserialize, Serialize};

/// A code's marker once it has been redeemed: its tokens are good.
pub const USED: &str = "used";
/// A code's marker once it has been redeemed twice, or refused at redemption: its tokens, if
/// any, are revoked.
pub const REVOKED: &str = "revoked";

/// The app's side of a login: where to send the user back and what to echo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppRequest {
    /// The client id.
    pub client_id: String,
    /// The exact registered redirect URI the app asked for.
    pub redirect_uri: String,
    /// The app's `state`, echoed back.
    pub state: Option<String>,
    /// The app's `nonce`, put in the id_token.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge, if the app sent one.
    pub code_challenge: Option<String>,
    /// Whether `profile` was asked for (nickname and avatar).
    pub profile: bool,
}

/// A login waiting at WeChat's authorize page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingLogin {
    /// The account whose issuer it belongs to.
    pub account: String,
    /// What the app asked for.
    pub app: AppRequest,
}

/// Who logged in, as WeChat said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    /// The openid (the `sub` claim).
    pub openid: String,
    /// The unionid, when WeChat gave one.
    pub unionid: Option<String>,
    /// The nickname (`profile` only).
    pub name: Option<String>,
    /// The avatar URL (`profile` only).
    pub picture: Option<String>,
}

/// An authorization code not yet redeemed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeGrant {
    /// The account it was issued for.
    pub account: String,
    /// What the app asked for.
    pub app: AppRequest,
    /// The user.
    pub user: User,
    /// When the user logged in (Unix seconds).
    pub auth_time: u64,
}

/// An access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenGrant {
    /// The account it was issued for.
    pub account: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The code it was issued from (already redeemed; worthless on its own), so that a
    /// replay of the code revokes the token.
    pub code: String,
    /// Whether `profile` was granted.
    pub profile: bool,
    /// The user.
    pub user: User,
}

impl User {
    /// The claims about the user: `sub`, `unionid` when known, and with `profile` the `name`
    /// and `picture` WeChat gave.
    pub fn claims(&self, profile: bool) -> serde_json::Map<String, serde_json::Value> {
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), self.openid.clone().into());
        if let Some(unionid) = &self.unionid {
            claims.insert("unionid".into(), unionid.clone().into());
        }
        if profile {
            if let Some(name) = &self.name {
                claims.insert("name".into(), name.clone().into());
            }
            if let Some(picture) = &self.picture {
                claims.insert("picture".into(), picture.clone().into());
            }
        }
        claims
    }
}
