//! WeChat web OAuth (网页授权): exchanging the `code` WeChat's authorize page gave the browser
//! for the user's openid (`/sns/oauth2/access_token`), and reading the user's profile with the
//! OAuth access token (`/sns/userinfo`).
//!
//! These calls use the AppSecret and the user's OAuth token, never the account's access token,
//! and never retry: a code is single use (a second exchange fails with errcode 40163), and a
//! retry would only turn one failure into another. The secret, the code and the tokens never
//! appear in an error or a log line.

use std::fmt;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::{self, Request, required_str};

/// What WeChat answers to a code exchange. `Debug` never shows the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthGrant {
    /// The user's OAuth access token, for [`WeChatApi::oauth_user`] (not the account's access
    /// token).
    pub access_token: String,
    /// How long `access_token` lives, in seconds (WeChat: 7200); 0 when WeChat does not say.
    pub expires_in: u64,
    /// The token that renews `access_token`; empty when WeChat sends none.
    pub refresh_token: String,
    /// The user's openid for this account.
    pub openid: String,
    /// The scope the user granted: `snsapi_base` or `snsapi_userinfo`; empty when WeChat does
    /// not say.
    pub scope: String,
    /// The user's unionid, when the account belongs to an Open Platform account.
    pub unionid: Option<String>,
    /// Whether the user is a snapshot user (a page opened from a Moments snapshot, not a real
    /// login): WeChat's `is_snapshotuser: 1`.
    pub is_snapshotuser: bool,
}

impl fmt::Debug for OAuthGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthGrant")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"[redacted]")
            .field("openid", &self.openid)
            .field("scope", &self.scope)
            .field("unionid", &self.unionid)
            .field("is_snapshotuser", &self.is_snapshotuser)
            .finish()
    }
}

/// The user's profile from `/sns/userinfo` (scope `snsapi_userinfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthUser {
    /// The user's openid for this account.
    pub openid: String,
    /// The user's nickname; empty when WeChat sends none.
    pub nickname: String,
    /// The URL of the user's avatar; empty when the user has none.
    pub headimgurl: String,
    /// The user's unionid, when the account belongs to an Open Platform account.
    pub unionid: Option<String>,
}

impl WeChatApi {
    /// Exchanges a web OAuth `code` for the user's openid and OAuth access token:
    /// `GET sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` on the API
    /// base. Called once per code, without retry; WeChat's refusals (40029 invalid code, 40163
    /// code already used, ...) are [`ApiError::WeChat`].
    pub async fn oauth_exchange(&self, code: &str) -> Result<OAuthGrant, ApiError> {
        let config = self.config();
        let query = [
            ("appid", config.appid.as_str()),
            ("secret", config.secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ];
        let request = Request {
            method: Method::GET,
            path: "/sns/oauth2/access_token",
            query: &query,
            body: None,
            secrets: &[config.secret.as_str(), code],
            data_errcodes: &[],
        };
        let answer = http::exchange(self.http(), &config.api_base, request).await?;
        Ok(OAuthGrant {
            access_token: required_str(&answer, "access_token")?,
            expires_in: answer
                .get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            refresh_token: text(&answer, "refresh_token"),
            openid: required_str(&answer, "openid")?,
            scope: text(&answer, "scope"),
            unionid: optional_text(&answer, "unionid"),
            is_snapshotuser: match answer.get("is_snapshotuser") {
                Some(Value::Bool(flag)) => *flag,
                Some(value) => value.as_i64() == Some(1),
                None => false,
            },
        })
    }

    /// The profile of the user who granted `access_token` (an [`OAuthGrant`]'s, with scope
    /// `snsapi_userinfo`): `GET sns/userinfo?access_token&openid&lang=zh_CN`. No retry.
    pub async fn oauth_user(
        &self,
        access_token: &str,
        openid: &str,
    ) -> Result<OAuthUser, ApiError> {
        let config = self.config();
        let query = [
            ("access_token", access_token),
            ("openid", openid),
            ("lang", "zh_CN"),
        ];
        let request = Request {
            method: Method::GET,
            path: "/sns/userinfo",
            query: &query,
            body: None,
            secrets: &[access_token, config.secret.as_str()],
            data_errcodes: &[],
        };
        let answer = http::exchange(self.http(), &config.api_base, request).await?;
        Ok(OAuthUser {
            openid: required_str(&answer, "openid")?,
            nickname: text(&answer, "nickname"),
            headimgurl: text(&answer, "headimgurl"),
            unionid: optional_text(&answer, "unionid"),
        })
    }
}

/// The string field `name` of `answer`, or empty.
fn text(answer: &Map<String, Value>, name: &str) -> String {
    optional_text(answer, name).unwrap_or_default()
}

/// The string field `name` of `answer`, when present and not empty.
fn optional_text(answer: &Map<String, Value>, name: &str) -> Option<String> {
    answer
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
#[path = "sns_test.rs"]
mod tests;
