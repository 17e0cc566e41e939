//! `/admin/menus/{account}`: the default menu's editor page, save-and-publish (the editor's
//! script posts the menu as JSON), roll back to a stored version, delete, and the side-by-side
//! diff of two versions. Every change goes through [`crate::manage`], which checks WeChat's
//! rules, stores the version, calls WeChat and writes the audit log.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::diff::{self, Row};
use super::error::ConsoleError;
use super::i18n::T;
use super::session::{ConsoleSession, client_ip, form, json, state};
use super::{Page, render};
use crate::account::Account;
use crate::api::ApiError;
use crate::manage::validate::BUTTON_TYPES;
use crate::manage::{self, ManageError, Menu, MenuVersion, Problem};
use crate::state::State;

/// The fields a button may need besides its name, with their labels, in the order the form
/// shows them.
pub(super) const BUTTON_FIELDS: &[(&str, &str)] = &[
    ("key", "menu.field.key"),
    ("url", "menu.field.url"),
    ("appid", "menu.field.appid"),
    ("pagepath", "menu.field.pagepath"),
    ("media_id", "menu.field.media_id"),
    ("article_id", "menu.field.article_id"),
];

/// Registers the menu editor's routes (inside the console's `/admin` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/menus/{account}", web::get().to(editor))
        .route("/menus/{account}", web::post().to(save))
        .route(
            "/menus/{account}/versions/{version}/publish",
            web::post().to(rollback),
        )
        .route("/menus/{account}/delete", web::post().to(delete))
        .route("/menus/{account}/diff", web::get().to(diff_page));
}

/// The configured account the path names, or 404.
pub(super) fn account<'s>(
    state: &'s State,
    req: &HttpRequest,
) -> Result<&'s Account, ConsoleError> {
    let name = req.match_info().get("account").unwrap_or_default();
    state
        .account(name)
        .map(|account| &**account)
        .ok_or(ConsoleError::NotFound)
}

/// `secs` since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC) and as an ISO 8601 instant.
pub(super) fn when(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}"),
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z"),
    )
}

/// `button[0].sub_button[2].key` -> `button.0.sub_button.2.key`: the console names fields
/// with dots, as the editor's `data-path` attributes do.
pub(super) fn dotted(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '[' => out.push('.'),
            ']' => {}
            c => out.push(c),
        }
    }
    out
}

/// The answer to a script's change that failed: 422 with every problem, each at its dotted
/// path (a conditional menu before any default menu: one problem at `button`), 422 for an
/// account without a secret, 502 (504 when WeChat did not answer) with WeChat's `errcode` and
/// `errmsg` and the menu version kept, if any. The rest goes through the console's error map.
pub(super) fn refused(error: ManageError, t: T) -> Result<HttpResponse, ConsoleError> {
    match error {
        ManageError::Invalid(problems) => Ok(invalid(&problems, t)),
        ManageError::NoDefaultMenu => Ok(invalid(
            &[Problem::new(
                "button",
                ManageError::NoDefaultMenu.to_string(),
            )],
            t,
        )),
        ManageError::NoSecret(_) => {
            tracing::info!(%error, "console change refused");
            Ok(HttpResponse::UnprocessableEntity().json(json!({ "error": error.to_string() })))
        }
        ManageError::WeChat { error, version } => {
            tracing::warn!(%error, ?version, "WeChat refused a console change");
            let mut body = json!({ "error": error.to_string() });
            if let Some(errcode) = error.errcode() {
                body["errcode"] = json!(errcode);
            }
            if let ApiError::WeChat { errmsg, .. } = &error {
                body["errmsg"] = json!(errmsg);
            }
            if let Some(version) = version {
                body["version"] = json!(version);
            }
            let mut response = if matches!(error, ApiError::Timeout) {
                HttpResponse::GatewayTimeout()
            } else {
                HttpResponse::BadGateway()
            };
            Ok(response.json(body))
        }
        other => Err(failed(other)),
    }
}

/// A failed change as a console error: 404 for what the account does not have, 500 for the
/// store, 400 with the reason for the rest (an account without a secret, WeChat's refusal
/// of a form that has no better place to say it).
pub(super) fn failed(error: ManageError) -> ConsoleError {
    match error {
        ManageError::NotFound(_) => ConsoleError::NotFound,
        ManageError::Store(error) => ConsoleError::Store(error),
        other => ConsoleError::BadRequest(other.to_string()),
    }
}

/// What a redirect back to a page says happened, shown once at its top.
pub(super) struct Notice {
    /// The text, in the admin's language.
    pub text: String,
    /// Whether it tells of a failure.
    pub error: bool,
}

impl Notice {
    /// A notice of success.
    pub(super) fn ok(text: String) -> Notice {
        Notice { text, error: false }
    }

