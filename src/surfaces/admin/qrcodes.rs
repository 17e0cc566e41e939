//! `/admin/accounts/{name}/qrcodes`: parametric QR codes and how often each was scanned or
//! led to a follow (created through [`crate::manage`]).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{AdminAccount, AdminError, ApiCaller, body};
use crate::api::qr_image_url;
use crate::manage::{self, QrCode, validate::parse_qrcode};
use crate::state::State;

/// `POST .../qrcodes`: creates a code at WeChat and stores it.
pub async fn create(
    state: web::Data<State>,
    account: AdminAccount,
    caller: ApiCaller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let spec = parse_qrcode(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let stored = manage::create_qrcode(&state.store, &account, &spec, &caller.actor()).await?;
    Ok(HttpResponse::Created().json(view(&stored)))
}

/// `GET .../qrcodes`: every code with its scan and subscribe counts.
pub async fn list(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let codes = manage::qrcodes(&state.store, &account).await?;
    let codes: Vec<Value> = codes.iter().map(view).collect();
    Ok(HttpResponse::Ok().json(json!({ "qrcodes": codes })))
}

/// A code as the admin API shows it: the scene as it was given (number or string).
fn view(code: &QrCode) -> Value {
    let scene = match (code.scene_is_int, code.scene.parse::<u64>()) {
        (true, Ok(id)) => json!(id),
        _ => json!(code.scene),
    };
    json!({
        "id": code.id,
        "scene": scene,
        "permanent": code.permanent,
        "ticket": code.ticket,
        "url": code.url,
        "image_url": qr_image_url(&code.ticket),
        "created_at": code.created_at,
        "expires_at": code.expires_at,
        "scans": code.scans,
        "subscribes": code.subscribes,
    })
}
