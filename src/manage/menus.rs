//! The default menu: saved as numbered versions, published to WeChat, rolled back, deleted.

use super::validate::{Menu, Problem, validate_menu};
use super::{Actor, ManageError, api, audit};
use crate::account::Account;
use crate::api::WeChatApi;
use crate::clock::unix_secs_i64;
use crate::store::{AuditAction, MenuVersion, Store};

/// Checks `menu`, stores it as the account's next version (saved by `by`) and publishes it.
///
/// Audited: `menu_saved` once stored, `menu_published` once WeChat accepted it.
///
/// # Errors
///
/// [`ManageError::Invalid`] (nothing stored, WeChat not called), [`ManageError::NoSecret`],
/// [`ManageError::WeChat`] with the version stored (kept unpublished, its error recorded),
/// [`ManageError::Store`].
pub async fn save_and_publish(
    store: &Store,
    account: &Account,
    menu: &Menu,
    by: &Actor<'_>,
) -> Result<MenuVersion, ManageError> {
    validate_menu(menu).map_err(ManageError::Invalid)?;
    let api = api(account)?;
    let value = serde_json::to_value(menu).map_err(|error| {
        ManageError::Invalid(vec![Problem::new(
            "button",
            format!("the menu cannot be written as JSON: {error}"),
        )])
    })?;
    let stored = store
        .add_menu_version(&account.name, &value, unix_secs_i64(), by.name)
        .await?;
    let detail = format!("version {}", stored.version);
    tracing::info!(account = %account.name, version = stored.version, by = by.name, "menu version stored");
    audit(store, account, by, AuditAction::MenuSaved, &detail).await;
    let published = publish(store, api, account, stored).await?;
    audit(store, account, by, AuditAction::MenuPublished, &detail).await;
    Ok(published)
}

/// Publishes a stored version again (roll back, or forward).
///
/// Audited: `menu_rolled_back` once WeChat accepted it.
///
/// # Errors
///
/// [`ManageError::NoSecret`], [`ManageError::NotFound`] for a version the account does not
/// have (WeChat not called), [`ManageError::WeChat`] (its error recorded on the version),
/// [`ManageError::Store`].
pub async fn republish(
    store: &Store,
    account: &Account,
    version: i64,
    by: &Actor<'_>,
) -> Result<MenuVersion, ManageError> {
    let api = api(account)?;
    let stored = store
        .menu_version(&account.name, version)
        .await?
        .ok_or_else(|| no_version(version))?;
    let published = publish(store, api, account, stored).await?;
    audit(
        store,
        account,
        by,
        AuditAction::MenuRolledBack,
        &format!("version {version}"),
    )
    .await;
    Ok(published)
}

/// Deletes the account's menu at WeChat, its conditional menus with it. Every version is
/// kept; from now on none is current.
///
/// Audited: `menu_deleted`.
///
/// # Errors
///
/// [`ManageError::NoSecret`], [`ManageError::WeChat`], [`ManageError::Store`].
pub async fn delete_menu(
    store: &Store,
    account: &Account,
    by: &Actor<'_>,
) -> Result<(), ManageError> {
    api(account)?.delete_menu().await?;
    let now = unix_secs_i64();
    store.clear_current_menu(&account.name, now).await?;
    let conditional = store.clear_conditional_menus(&account.name).await?;
    tracing::info!(account = %account.name, conditional, by = by.name, "menu deleted");
    audit(store, account, by, AuditAction::MenuDeleted, "").await;
    Ok(())
}

/// The menu WeChat shows now (the version published last).
///
/// # Errors
///
/// [`ManageError::NotFound`] when no menu is published, [`ManageError::Store`].
pub async fn current_menu(store: &Store, account: &Account) -> Result<MenuVersion, ManageError> {
    store
        .current_menu(&account.name)
        .await?
        .ok_or_else(|| ManageError::NotFound("no menu is published".into()))
}

/// Every stored version of the account's menu, oldest first.
///
/// # Errors
///
/// [`ManageError::Store`].
pub async fn menu_versions(
    store: &Store,
    account: &Account,
) -> Result<Vec<MenuVersion>, ManageError> {
    Ok(store.menu_versions(&account.name).await?)
}

/// Sends a stored version to WeChat and records the outcome either way.
async fn publish(
    store: &Store,
    api: &WeChatApi,
    account: &Account,
    stored: MenuVersion,
) -> Result<MenuVersion, ManageError> {
    let version = stored.version;
    if let Err(error) = api.create_menu(&stored.menu).await {
        store
            .record_publish_failure(&account.name, version, &error.to_string())
            .await?;
        return Err(ManageError::WeChat {
            error,
            version: Some(version),
        });
    }
    store
        .publish_menu(&account.name, version, unix_secs_i64())
        .await?;
    tracing::info!(account = %account.name, version, "menu published");
    store
        .menu_version(&account.name, version)
        .await?
        .ok_or_else(|| no_version(version))
}

fn no_version(version: i64) -> ManageError {
    ManageError::NotFound(format!("no menu version {version}"))
}