    /// A notice of failure.
    pub(super) fn error(text: String) -> Notice {
        Notice { text, error: true }
    }

    /// The notice of WeChat's refusal to delete: its errcode, or that it did not answer (0).
    pub(super) fn delete_failed(t: T, errcode: i64) -> Notice {
        if errcode == 0 {
            Notice::error(t.t("menu.notice.no_answer").to_owned())
        } else {
            Notice::error(
                t.t("menu.notice.delete_failed")
                    .replace("{errcode}", &errcode.to_string()),
            )
        }
    }
}

/// WeChat's errcode of a failed call, 0 when it did not answer; other failures as console
/// errors.
pub(super) fn wechat_errcode(error: ManageError) -> Result<i64, ConsoleError> {
    match error {
        ManageError::WeChat { error, .. } => {
            tracing::warn!(%error, "WeChat refused a console change");
            Ok(error.errcode().unwrap_or(0))
        }
        other => Err(failed(other)),
    }
}

/// 422 `{"error": ..., "problems": [{"path", "message"}]}`.
pub(super) fn invalid(problems: &[Problem], t: T) -> HttpResponse {
    let list: Vec<Value> = problems
        .iter()
        .map(|p| json!({ "path": dotted(&p.path), "message": p.message }))
        .collect();
    let error = t
        .t("menu.status.invalid")
        .replace("{n}", &problems.len().to_string());
    HttpResponse::UnprocessableEntity().json(json!({ "error": error, "problems": list }))
}

/// A 303 back to a page of the console.
pub(super) fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// One row of the versions table.
struct VersionRow {
    version: i64,
    created_at: String,
    created_at_iso: String,
    saved_by: String,
    published_at: String,
    current: bool,
    publish_error: Option<String>,
}

impl VersionRow {
    fn new(v: &MenuVersion, t: T) -> VersionRow {
        let (created_at, created_at_iso) = when(v.created_at);
        VersionRow {
            version: v.version,
            created_at,
            created_at_iso,
            saved_by: saved_by(v, t),
            published_at: v.published_at.map(|at| when(at).0).unwrap_or_default(),
            current: v.current,
            publish_error: v.publish_error.clone(),
        }
    }
}

/// Who saved `v`, or a dash for versions saved before the gateway recorded it.
fn saved_by(v: &MenuVersion, t: T) -> String {
    v.saved_by
        .clone()
        .unwrap_or_else(|| t.t("menu.saved_by.unknown").to_owned())
}

/// The editor page.
#[derive(Template)]
#[template(path = "console/menu.html")]
struct EditorPage {
    page: Page,
    account: String,
    id_prefix: &'static str,
    notice: Option<Notice>,
    current: Option<i64>,
    menu_json: String,
    versions: Vec<VersionRow>,
    diff_a: i64,
    diff_b: i64,
    button_types: Vec<(&'static str, String)>,
    button_fields: &'static [(&'static str, &'static str)],
}

/// What a redirect back to the editor says happened.
#[derive(Deserialize)]
struct NoticeQuery {
    published: Option<i64>,
    deleted: Option<u8>,
    failed: Option<i64>,
    delete_failed: Option<i64>,
}

impl NoticeQuery {
    fn notice(&self, t: T) -> Option<Notice> {
        if let Some(version) = self.published {
            let text = t.t("menu.notice.published");
            return Some(Notice::ok(text.replace("{version}", &version.to_string())));
        }
        if let Some(version) = self.failed {
            let text = t.t("menu.notice.failed");
            return Some(Notice::error(
                text.replace("{version}", &version.to_string()),
            ));
        }
        if let Some(errcode) = self.delete_failed {
            return Some(Notice::delete_failed(t, errcode));
        }
        self.deleted
            .map(|_| Notice::ok(t.t("menu.notice.deleted").to_owned()))
    }
}

/// The types in the form's select, each with its label's key: the catalogue has one per type.
pub(super) fn button_types() -> Vec<(&'static str, String)> {
    BUTTON_TYPES
        .iter()
        .map(|kind| (*kind, format!("menu.type.{kind}")))
        .collect()
}

/// `GET /admin/menus/{account}`: the current menu in the editor, the versions, delete.
async fn editor(req: HttpRequest, session: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let t = T { lang: session.lang };
    let versions = manage::menu_versions(&state.store, account)
        .await
        .map_err(failed)?;
    let current = versions.iter().find(|v| v.current);
    // The editor starts from the menu WeChat shows; with none, from the last one saved.
    let start = current.or_else(|| versions.last());
    let menu = start.map_or_else(|| json!({ "button": [] }), |v| v.menu.clone());
    let notice = web::Query::<NoticeQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.notice(t));
    let newest = versions.last().map_or(0, |v| v.version);
    let before = versions.iter().rev().nth(1).map_or(newest, |v| v.version);
    let page = EditorPage {
        page: Page::new(&req, &session, "menus"),
        account: account.name.to_string(),
        id_prefix: "menu",
        notice,
        current: current.map(|v| v.version),
        menu_json: serde_json::to_string(&menu)
            .map_err(|e| ConsoleError::Internal(format!("menu does not serialize: {e}")))?,
        versions: versions
            .iter()
            .rev()
            .map(|v| VersionRow::new(v, t))
            .collect(),
        diff_a: before,
        diff_b: newest,
        button_types: button_types(),
        button_fields: BUTTON_FIELDS,
    };
    render(&page)
}

