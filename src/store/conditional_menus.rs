//! Conditional (personalized) menus: the ones WeChat accepted, by the menuid it gave, so that an
//! admin can list and remove them. WeChat offers no way to list them one by one.

use serde::Serialize;
use serde_json::Value;

use super::backend::with_pool;
use super::{Store, StoreError};

/// A conditional menu WeChat accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionalMenu {
    /// The id WeChat gave it (kept as text: WeChat answers it as a string or a number).
    pub menuid: String,
    /// The `button` array, as sent to WeChat.
    pub button: Value,
    /// The `matchrule` object, as sent to WeChat.
    pub matchrule: Value,
    /// When it was added (Unix seconds).
    pub created_at: i64,
    /// Who added it: an admin's name, or `api` for the JSON API.
    pub created_by: String,
}

/// A row of the conditional_menus table: menuid, button, matchrule (JSON text), created_at,
/// created_by.
type ConditionalRow = (String, String, String, i64, String);

impl Store {
    /// Records a conditional menu of `account`. A menuid recorded before is replaced.
    pub async fn add_conditional_menu(
        &self,
        account: &str,
        menu: &ConditionalMenu,
    ) -> Result<(), StoreError> {
        self.io(async move {
            let encode = |value: &Value, what: &str| {
                serde_json::to_string(value).map_err(|err| {
                    StoreError::Database(format!(
                        "cannot encode the conditional menu's {what}: {err}"
                    ))
                })
            };
            let button = encode(&menu.button, "button")?;
            let matchrule = encode(&menu.matchrule, "matchrule")?;
            with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO conditional_menus \
                     (account, menuid, button, matchrule, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (account, menuid) DO UPDATE \
                     SET button = excluded.button, matchrule = excluded.matchrule, \
                     created_at = excluded.created_at, created_by = excluded.created_by",
                )
                .bind(account)
                .bind(&menu.menuid)
                .bind(&button)
                .bind(&matchrule)
                .bind(menu.created_at)
                .bind(&menu.created_by)
                .execute(pool)
                .await?;
            });
            tracing::debug!(account, menuid = %menu.menuid, "conditional menu recorded");
            Ok(())
        })
        .await
    }

    /// Every conditional menu of `account`, oldest first.
    pub async fn conditional_menus(
        &self,
        account: &str,
    ) -> Result<Vec<ConditionalMenu>, StoreError> {
        self.io(async move {
            let rows: Vec<ConditionalRow> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT menuid, button, matchrule, created_at, created_by \
                     FROM conditional_menus WHERE account = $1 ORDER BY created_at, menuid",
                )
                .bind(account)
                .fetch_all(pool)
                .await?
            });
            rows.into_iter().map(conditional_from_row).collect()
        })
        .await
    }

    /// Removes one conditional menu of `account`; `false` when there was none by that menuid.
    pub async fn delete_conditional_menu(
        &self,
        account: &str,
        menuid: &str,
    ) -> Result<bool, StoreError> {
        self.io(async move {
            let deleted = with_pool!(self, |pool| {
                sqlx::query("DELETE FROM conditional_menus WHERE account = $1 AND menuid = $2")
                    .bind(account)
                    .bind(menuid)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            Ok(deleted > 0)
        })
        .await
    }

    /// Removes every conditional menu of `account` (deleting the menu at WeChat removes them
    /// too); returns how many there were.
    pub async fn clear_conditional_menus(&self, account: &str) -> Result<u64, StoreError> {
        self.io(async move {
            let deleted = with_pool!(self, |pool| {
                sqlx::query("DELETE FROM conditional_menus WHERE account = $1")
                    .bind(account)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            Ok(deleted)
        })
        .await
    }
}

/// A [`ConditionalMenu`] from a [`ConditionalRow`].
fn conditional_from_row(row: ConditionalRow) -> Result<ConditionalMenu, StoreError> {
    let (menuid, button, matchrule, created_at, created_by) = row;
    let decode = |text: &str, what: &str| {
        serde_json::from_str(text).map_err(|err| {
            StoreError::Database(format!(
                "conditional menu {menuid}: {what} is not valid JSON: {err}"
            ))
        })
    };
    Ok(ConditionalMenu {
        button: decode(&button, "button")?,
        matchrule: decode(&matchrule, "matchrule")?,
        menuid,
        created_at,
        created_by,
    })
}

#[cfg(test)]
#[path = "conditional_menus_test.rs"]
mod tests;
