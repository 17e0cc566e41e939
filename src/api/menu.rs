//! Custom menus: `/cgi-bin/menu/create|get|delete`.

use reqwest::Method;
use serde_json::Value;

use super::client::WeChatApi;
use super::error::ApiError;

impl WeChatApi {
    /// Replaces the account's menu with `menu`, WeChat's `{"button": [...]}` document.
    ///
    /// WeChat checks it: at most 3 buttons of at most 5 sub-buttons, names of at most 16
    /// (button) or 60 (sub-button) bytes, and so on; a refusal is an [`ApiError::WeChat`]
    /// (e.g. errcode 40018, invalid button name size).
    pub async fn create_menu(&self, menu: &Value) -> Result<(), ApiError> {
        self.call(Method::POST, "/cgi-bin/menu/create", Some(menu))
            .await
            .map(drop)
    }

    /// The account's current menu, as WeChat answers it: `{"menu": {"button": [...]}}`, with
    /// `conditionalmenu` when there are conditional menus. No menu is errcode 46003.
    pub async fn get_menu(&self) -> Result<Value, ApiError> {
        self.call(Method::GET, "/cgi-bin/menu/get", None)
            .await
            .map(Value::Object)
    }

    /// Deletes the account's menu, conditional menus included.
    pub async fn delete_menu(&self) -> Result<(), ApiError> {
        self.call(Method::GET, "/cgi-bin/menu/delete", None)
            .await
            .map(drop)
    }
}

#[cfg(test)]
#[path = "menu_test.rs"]
mod tests;
