//! The API handlers call ([`wxgate_handlers::api::Api`], `Context::api`): the account's
//! [`WeChatApi`], every call through its token-cached, token-retried path.

use wxgate_handlers::Reply;
use wxgate_handlers::api::{
    Api, Material, MediaKind, SubscribeMessage, Tag, TemplateMessage, UploadedMedia, UserInfo,
};

use super::client::WeChatApi;
use super::error::ApiError;

#[wxgate_handlers::async_trait]
impl Api for WeChatApi {
    async fn user_info(&self, openid: &str) -> Result<UserInfo, ApiError> {
        WeChatApi::user_info(self, openid).await
    }

    async fn users_info(&self, openids: &[&str]) -> Result<Vec<UserInfo>, ApiError> {
        WeChatApi::users_info(self, openids).await
    }

    async fn create_tag(&self, name: &str) -> Result<Tag, ApiError> {
        WeChatApi::create_tag(self, name).await
    }

    async fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        WeChatApi::tags(self).await
    }

    async fn tag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError> {
        WeChatApi::tag_users(self, tag_id, openids).await
    }

    async fn untag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError> {
        WeChatApi::untag_users(self, tag_id, openids).await
    }

    async fn user_tags(&self, openid: &str) -> Result<Vec<i64>, ApiError> {
        WeChatApi::user_tags(self, openid).await
    }

    async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
    ) -> Result<UploadedMedia, ApiError> {
        WeChatApi::upload_media(self, kind, filename, bytes).await
    }

    async fn add_material(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: &[u8],
        video: Option<(&str, &str)>,
    ) -> Result<Material, ApiError> {
        WeChatApi::add_material(self, kind, filename, bytes, video).await
    }

    async fn send_template(&self, message: &TemplateMessage) -> Result<i64, ApiError> {
        WeChatApi::send_template(self, message).await
    }

    async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<(), ApiError> {
        WeChatApi::send_subscribe(self, message).await
    }

    async fn send_custom(&self, to_user: &str, reply: &Reply) -> Result<(), ApiError> {
        self.send_custom_message(to_user, reply).await
    }

    async fn typing(&self, to_user: &str, typing: bool) -> Result<(), ApiError> {
        WeChatApi::typing(self, to_user, typing).await
    }
}

#[cfg(test)]
#[path = "handler_api_test.rs"]
mod tests;
