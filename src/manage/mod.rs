//! What an admin does to an account, whichever front end asks: the JSON API (bearer token) and
//! the browser console both call these functions, so the rules, the calls to WeChat, the store
//! and the audit log are the same for both.
//!
//! Each change follows one order: check the request against WeChat's rules ([`validate`];
//! every problem at once, nothing changed), check that the account can call WeChat, store what
//! must not be lost, call WeChat, store the outcome, then record who did it in the audit log.
//! WeChat is never called for a request that breaks a rule. An audit entry that cannot be
//! written is logged and does not fail a change WeChat already made.
//!
//! - **Menus** ([`save_and_publish`], [`republish`], [`delete_menu`]): every menu saved is a
//!   new numbered version, stored before WeChat is asked, so a refused menu is kept
//!   (unpublished) and nothing an admin submitted is ever lost.
//! - **Conditional menus** ([`add_conditional`], [`conditional_menus`],
//!   [`delete_conditional`], [`try_match`]): only beside a default menu, matched by user tag or
//!   phone platform, stored by the menuid WeChat gave them.
//! - **QR codes** ([`create_qrcode`], [`qrcodes()`], [`permanent_qrcodes`]).

mod conditional;
mod menus;
mod qrcodes;
pub mod validate;

use crate::account::Account;
use crate::api::{ApiError, WeChatApi};
use crate::clock::unix_secs_i64;
use crate::store::{AuditAction, NewAuditEntry, Store, StoreError};

pub use crate::store::{ConditionalMenu, MenuVersion, QrCode};
pub use conditional::{add_conditional, conditional_menus, delete_conditional, try_match};
pub use menus::{current_menu, delete_menu, menu_versions, republish, save_and_publish};
pub use qrcodes::{QrRequest, create_qrcode, permanent_qrcodes, qrcodes};
pub use validate::{ConditionalMenuRequest, Menu, Problem};

/// The actor name of changes made through the bearer-token JSON API.
pub const API_ACTOR: &str = "api";

/// Who acts: an admin's name (console) or [`API_ACTOR`] (JSON API), and the client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The admin's name, or [`API_ACTOR`].
    pub name: &'a str,
    /// The client address (behind trusted proxies, the forwarded one).
    pub ip: &'a str,
}

/// Why an admin action failed. `Display` gives the English message; each front end maps the
/// variants to its own statuses and pages.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// The request breaks WeChat's rules: every problem, nothing changed (422).
    #[error("{} problem(s) with the request", .0.len())]
    Invalid(Vec<Problem>),
    /// No such menu version, conditional menu, or no menu published (404).
    #[error("{0}")]
    NotFound(String),
    /// The account has no AppSecret, so it cannot call WeChat (422).
    #[error("account `{0}` has no `secret` in the config; API calls need the AppSecret")]
    NoSecret(String),
    /// A conditional menu was submitted before the account has a default menu (422).
    #[error(
        "the account has no default menu; publish one first: WeChat adds conditional menus only \
         beside a default menu"
    )]
    NoDefaultMenu,
    /// WeChat refused or did not answer (502, or 504 on [`ApiError::Timeout`]). `version`
    /// names the menu version stored before the call, if any.
    #[error("{error}")]
    WeChat {
        /// What WeChat said.
        error: ApiError,
        /// The menu version stored before the call, if any.
        version: Option<i64>,
    },
    /// The store failed (500).
    #[error("store: {0}")]
    Store(StoreError),
}

impl From<StoreError> for ManageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ManageError::NotFound("not found".into()),
            other => ManageError::Store(other),
        }
    }
}

impl From<ApiError> for ManageError {
    fn from(error: ApiError) -> Self {
        ManageError::WeChat {
            error,
            version: None,
        }
    }
}

/// The account's API client, or [`ManageError::NoSecret`].
fn api(account: &Account) -> Result<&WeChatApi, ManageError> {
    account
        .api
        .as_deref()
        .ok_or_else(|| ManageError::NoSecret(account.name.to_string()))
}

/// Records an audit entry on `account`; a failure is logged, never returned.
async fn audit(
    store: &Store,
    account: &Account,
    by: &Actor<'_>,
    action: AuditAction,
    detail: &str,
) {
    let entry = NewAuditEntry {
        at: unix_secs_i64(),
        actor: by.name,
        ip: by.ip,
        account: Some(&account.name),
        action,
        detail,
    };
    if let Err(error) = store.record_audit(&entry).await {
        tracing::error!(
            account = %account.name,
            action = action.as_str(),
            detail,
            %error,
            "audit entry not recorded"
        );
    }
}

#[cfg(test)]
#[path = "manage_test.rs"]
mod tests;
