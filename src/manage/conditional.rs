//! Conditional (personalized) menus: shown instead of the default menu to the users a match
//! rule picks (by user tag or phone platform). WeChat cannot list them one by one, so the
//! gateway keeps those it added, by the menuid WeChat gave.

use serde_json::Value;

use super::validate::{ConditionalMenuRequest, Problem, validate_conditional, validate_try_match};
use super::{Actor, ManageError, api, audit};
use crate::account::Account;
use crate::clock::unix_secs_i64;
use crate::store::{AuditAction, ConditionalMenu, Store};

/// WeChat's errcode for a menuid it does not know (the menu is already gone there).
const NO_SUCH_MENUID: i64 = 65301;

/// Checks `menu`, adds it at WeChat and stores it under the menuid WeChat gave.
///
/// Audited: `conditional_added` (`menuid M`).
///
/// # Errors
///
/// [`ManageError::Invalid`] with every problem, [`ManageError::NoSecret`],
/// [`ManageError::NoDefaultMenu`] when the account has no current default menu — in these
/// three WeChat is not called —, [`ManageError::WeChat`], [`ManageError::Store`] (WeChat
/// added the menu but it could not be stored; the log names its menuid).
pub async fn add_conditional(
    store: &Store,
    account: &Account,
    menu: &ConditionalMenuRequest,
    by: &Actor<'_>,
) -> Result<ConditionalMenu, ManageError> {
    let valid = validate_conditional(menu).map_err(ManageError::Invalid)?;
    let api = api(account)?;
    if store.current_menu(&account.name).await?.is_none() {
        return Err(ManageError::NoDefaultMenu);
    }
    let (button, matchrule) = match (
        serde_json::to_value(&valid.button),
        serde_json::to_value(&valid.matchrule),
    ) {
        (Ok(button), Ok(matchrule)) => (button, matchrule),
        (Err(error), _) | (_, Err(error)) => {
            return Err(ManageError::Invalid(vec![Problem::new(
                "button",
                format!("the menu cannot be written as JSON: {error}"),
            )]));
        }
    };
    let body = serde_json::json!({ "button": button, "matchrule": matchrule });
    let menuid = api.add_conditional_menu(&body).await?;
    let stored = ConditionalMenu {
        menuid,
        button,
        matchrule,
        created_at: unix_secs_i64(),
        created_by: by.name.to_owned(),
    };
    if let Err(error) = store.add_conditional_menu(&account.name, &stored).await {
        tracing::error!(
            account = %account.name,
            menuid = %stored.menuid,
            %error,
            "WeChat added a conditional menu that could not be stored"
        );
        return Err(error.into());
    }
    tracing::info!(account = %account.name, menuid = %stored.menuid, by = by.name, "conditional menu added");
    audit(
        store,
        account,
        by,
        AuditAction::ConditionalAdded,
        &format!("menuid {}", stored.menuid),
    )
    .await;
    Ok(stored)
}

/// The account's conditional menus, oldest first.
///
/// # Errors
///
/// [`ManageError::Store`].
pub async fn conditional_menus(
    store: &Store,
    account: &Account,
) -> Result<Vec<ConditionalMenu>, ManageError> {
    Ok(store.conditional_menus(&account.name).await?)
}

/// Deletes the conditional menu `menuid` at WeChat and from the store. A menu WeChat no longer
/// knows (errcode 65301) is removed from the store all the same.
///
/// Audited: `conditional_removed` (`menuid M`).
///
/// # Errors
///
/// [`ManageError::NotFound`] for a menuid the account does not have (WeChat not called),
/// [`ManageError::NoSecret`], [`ManageError::WeChat`], [`ManageError::Store`].
pub async fn delete_conditional(
    store: &Store,
    account: &Account,
    menuid: &str,
    by: &Actor<'_>,
) -> Result<(), ManageError> {
    let known = store
        .conditional_menus(&account.name)
        .await?
        .iter()
        .any(|menu| menu.menuid == menuid);
    if !known {
        return Err(ManageError::NotFound(format!(
            "no conditional menu {menuid}"
        )));
    }
    match api(account)?.delete_conditional_menu(menuid).await {
        Ok(()) => {}
        Err(error) if error.errcode() == Some(NO_SUCH_MENUID) => {
            tracing::warn!(account = %account.name, menuid, "WeChat no longer has this conditional menu");
        }
        Err(error) => return Err(error.into()),
    }
    store.delete_conditional_menu(&account.name, menuid).await?;
    tracing::info!(account = %account.name, menuid, by = by.name, "conditional menu removed");
    audit(
        store,
        account,
        by,
        AuditAction::ConditionalRemoved,
        &format!("menuid {menuid}"),
    )
    .await;
    Ok(())
}

/// Which menu the user `user_id` (openid or WeChat id) would see: WeChat's answer,
/// `{"button": [...]}`. Changes nothing, so nothing is audited.
///
/// # Errors
///
/// [`ManageError::Invalid`] for an empty or blank `user_id` (WeChat not called),
/// [`ManageError::NoSecret`], [`ManageError::WeChat`] (e.g. errcode 46002 for an unknown
/// user).
pub async fn try_match(account: &Account, user_id: &str) -> Result<Value, ManageError> {
    let user_id = validate_try_match(Some(user_id)).map_err(ManageError::Invalid)?;
    Ok(api(account)?.try_match_menu(user_id).await?)
}
