//! Custom menus: `/cgi-bin/menu/create|get|delete`, and the conditional (personalized) ones:
//! `/cgi-bin/menu/addconditional|delconditional|trymatch`.

use reqwest::Method;
use serde_json::{Value, json};

use super::client::WeChatApi;
use super::error::ApiError;
use super::http::field;

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

impl WeChatApi {
    /// Adds a conditional menu, WeChat's `{"button": [...], "matchrule": {...}}` document, and
    /// returns the `menuid` WeChat gave it. WeChat answers the id as a string or a number;
    /// either comes back as its text. A default menu must exist first (WeChat refuses
    /// otherwise); the sex/country/province/city/language rules are refused with errcode 65320.
    pub async fn add_conditional_menu(&self, menu: &Value) -> Result<String, ApiError> {
        let mut answer = self
            .call(Method::POST, "/cgi-bin/menu/addconditional", Some(menu))
            .await?;
        match field(&mut answer, "menuid")? {
            Value::String(id) if !id.is_empty() => Ok(id),
            Value::Number(id) => Ok(id.to_string()),
            other => Err(ApiError::BadResponse(format!(
                "answer's `menuid` is neither a string nor a number: {other}"
            ))),
        }
    }

    /// Deletes the conditional menu `menuid`.
    pub async fn delete_conditional_menu(&self, menuid: &str) -> Result<(), ApiError> {
        self.call(
            Method::POST,
            "/cgi-bin/menu/delconditional",
            Some(&json!({ "menuid": menuid })),
        )
        .await
        .map(drop)
    }

    /// Which menu the user `user_id` (an openid or a WeChat id) would see: WeChat's answer,
    /// `{"button": [...]}`.
    pub async fn try_match_menu(&self, user_id: &str) -> Result<Value, ApiError> {
        self.call(
            Method::POST,
            "/cgi-bin/menu/trymatch",
            Some(&json!({ "user_id": user_id })),
        )
        .await
        .map(Value::Object)
    }
}

#[cfg(test)]
#[path = "menu_test.rs"]
mod tests;
