//! `/admin/accounts/{name}/menu/conditional` and `.../menu/trymatch`: conditional
//! (personalized) menus, shown to the users a match rule picks (by tag or phone platform), and
//! which menu a given user sees (the rules, the store and the audit log are in
//! [`crate::manage`]).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::{AdminAccount, AdminError, ApiCaller, body};
use crate::manage::{
    self,
    validate::{parse_conditional, parse_try_match},
};
use crate::state::State;

/// `POST .../menu/conditional`: checks the menu, adds it at WeChat and stores it; 201 with the
/// stored menu and its `menuid`.
pub async fn add(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let menu = parse_conditional(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let added = manage::add_conditional(&state.store, &account, &menu, &caller.actor()).await?;
    Ok(HttpResponse::Created().json(added))
}

/// `GET .../menu/conditional`: the account's conditional menus, oldest first.
pub async fn list(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let menus = manage::conditional_menus(&state.store, &account).await?;
    Ok(HttpResponse::Ok().json(json!({ "menus": menus })))
}

/// `DELETE .../menu/conditional/{menuid}`: removes it at WeChat and from the store.
pub async fn delete(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
    req: HttpRequest,
) -> Result<HttpResponse, AdminError> {
    let menuid = req.match_info().get("menuid").unwrap_or_default();
    manage::delete_conditional(&state.store, &account, menuid, &caller.actor()).await?;
    Ok(HttpResponse::Ok().json(json!({ "deleted": true, "menuid": menuid })))
}

/// `POST .../menu/trymatch` `{"user_id": "..."}`: the menu that user would see, as WeChat
/// answers it.
pub async fn try_match(
    account: AdminAccount,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let request = parse_try_match(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let answer =
        manage::try_match(&account, request.user_id.as_deref().unwrap_or_default()).await?;
    Ok(HttpResponse::Ok().json(answer))
}
