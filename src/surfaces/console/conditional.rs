//! `/admin/menus/{account}/conditional`: conditional (personalized) menus — the list, adding
//! one (the page's script posts `{"button", "matchrule"}` as JSON), deleting one, and
//! try-match: which menu WeChat would show a given user. Every change goes through
//! [`crate::manage`].

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::error::ConsoleError;
use super::i18n::T;
use super::menus::{
    BUTTON_FIELDS, Notice, account, button_types, failed, invalid, refused, see_other,
    wechat_errcode, when,
};
use super::session::{ConsoleSession, client_ip, form, json, state};
use super::{Page, render};
use crate::manage::validate::{TryMatchRequest, validate_try_match};
use crate::manage::{self, ConditionalMenu, ConditionalMenuRequest};

/// Registers the conditional menus' routes (inside the console's `/admin` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/menus/{account}/conditional", web::get().to(list))
        .route("/menus/{account}/conditional", web::post().to(add))
        .route(
            "/menus/{account}/conditional/{menuid}/delete",
            web::post().to(delete),
        )
        .route("/menus/{account}/trymatch", web::post().to(try_match));
}

/// One row of the list.
struct MenuRow {
    menuid: String,
    matchrule: String,
    names: String,
    created_at: String,
    created_at_iso: String,
    created_by: String,
}

impl MenuRow {
    fn new(menu: &ConditionalMenu) -> MenuRow {
        let (created_at, created_at_iso) = when(menu.created_at);
        MenuRow {
            menuid: menu.menuid.clone(),
            matchrule: menu.matchrule.to_string(),
            names: top_names(&menu.button),
            created_at,
            created_at_iso,
            created_by: menu.created_by.clone(),
        }
    }
}

/// The names of a menu's top-level buttons, `A · B · C`.
fn top_names(button: &Value) -> String {
    button
        .as_array()
        .map(|buttons| {
            buttons
                .iter()
                .filter_map(|b| b.get("name").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}

/// The conditional menus page.
#[derive(Template)]
#[template(path = "console/conditional.html")]
struct ConditionalPage {
    page: Page,
    account: String,
    id_prefix: &'static str,
    notice: Option<Notice>,
    has_default: bool,
    menus: Vec<MenuRow>,
    button_types: Vec<(&'static str, String)>,
    button_fields: &'static [(&'static str, &'static str)],
}

/// What a redirect back to the page says happened.
#[derive(Deserialize)]
struct NoticeQuery {
    deleted: Option<String>,
    delete_failed: Option<i64>,
}

impl NoticeQuery {
    fn notice(&self, t: T) -> Option<Notice> {
        if let Some(errcode) = self.delete_failed {
            return Some(Notice::delete_failed(t, errcode));
        }
        self.deleted
            .as_ref()
            .map(|menuid| Notice::ok(t.t("cond.notice.deleted").replace("{menuid}", menuid)))
    }
}

/// `GET /admin/menus/{account}/conditional`: the list, the editor for a new one, try-match.
async fn list(req: HttpRequest, session: ConsoleSession) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let t = T { lang: session.lang };
    let menus = manage::conditional_menus(&state.store, account)
        .await
        .map_err(failed)?;
    let has_default = state.store.current_menu(&account.name).await?.is_some();
    let notice = web::Query::<NoticeQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.notice(t));
    let page = ConditionalPage {
        page: Page::new(&req, &session, "menus"),
        account: account.name.to_string(),
        id_prefix: "cond",
        notice,
        has_default,
        menus: menus.iter().map(MenuRow::new).collect(),
        button_types: button_types(),
        button_fields: BUTTON_FIELDS,
    };
    render(&page)
}

/// `POST /admin/menus/{account}/conditional` (JSON `{"button", "matchrule"}`): adds it at
/// WeChat; answers 201 with the stored menu (its `menuid`), or 422 with the problems.
async fn add(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let menu: ConditionalMenuRequest = json(&req, payload, &session).await?;
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    match manage::add_conditional(&state.store, account, &menu, &by).await {
        Ok(stored) => Ok(HttpResponse::Created().json(stored)),
        Err(error) => refused(error, T { lang: session.lang }),
    }
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
struct CsrfOnly {}

/// `POST /admin/menus/{account}/conditional/{menuid}/delete` (form): deletes it at WeChat and
/// here, then back to the page.
async fn delete(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let menuid = req
        .match_info()
        .get("menuid")
        .unwrap_or_default()
        .to_owned();
    let CsrfOnly {} = form(&req, payload, &session).await?;
    let ip = client_ip(&req);
    let by = session.actor(&ip);
    let query = match manage::delete_conditional(&state.store, account, &menuid, &by).await {
        Ok(()) => form_urlencoded::Serializer::new(String::new())
            .append_pair("deleted", &menuid)
            .finish(),
        Err(error) => format!("delete_failed={}", wechat_errcode(error)?),
    };
    Ok(see_other(format!(
        "/admin/menus/{}/conditional?{query}",
        account.name
    )))
}

/// `POST /admin/menus/{account}/trymatch` (JSON `{"user_id"}`): WeChat's answer for that
/// user, or 422 without a `user_id`.
async fn try_match(
    req: HttpRequest,
    session: ConsoleSession,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let state = state(&req)?;
    let account = account(state, &req)?;
    let t = T { lang: session.lang };
    let request: TryMatchRequest = json(&req, payload, &session).await?;
    let user_id = match validate_try_match(request.user_id.as_deref()) {
        Ok(user_id) => user_id,
        Err(problems) => return Ok(invalid(&problems, t)),
    };
    match manage::try_match(account, user_id).await {
        Ok(answer) => Ok(HttpResponse::Ok().json(answer)),
        Err(error) => refused(error, t),
    }
}
