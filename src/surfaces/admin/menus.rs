//! `/admin/accounts/{name}/menu`: the custom menu, stored as numbered versions and published to
//! WeChat. A version is stored before WeChat is asked, so a refused menu is kept (unpublished)
//! and nothing an admin submitted is ever lost.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::validate::{parse_menu, validate_menu};
use super::{AdminAccount, AdminError, body};
use crate::clock::unix_secs_i64;
use crate::state::State;
use crate::store::MenuVersion;

/// `GET .../menu`: the current (last published) menu with its version.
pub async fn current(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let current = state
        .store
        .current_menu(&account.name)
        .await?
        .ok_or_else(|| AdminError::NotFound("no menu is published".into()))?;
    Ok(HttpResponse::Ok().json(current))
}

/// `PUT .../menu`: validates, stores a new version and publishes it.
pub async fn put(
    state: web::Data<State>,
    account: AdminAccount,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let menu = parse_menu(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    validate_menu(&menu).map_err(AdminError::Invalid)?;
    account.api()?;
    let menu = serde_json::to_value(&menu)
        .map_err(|e| AdminError::BadRequest(format!("menu does not serialize: {e}")))?;
    let stored = state
        .store
        .add_menu_version(&account.name, &menu, unix_secs_i64())
        .await?;
    tracing::info!(account = %account.name, version = stored.version, "menu version stored");
    let published = publish(&state, &account, stored).await?;
    Ok(HttpResponse::Ok().json(published))
}

/// `DELETE .../menu`: removes the menu at WeChat; the versions are kept.
pub async fn delete(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    account.api()?.delete_menu().await?;
    state
        .store
        .clear_current_menu(&account.name, unix_secs_i64())
        .await?;
    tracing::info!(account = %account.name, "menu deleted");
    Ok(HttpResponse::Ok().json(json!({ "deleted": true })))
}

/// `GET .../menu/versions`: every stored version, oldest first.
pub async fn versions(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let versions = state.store.menu_versions(&account.name).await?;
    Ok(HttpResponse::Ok().json(json!({ "versions": versions })))
}

/// `POST .../menu/versions/{v}/publish`: publishes a stored version again (roll back or
/// forward).
pub async fn publish_version(
    state: web::Data<State>,
    account: AdminAccount,
    req: HttpRequest,
) -> Result<HttpResponse, AdminError> {
    let version = req.match_info().get("version").unwrap_or_default();
    let version: i64 = version
        .parse()
        .map_err(|_| AdminError::NotFound(format!("no menu version {version}")))?;
    account.api()?;
    let stored = state
        .store
        .menu_version(&account.name, version)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no menu version {version}")))?;
    let published = publish(&state, &account, stored).await?;
    Ok(HttpResponse::Ok().json(published))
}

/// Sends a stored version to WeChat and records the result either way.
async fn publish(
    state: &State,
    account: &AdminAccount,
    stored: MenuVersion,
) -> Result<MenuVersion, AdminError> {
    let version = stored.version;
    if let Err(error) = account.api()?.create_menu(&stored.menu).await {
        state
            .store
            .record_publish_failure(&account.name, version, &error.to_string())
            .await?;
        return Err(AdminError::WeChat {
            error,
            version: Some(version),
        });
    }
    state
        .store
        .publish_menu(&account.name, version, unix_secs_i64())
        .await?;
    tracing::info!(account = %account.name, version, "menu published");
    state
        .store
        .menu_version(&account.name, version)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no menu version {version}")))
}
