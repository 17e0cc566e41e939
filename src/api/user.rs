//! User profiles: `/cgi-bin/user/info` and `/cgi-bin/user/info/batchget`.

use reqwest::Method;
use serde_json::{Value, json};
use wxgate_handlers::api::{MAX_USERS_PER_BATCH, UserInfo};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::{field, typed};

impl WeChatApi {
    /// The profile of the user `openid`, in `zh_CN`.
    pub async fn user_info(&self, openid: &str) -> Result<UserInfo, ApiError> {
        let query = [("openid", openid), ("lang", "zh_CN")];
        let answer = self
            .call_with_query(Method::GET, "/cgi-bin/user/info", &query, None)
            .await?;
        typed(Value::Object(answer))
    }

    /// The profiles of up to 100 users, in WeChat's order; more is [`ApiError::Unsupported`]
    /// without a call.
    pub async fn users_info(&self, openids: &[&str]) -> Result<Vec<UserInfo>, ApiError> {
        if openids.len() > MAX_USERS_PER_BATCH {
            return Err(ApiError::Unsupported(
                "user/info/batchget takes at most 100 OpenIDs per call",
            ));
        }
        let user_list: Vec<Value> = openids
            .iter()
            .map(|openid| json!({ "openid": openid, "lang": "zh_CN" }))
            .collect();
        let body = json!({ "user_list": user_list });
        let mut answer = self
            .call(Method::POST, "/cgi-bin/user/info/batchget", Some(&body))
            .await?;
        typed(field(&mut answer, "user_info_list")?)
    }
}

#[cfg(test)]
#[path = "user_test.rs"]
mod tests;
