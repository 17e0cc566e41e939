//! `/admin/accounts/{name}/qrcodes`: parametric QR codes and how often each was scanned or
//! led to a follow.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::validate::{MAX_PERMANENT_QRCODES, Problem, Scene, parse_qrcode, validate_qrcode};
use super::{AdminAccount, AdminError, body};
use crate::api::{QrCodeRequest, QrScene, qr_image_url};
use crate::clock::unix_secs_i64;
use crate::state::State;
use crate::store::{NewQrCode, QrCode};

/// `POST .../qrcodes`: creates a code at WeChat and stores it.
pub async fn create(
    state: web::Data<State>,
    account: AdminAccount,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let body = body(&req, payload).await?;
    let spec = parse_qrcode(&body).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let valid = validate_qrcode(&spec).map_err(AdminError::Invalid)?;
    let api = account.api()?;
    if valid.permanent
        && state.store.count_permanent_qrcodes(&account.name).await? >= MAX_PERMANENT_QRCODES
    {
        return Err(AdminError::Invalid(vec![Problem {
            path: "permanent".into(),
            message: format!(
                "the account already has {MAX_PERMANENT_QRCODES} permanent codes, WeChat's limit; make a temporary one"
            ),
        }]));
    }
    let (scene, scene_is_int) = match &valid.scene {
        Scene::Id(id) => (QrScene::Id(*id), true),
        Scene::Str(text) => (QrScene::Str(text.clone()), false),
    };
    let request = QrCodeRequest {
        scene,
        permanent: valid.permanent,
        expire_seconds: valid.expire_seconds,
    };
    let ticket = api.create_qrcode(&request).await?;
    let now = unix_secs_i64();
    let expires_at = match (
        valid.permanent,
        ticket
            .expire_seconds
            .or(valid.expire_seconds.map(u64::from)),
    ) {
        (false, Some(seconds)) => {
            Some(now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)))
        }
        _ => None,
    };
    let new = NewQrCode {
        scene: match &valid.scene {
            Scene::Id(id) => id.to_string(),
            Scene::Str(text) => text.clone(),
        },
        scene_is_int,
        permanent: valid.permanent,
        ticket: ticket.ticket,
        url: ticket.url,
        expires_at,
    };
    let stored = state.store.add_qrcode(&account.name, &new, now).await?;
    tracing::info!(account = %account.name, id = stored.id, permanent = stored.permanent, "QR code created");
    Ok(HttpResponse::Created().json(view(&stored)))
}

/// `GET .../qrcodes`: every code with its scan and subscribe counts.
pub async fn list(
    state: web::Data<State>,
    account: AdminAccount,
) -> Result<HttpResponse, AdminError> {
    let codes = state.store.qrcodes(&account.name).await?;
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
