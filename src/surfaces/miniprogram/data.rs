//! What the gateway does with a session's `session_key` for the mini program: decrypt
//! `encryptedData` (`/decrypt`), check a `rawData` signature (`/verify`), and fetch the phone
//! number of a getPhoneNumber code (`/phone`, which needs the account's access token instead).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::MpSession;
use super::{json_body, lookup};
use crate::clock::unix_secs_i64;
use crate::crypto::miniprogram::{UserDataError, decrypt_user_data, raw_data_signature_matches};
use crate::http::json_error::JsonError;
use crate::state::State;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecryptBody {
    encrypted_data: String,
    iv: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    raw_data: String,
    signature: String,
}

/// `POST /phone`: the user's phone number for a getPhoneNumber code, once WeChat's watermark
/// names this mini program.
pub async fn phone(
    req: HttpRequest,
    session: MpSession,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body: CodeBody = json_body(&req, payload).await?;
    if body.code.trim().is_empty() {
        return Err(JsonError::bad_request("code is empty"));
    }
    let account = &session.account;
    let api = account
        .api
        .as_ref()
        .ok_or_else(|| JsonError::internal("mini program without a secret"))?;
    let phone = api
        .user_phone_number(body.code.trim())
        .await
        .map_err(|e| JsonError::wechat(&e))?;
    if phone.watermark_appid != account.appid {
        tracing::warn!(account = %account.name, "phone number answer with another appid's watermark");
        return Err(JsonError::new(
            StatusCode::BAD_GATEWAY,
            "WeChat's answer carries another mini program's watermark",
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "phone_number": phone.phone_number,
            "pure_phone_number": phone.pure_phone_number,
            "country_code": phone.country_code,
        })))
}

/// `POST /decrypt`: `encryptedData` decrypted with the session's key, once its watermark names
/// this mini program and is recent enough.
pub async fn decrypt(
    req: HttpRequest,
    state: web::Data<State>,
    session: MpSession,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body: DecryptBody = json_body(&req, payload).await?;
    let account = &session.account;
    let (_, mini) = lookup(&state, &account.name)?;
    if session.session.key_changed {
        return Err(JsonError::new(StatusCode::CONFLICT, "session_key_changed"));
    }
    let data = decrypt_user_data(&session.session.session_key, &body.encrypted_data, &body.iv)
        .map_err(|e| match e {
            UserDataError::Padding | UserDataError::NotJson => JsonError::bad_request(
                "encrypted_data does not decrypt with this session's key (made for another \
                 session, or damaged)",
            ),
            other => JsonError::bad_request(other.to_string()),
        })?;
    let watermark = data.get("watermark");
    let appid = watermark
        .and_then(|w| w.get("appid"))
        .and_then(Value::as_str);
    if appid != Some(account.appid.as_str()) {
        return Err(JsonError::forbidden(
            "the data's watermark names another mini program",
        ));
    }
    let max_age = mini.max_watermark_age_secs;
    if max_age > 0 {
        let stamped = watermark
            .and_then(|w| w.get("timestamp"))
            .and_then(Value::as_i64);
        let fresh = stamped.is_some_and(|t| {
            let age = unix_secs_i64().saturating_sub(t);
            (-300..=i64::try_from(max_age).unwrap_or(i64::MAX)).contains(&age)
        });
        if !fresh {
            return Err(JsonError::forbidden(format!(
                "the data's watermark is older than {max_age} s ([sessions] max_watermark_age_secs)"
            )));
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(data))
}

/// `POST /verify`: 204 when `signature` is `sha1(raw_data + session_key)`, 403 otherwise.
pub async fn verify(
    req: HttpRequest,
    session: MpSession,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body: VerifyBody = json_body(&req, payload).await?;
    if raw_data_signature_matches(
        &body.raw_data,
        &session.session.session_key,
        &body.signature,
    ) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(JsonError::forbidden(
            "the signature does not match raw_data",
        ))
    }
}
