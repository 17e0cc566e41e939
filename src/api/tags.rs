//! User tags: `/cgi-bin/tags/create|get`, `/cgi-bin/tags/members/batchtagging|batchuntagging`
//! and `/cgi-bin/tags/getidlist`.

use reqwest::Method;
use serde_json::json;
use wxgate_handlers::api::{MAX_USERS_PER_TAGGING, Tag};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::{field, typed};

impl WeChatApi {
    /// Creates the tag `name` (at most 30 characters; WeChat refuses a duplicate with 45157).
    pub async fn create_tag(&self, name: &str) -> Result<Tag, ApiError> {
        let body = json!({ "tag": { "name": name } });
        let mut answer = self
            .call(Method::POST, "/cgi-bin/tags/create", Some(&body))
            .await?;
        typed(field(&mut answer, "tag")?)
    }

    /// The account's tags, with how many users carry each.
    pub async fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        let mut answer = self.call(Method::GET, "/cgi-bin/tags/get", None).await?;
        typed(field(&mut answer, "tags")?)
    }

    /// Puts the tag `tag_id` on up to 50 users; more is [`ApiError::Unsupported`] without a
    /// call.
    pub async fn tag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError> {
        self.tagging("/cgi-bin/tags/members/batchtagging", tag_id, openids)
            .await
    }

    /// Takes the tag `tag_id` off up to 50 users; more is [`ApiError::Unsupported`] without a
    /// call.
    pub async fn untag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError> {
        self.tagging("/cgi-bin/tags/members/batchuntagging", tag_id, openids)
            .await
    }

    /// The ids of the tags on the user `openid`.
    pub async fn user_tags(&self, openid: &str) -> Result<Vec<i64>, ApiError> {
        let body = json!({ "openid": openid });
        let mut answer = self
            .call(Method::POST, "/cgi-bin/tags/getidlist", Some(&body))
            .await?;
        typed(field(&mut answer, "tagid_list")?)
    }

    async fn tagging(
        &self,
        path: &'static str,
        tag_id: i64,
        openids: &[&str],
    ) -> Result<(), ApiError> {
        if openids.len() > MAX_USERS_PER_TAGGING {
            return Err(ApiError::Unsupported(
                "tags/members/batchtagging and batchuntagging take at most 50 OpenIDs per call",
            ));
        }
        let body = json!({ "openid_list": openids, "tagid": tag_id });
        self.call(Method::POST, path, Some(&body)).await.map(drop)
    }
}

#[cfg(test)]
#[path = "tags_test.rs"]
mod tests;
