//! Mini-program logins and phone numbers: the code of `wx.login` exchanged for the user's
//! openid and `session_key` (`/sns/jscode2session`), and the code of the getPhoneNumber button
//! for the user's phone number (`/wxa/business/getuserphonenumber`).
//!
//! `jscode2session` uses the AppSecret, not the access token, and is never retried: a code is
//! single use, and WeChat's refusals (40029 invalid code, 40163 code already used, 45011 too
//! many logins, 40226 a high-risk user) are the caller's to answer, with their errcode.
//! `getuserphonenumber` takes the access token as every other call does, and is retried once
//! when WeChat rejects the token. The secret, the codes and the `session_key` never appear in
//! an error, a log line or `Debug` output.

use std::fmt;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::{self, Request, field, required_str, scrub_error, typed};

/// What WeChat answers to a mini-program login code. `Debug` never shows the `session_key`.
#[derive(Clone, PartialEq, Eq)]
pub struct MpLogin {
    /// The user's openid for this mini program.
    pub openid: String,
    /// The key of the user's encrypted data (base64, as WeChat gave it). A secret: never
    /// logged, never handed to the mini program.
    pub session_key: String,
    /// The user's unionid, when the mini program belongs to an Open Platform account.
    pub unionid: Option<String>,
}

impl fmt::Debug for MpLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpLogin")
            .field("openid", &self.openid)
            .field("session_key", &"[redacted]")
            .field("unionid", &self.unionid)
            .finish()
    }
}

/// A user's phone number, from `getuserphonenumber`'s `phone_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// The number with its country code, e.g. `+86 13800000000` as the user entered it
    /// (`phoneNumber`).
    pub phone_number: String,
    /// The number without the country code (`purePhoneNumber`).
    pub pure_phone_number: String,
    /// The country code, e.g. `86` (`countryCode`).
    pub country_code: String,
    /// The AppID the answer was made for (`watermark.appid`): the caller checks it is its own.
    pub watermark_appid: String,
    /// When WeChat made the answer, in Unix seconds (`watermark.timestamp`).
    pub watermark_timestamp: i64,
}

/// `phone_info` as WeChat documents it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    phone_number: String,
    pure_phone_number: String,
    country_code: CountryCode,
    watermark: Watermark,
}

/// WeChat's documentation shows `countryCode` as a string, its answers as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum CountryCode {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct Watermark {
    appid: String,
    timestamp: i64,
}

impl WeChatApi {
    /// Exchanges the code of `wx.login` for the user's openid and `session_key`:
    /// `GET sns/jscode2session?appid&secret&js_code&grant_type=authorization_code` on the API
    /// base, without the access token. Called once per code, without retry; WeChat's refusals
    /// (40029, 40163, 45011, 40226, ...) are [`ApiError::WeChat`] with its errcode.
    pub async fn code_to_session(&self, js_code: &str) -> Result<MpLogin, ApiError> {
        let config = self.config();
        let query = [
            ("appid", config.appid.as_str()),
            ("secret", config.secret.as_str()),
            ("js_code", js_code),
            ("grant_type", "authorization_code"),
        ];
        let request = Request {
            method: Method::GET,
            path: "/sns/jscode2session",
            query: &query,
            body: None,
            secrets: &[config.secret.as_str(), js_code],
            data_errcodes: &[],
        };
        let answer = http::exchange(self.http(), &config.api_base, request).await?;
        Ok(MpLogin {
            openid: required_str(&answer, "openid")?,
            session_key: required_str(&answer, "session_key")?,
            unionid: answer
                .get("unionid")
                .and_then(Value::as_str)
                .filter(|unionid| !unionid.is_empty())
                .map(str::to_owned),
        })
    }

    /// The phone number behind the code of a getPhoneNumber button:
    /// `POST wxa/business/getuserphonenumber?access_token` with `{"code"}`, retried once when
    /// WeChat rejects the access token. The watermark's appid is returned, not checked.
    pub async fn user_phone_number(&self, code: &str) -> Result<PhoneNumber, ApiError> {
        let body = json!({ "code": code });
        let mut answer = self
            .call(
                Method::POST,
                "/wxa/business/getuserphonenumber",
                Some(&body),
            )
            .await
            .map_err(|error| scrub_error(error, &[code]))?;
        let info: PhoneInfo = typed(field(&mut answer, "phone_info")?)?;
        Ok(PhoneNumber {
            phone_number: info.phone_number,
            pure_phone_number: info.pure_phone_number,
            country_code: match info.country_code {
                CountryCode::Number(code) => code.to_string(),
                CountryCode::Text(code) => code,
            },
            watermark_appid: info.watermark.appid,
            watermark_timestamp: info.watermark.timestamp,
        })
    }
}

#[cfg(test)]
#[path = "miniprogram_test.rs"]
mod tests;