/// `POST /admin/menus/{account}` (JSON `{"button": [...]}`): saves a new version and
/// publishes it; answers the stored version, or 422 with the problems by path.
async fn save(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let menu: Menu = json(&req, payload, &session).await?;
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    match manage::save_and_publish(&state.store, account, &menu, &by).await {
        Ok(version) => Ok(HttpResponse::Ok().json(version)),
        Err(error) => refused(error, T { lang: session.lang }),
    }
}

/// The version number in the path, or 404.
fn version(req: &HttpRequest) -> Result<i64, ConsoleError> {
    req.match_info()
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or(ConsoleError::NotFound)
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
struct CsrfOnly {}

/// `POST /admin/menus/{account}/versions/{version}/publish` (form): publishes a stored
/// version again, then back to the editor.
async fn rollback(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let version = version(&req)?;
    let CsrfOnly {} = form(&req, payload, &session).await?;
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    let outcome = match manage::republish(&state.store, account, version, &by).await {
        Ok(published) => format!("published={}", published.version),
        // WeChat's answer is recorded on the version, which the page lists.
        Err(ManageError::WeChat { error, .. }) => {
            tracing::warn!(%error, version, "WeChat refused a menu version again");
            format!("failed={version}")
        }
        Err(other) => return Err(failed(other)),
    };
    Ok(see_other(format!(
        "/admin/menus/{}?{outcome}",
        account.name
    )))
}

/// `POST /admin/menus/{account}/delete` (form): deletes the menu at WeChat (its versions are
/// kept), then back to the editor.
async fn delete(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let CsrfOnly {} = form(&req, payload, &session).await?;
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    let outcome = match manage::delete_menu(&state.store, account, &by).await {
        Ok(()) => "deleted=1".to_owned(),
        Err(error) => format!("delete_failed={}", wechat_errcode(error)?),
    };
    Ok(see_other(format!(
        "/admin/menus/{}?{outcome}",
        account.name
    )))
}

/// The versions compared: `?a=V&b=W`.
#[derive(Deserialize)]
struct DiffQuery {
    a: String,
    b: String,
}

/// One side of the diff page.
struct Side {
    version: i64,
    saved_by: String,
    created_at: String,
}

/// The diff page.
#[derive(Template)]
#[template(path = "console/diff.html")]
struct DiffPage {
    page: Page,
    account: String,
    left: Side,
    right: Side,
    rows: Vec<Row>,
    changed: bool,
}

/// A menu as the diff shows it: pretty JSON, keys in a stable order.
pub(super) fn pretty(menu: &Value) -> String {
    serde_json::to_string_pretty(menu).unwrap_or_else(|_| menu.to_string())
}

/// `GET /admin/menus/{account}/diff?a=V&b=W`: versions V and W side by side.
async fn diff_page(
    req: HttpRequest,
    session: ConsoleSession,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let t = T { lang: session.lang };
    let query = web::Query::<DiffQuery>::from_query(req.query_string())
        .map_err(|_| ConsoleError::BadRequest("compare two versions: ?a=V&b=W".into()))?;
    let number = |text: &str| -> Result<i64, ConsoleError> {
        text.trim()
            .parse()
            .map_err(|_| ConsoleError::BadRequest(format!("`{text}` is not a version number")))
    };
    let (a, b) = (number(&query.a)?, number(&query.b)?);
    let fetch = |v: i64| {
        let store = &state.store;
        let name = account.name.to_string();
        async move {
            store
                .menu_version(&name, v)
                .await?
                .ok_or(ConsoleError::NotFound)
        }
    };
    let (left, right) = (fetch(a).await?, fetch(b).await?);
    let rows = diff::side_by_side(&pretty(&left.menu), &pretty(&right.menu));
    let side = |v: &MenuVersion| Side {
        version: v.version,
        saved_by: saved_by(v, t),
        created_at: when(v.created_at).0,
    };
    let page = DiffPage {
        page: Page::new(&req, &session, "menus"),
        account: account.name.to_string(),
        left: side(&left),
        right: side(&right),
        changed: diff::any_changed(&rows),
        rows,
    };
    render(&page)
}

#[cfg(test)]
#[path = "menus_test.rs"]
mod tests;
