//! `/admin/accounts/{name}/menu`: the custom menu, stored as numbered versions and published to
//! WeChat (the rules, the store and the audit log are in [`crate::manage`]).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::{AdminAccount, AdminError, ApiCaller, body};
use crate::manage::{self, validate::parse_menu};
use crate::state::State;

/// `GET .../menu`: the current (last published) menu with its version.
pub async fn current(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let current = manage::current_menu(&state.store, &account).await?;
    Ok(HttpResponse::Ok().json(current))
}

/// `PUT .../menu`: validates, stores a new version and publishes it.
pub async fn put(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let menu = parse_menu(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let published =
        manage::save_and_publish(&state.store, &account, &menu, &caller.actor()).await?;
    Ok(HttpResponse::Ok().json(published))
}

/// `DELETE .../menu`: removes the menu (and the conditional menus) at WeChat; the versions are
/// kept.
pub async fn delete(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
) -> Result<HttpResponse, AdminError> {
    manage::delete_menu(&state.store, &account, &caller.actor()).await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": true })))
}

/// `GET .../menu/versions`: every stored version, oldest first.
pub async fn versions(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let versions = manage::menu_versions(&state.store, &account).await?;
    Ok(HttpResponse::Ok().json(json!({ "versions": versions })))
}

/// `POST .../menu/versions/{v}/publish`: publishes a stored version again (roll back or
/// forward).
pub async fn publish_version(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
    req: HttpRequest,
) -> Result<HttpResponse, AdminError> {
    let version = req.match_info().get("version").unwrap_or_default();
    let version: i64 = version
        .parse()
        .map_err(|_| AdminError::NotFound(format!("no menu version {version}")))?;
    let published = manage::republish(&state.store, &account, version, &caller.actor()).await?;
    Ok(HttpResponse::Ok().json(published))
}
