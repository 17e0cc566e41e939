//! The audit log page: who did what, when, on which account and from where, newest first, 50
//! entries a page (`?before=ID` pages on to older ones).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::ConsoleError;
use super::session::{ConsoleSession, state};
use super::{Page, render};
use crate::store::{AuditAction, AuditEntry};

/// Entries per page.
pub const PAGE_SIZE: u32 = 50;

/// The page's query.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Show entries older than this id (the last one of the previous page).
    pub before: Option<i64>,
}

/// The audit page.
#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditTemplate {
    page: Page,
    entries: Vec<AuditEntry>,
    /// The `before` of the next page, when there may be one.
    older: Option<i64>,
}

impl AuditTemplate {
    /// When, as UTC text (`2026-12-07 11:24:06`).
    fn at(&self, entry: &AuditEntry) -> String {
        utc(entry.at)
    }

    /// The action's label in the page's language (the stored name for one this version does
    /// not know).
    fn action<'e>(&self, entry: &'e AuditEntry) -> &'e str {
        match AuditAction::parse(&entry.action) {
            Some(action) => self.page.t.t(action_key(action)),
            None => &entry.action,
        }
    }
}

/// The catalogue key of an action's label.
fn action_key(action: AuditAction) -> &'static str {
    match action {
        AuditAction::MenuSaved => "audit.action.menu_saved",
        AuditAction::MenuPublished => "audit.action.menu_published",
        AuditAction::MenuRolledBack => "audit.action.menu_rolled_back",
        AuditAction::MenuDeleted => "audit.action.menu_deleted",
        AuditAction::ConditionalAdded => "audit.action.conditional_added",
        AuditAction::ConditionalRemoved => "audit.action.conditional_removed",
        AuditAction::QrCreated => "audit.action.qr_created",
        AuditAction::SignIn => "audit.action.sign_in",
        AuditAction::SignInFailed => "audit.action.sign_in_failed",
        AuditAction::SignOut => "audit.action.sign_out",
    }
}

/// `GET /admin/audit?before=ID`: one page of the log.
pub async fn page(
    req: HttpRequest,
    session: ConsoleSession,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let store = &state(&req)?.store;
    let entries = store.audit_entries(query.before, PAGE_SIZE).await?;
    let older = (entries.len() == PAGE_SIZE as usize)
        .then(|| entries.last().map(|entry| entry.id))
        .flatten();
    render(&AuditTemplate {
        page: Page::new(&req, &session, "audit"),
        entries,
        older,
    })
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
#[path = "audit_test.rs"]
mod tests;
