//! The audit log: every change an admin made (through the console or the JSON API) and every
//! sign-in, with who, when, from where and on which account. Failed sign-ins are also what the
//! console's sign-in throttle counts, so every instance on the database throttles alike.

use serde::Serialize;

use super::backend::with_pool;
use super::{Store, StoreError};

/// What an audit entry records; stored as [`AuditAction::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A menu version was stored (detail: `version N`).
    MenuSaved,
    /// A menu version was published to WeChat (detail: `version N`).
    MenuPublished,
    /// An older version was published again (detail: `version N`).
    MenuRolledBack,
    /// The menu was deleted at WeChat.
    MenuDeleted,
    /// A conditional menu was added (detail: `menuid M`).
    ConditionalAdded,
    /// A conditional menu was removed (detail: `menuid M`).
    ConditionalRemoved,
    /// A QR code was created (detail: `scene S, temporary|permanent`).
    QrCreated,
    /// An admin signed in to the console.
    SignIn,
    /// A sign-in failed (actor: the name typed).
    SignInFailed,
    /// An admin signed out.
    SignOut,
}

impl AuditAction {
    /// Every action, in display order.
    pub const ALL: [AuditAction; 10] = [
        AuditAction::MenuSaved,
        AuditAction::MenuPublished,
        AuditAction::MenuRolledBack,
        AuditAction::MenuDeleted,
        AuditAction::ConditionalAdded,
        AuditAction::ConditionalRemoved,
        AuditAction::QrCreated,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
    ];

    /// The stored name (`menu_saved`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::MenuSaved => "menu_saved",
            AuditAction::MenuPublished => "menu_published",
            AuditAction::MenuRolledBack => "menu_rolled_back",
            AuditAction::MenuDeleted => "menu_deleted",
            AuditAction::ConditionalAdded => "conditional_added",
            AuditAction::ConditionalRemoved => "conditional_removed",
            AuditAction::QrCreated => "qr_created",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
        }
    }

    /// The action stored as `name`, if it is one.
    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// An entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry<'a> {
    /// When (Unix seconds).
    pub at: i64,
    /// The admin's name, `api` for the bearer-token JSON API, or the name typed at a failed
    /// sign-in.
    pub actor: &'a str,
    /// The client address (behind trusted proxies, the forwarded one).
    pub ip: &'a str,
    /// The account acted on; `None` for sign-ins.
    pub account: Option<&'a str>,
    /// What happened.
    pub action: AuditAction,
    /// What exactly: `version 3`, `menuid 208379533`, `scene 42, permanent`. Never a secret.
    pub detail: &'a str,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Increasing with time of recording.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// From which address.
    pub ip: String,
    /// On which account, if any.
    pub account: Option<String>,
    /// The action's stored name ([`AuditAction::as_str`]); kept as text so entries written by
    /// a newer gateway still list.
    pub action: String,
    /// What exactly.
    pub detail: String,
}

/// A row of the audit_log table, in [`SELECT_AUDIT`]'s order.
type AuditRow = (i64, i64, String, String, Option<String>, String, String);

const SELECT_AUDIT: &str = "SELECT id, at, actor, ip, account, action, detail FROM audit_log";

impl Store {
    /// Records an entry (committed before returning).
    pub async fn record_audit(&self, entry: &NewAuditEntry<'_>) -> Result<(), StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor, ip, account, action, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(entry.at)
                .bind(entry.actor)
                .bind(entry.ip)
                .bind(entry.account)
                .bind(entry.action.as_str())
                .bind(entry.detail)
                .execute(pool)
                .await?;
            });
            Ok(())
        })
        .await
    }

    /// Up to `limit` entries with an id below `before` (all when `None`), newest first. Page on
    /// with the last entry's id as the next `before`.
    pub async fn audit_entries(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.io(async move {
            let before = before.unwrap_or(i64::MAX);
            let rows: Vec<AuditRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_AUDIT} WHERE id < $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
            });
            Ok(rows
                .into_iter()
                .map(|(id, at, actor, ip, account, action, detail)| AuditEntry {
                    id,
                    at,
                    actor,
                    ip,
                    account,
                    action,
                    detail,
                })
                .collect())
        })
        .await
    }

    /// The times of the failed sign-ins at or after `since`, typed as `actor` (when `by_actor`)
    /// or from `ip` (otherwise), oldest first, at most `limit` of them: what the sign-in
    /// throttle counts, and the oldest tells when the window frees a slot.
    pub async fn failed_sign_ins_since(
        &self,
        by: FailedSignInsBy<'_>,
        since: i64,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError> {
        self.io(async move {
            let (column, value) = match by {
                FailedSignInsBy::Actor(name) => ("actor", name),
                FailedSignInsBy::Ip(ip) => ("ip", ip),
            };
            let times: Vec<i64> = with_pool!(self, |pool| {
                sqlx::query_scalar(&format!(
                    "SELECT at FROM audit_log WHERE action = $1 AND {column} = $2 AND at >= $3 \
                     ORDER BY at LIMIT $4"
                ))
                .bind(AuditAction::SignInFailed.as_str())
                .bind(value)
                .bind(since)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
            });
            Ok(times)
        })
        .await
    }
}

/// Which failed sign-ins [`Store::failed_sign_ins_since`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedSignInsBy<'a> {
    /// Those typed with this name.
    Actor(&'a str),
    /// Those from this address.
    Ip(&'a str),
}

#[cfg(test)]
#[path = "audit_test.rs"]
mod tests;
