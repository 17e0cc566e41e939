//! Menu versions: every menu saved per account, which one WeChat shows, and how publishing went.

use serde::Serialize;

use super::backend::{BeginWrite, with_pool};
use super::{Store, StoreError};

/// One saved version of an account's menu.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MenuVersion {
    /// The version number: 1 for the account's first menu, then 2, 3, ... without gaps.
    pub version: i64,
    /// The menu as saved (the body of WeChat's `/cgi-bin/menu/create`).
    pub menu: serde_json::Value,
    /// When the version was saved.
    pub created_at: i64,
    /// Who saved it: an admin's name, or `api` for the JSON API; `None` for versions saved
    /// before this was recorded.
    pub saved_by: Option<String>,
    /// When the version was last published successfully, if ever.
    pub published_at: Option<i64>,
    /// Why the last publish of this version failed; cleared by a successful publish.
    pub publish_error: Option<String>,
    /// Whether this is the menu WeChat currently shows (the version published last, unless the
    /// menu was deleted since).
    pub current: bool,
}

/// A row of [`SELECT_MENU`]: version, menu (JSON text), created_at, saved_by, published_at,
/// publish_error, is_current.
type MenuRow = (
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    bool,
);

/// The columns of a [`MenuRow`], over `menu_versions m` joined with the current menu.
const SELECT_MENU: &str = "SELECT m.version, m.menu, m.created_at, m.saved_by, m.published_at, \
     m.publish_error, c.version IS NOT NULL AS is_current \
     FROM menu_versions m \
     LEFT JOIN current_menus c ON c.account = m.account AND c.version = m.version";

impl Store {
    /// Saves `menu` as the account's next version, saved by `saved_by` (an admin's name or
    /// `api`), and returns it (unpublished). The number is taken and the version stored in one
    /// transaction, so concurrent callers get distinct, consecutive numbers.
    pub async fn add_menu_version(
        &self,
        account: &str,
        menu: &serde_json::Value,
        now: i64,
        saved_by: &str,
    ) -> Result<MenuVersion, StoreError> {
        self.io(async move {
            let text = serde_json::to_string(menu)
                .map_err(|err| StoreError::Database(format!("cannot encode the menu: {err}")))?;
            let version = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                // First statement of the transaction: the counter row stays locked until
                // commit, so a concurrent caller (in this process or another) waits here, then
                // reads the number this one committed.
                let version: i64 = sqlx::query_scalar(
                    "INSERT INTO menu_counters (account, last_version) VALUES ($1, 1) \
                     ON CONFLICT (account) DO UPDATE \
                     SET last_version = menu_counters.last_version + 1 \
                     RETURNING last_version",
                )
                .bind(account)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO menu_versions (account, version, menu, created_at, saved_by) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(account)
                .bind(version)
                .bind(&text)
                .bind(now)
                .bind(saved_by)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                version
            });
            tracing::debug!(account, version, "menu version saved");
            Ok(MenuVersion {
                version,
                menu: menu.clone(),
                created_at: now,
                saved_by: Some(saved_by.to_owned()),
                published_at: None,
                publish_error: None,
                current: false,
            })
        })
        .await
    }

    /// Records that `version` was published to WeChat at `now`: sets its `published_at`, clears
    /// its `publish_error`, and makes it the account's current menu. Publishing an older version
    /// again makes it current again. [`StoreError::NotFound`] if the account has no such version.
    pub async fn publish_menu(
        &self,
        account: &str,
        version: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let updated = sqlx::query(
                    "UPDATE menu_versions SET published_at = $3, publish_error = NULL \
                     WHERE account = $1 AND version = $2",
                )
                .bind(account)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    tx.rollback().await?;
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "INSERT INTO current_menus (account, version, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (account) DO UPDATE \
                     SET version = excluded.version, updated_at = excluded.updated_at",
                )
                .bind(account)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            });
            tracing::debug!(account, version, "menu version published");
            Ok(())
        })
        .await
    }

    /// Records why publishing `version` failed. The version's `published_at` and the account's
    /// current menu stay as they were. [`StoreError::NotFound`] if the account has no such
    /// version.
    pub async fn record_publish_failure(
        &self,
        account: &str,
        version: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.io(async move {
            let updated = with_pool!(self, |pool| {
                sqlx::query(
                "UPDATE menu_versions SET publish_error = $3 WHERE account = $1 AND version = $2",
            )
            .bind(account)
            .bind(version)
            .bind(error)
            .execute(pool)
            .await?
            .rows_affected()
            });
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    /// The menu WeChat currently shows: the version published last, or `None` if no version was
    /// ever published or the menu was deleted since ([`Store::clear_current_menu`]).
    pub async fn current_menu(&self, account: &str) -> Result<Option<MenuVersion>, StoreError> {
        self.io(async move {
            let row: Option<MenuRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_MENU} WHERE m.account = $1 AND c.version IS NOT NULL"
                ))
                .bind(account)
                .fetch_optional(pool)
                .await?
            });
            row.map(menu_from_row).transpose()
        })
        .await
    }

    /// Records that the account's menu was deleted at WeChat: from now on there is no current
    /// menu. Every version is kept and can be published again.
    pub async fn clear_current_menu(&self, account: &str, now: i64) -> Result<(), StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE current_menus SET version = NULL, updated_at = $2 WHERE account = $1",
                )
                .bind(account)
                .bind(now)
                .execute(pool)
                .await?;
            });
            tracing::debug!(account, "current menu cleared");
            Ok(())
        })
        .await
    }

    /// Every version of the account's menu, oldest first.
    pub async fn menu_versions(&self, account: &str) -> Result<Vec<MenuVersion>, StoreError> {
        self.io(async move {
            let rows: Vec<MenuRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_MENU} WHERE m.account = $1 ORDER BY m.version"
                ))
                .bind(account)
                .fetch_all(pool)
                .await?
            });
            rows.into_iter().map(menu_from_row).collect()
        })
        .await
    }

    /// One version of the account's menu, or `None` if there is no such version.
    pub async fn menu_version(
        &self,
        account: &str,
        version: i64,
    ) -> Result<Option<MenuVersion>, StoreError> {
        self.io(async move {
            let row: Option<MenuRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_MENU} WHERE m.account = $1 AND m.version = $2"
                ))
                .bind(account)
                .bind(version)
                .fetch_optional(pool)
                .await?
            });
            row.map(menu_from_row).transpose()
        })
        .await
    }
}

/// A [`MenuVersion`] from a [`MenuRow`].
fn menu_from_row(row: MenuRow) -> Result<MenuVersion, StoreError> {
    let (version, text, created_at, saved_by, published_at, publish_error, current) = row;
    let menu = serde_json::from_str(&text).map_err(|err| {
        StoreError::Database(format!("menu version {version} is not valid JSON: {err}"))
    })?;
    Ok(MenuVersion {
        version,
        menu,
        created_at,
        saved_by,
        published_at,
        publish_error,
        current,
    })
}

#[cfg(test)]
#[path = "menus_test.rs"]
mod tests;
