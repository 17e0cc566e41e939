//! Parametric QR codes: created at WeChat, stored with how often each was scanned or led to a
//! follow.

use super::validate::{MAX_PERMANENT_QRCODES, Problem, QrCodeSpec, Scene, validate_qrcode};
use super::{Actor, ManageError, api, audit};
use crate::account::Account;
use crate::api::{QrCodeRequest, QrScene};
use crate::clock::unix_secs_i64;
use crate::store::{AuditAction, NewQrCode, QrCode, Store};

/// A QR code request as an admin submits it: scene, kind, life.
pub type QrRequest = QrCodeSpec;

/// Checks `request`, creates the code at WeChat and stores it.
///
/// Audited: `qr_created` (`scene S, temporary` or `scene S, permanent`).
///
/// # Errors
///
/// [`ManageError::Invalid`] for a request out of WeChat's limits or a permanent code over the
/// account's quota of [`MAX_PERMANENT_QRCODES`] (WeChat not called), [`ManageError::NoSecret`],
/// [`ManageError::WeChat`], [`ManageError::Store`].
pub async fn create_qrcode(
    store: &Store,
    account: &Account,
    request: &QrRequest,
    by: &Actor<'_>,
) -> Result<QrCode, ManageError> {
    let valid = validate_qrcode(request).map_err(ManageError::Invalid)?;
    let api = api(account)?;
    if valid.permanent
        && store.count_permanent_qrcodes(&account.name).await? >= MAX_PERMANENT_QRCODES
    {
        return Err(ManageError::Invalid(vec![Problem::new(
            "permanent",
            format!(
                "the account already has {MAX_PERMANENT_QRCODES} permanent codes, WeChat's limit; make a temporary one"
            ),
        )]));
    }
    let (scene, scene_text, scene_is_int) = match &valid.scene {
        Scene::Id(id) => (QrScene::Id(*id), id.to_string(), true),
        Scene::Str(text) => (QrScene::Str(text.clone()), text.clone(), false),
    };
    let ticket = api
        .create_qrcode(&QrCodeRequest {
            scene,
            permanent: valid.permanent,
            expire_seconds: valid.expire_seconds,
        })
        .await?;
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
        scene: scene_text,
        scene_is_int,
        permanent: valid.permanent,
        ticket: ticket.ticket,
        url: ticket.url,
        expires_at,
    };
    let stored = store.add_qrcode(&account.name, &new, now).await?;
    tracing::info!(account = %account.name, id = stored.id, permanent = stored.permanent, by = by.name, "QR code created");
    let kind = if stored.permanent {
        "permanent"
    } else {
        "temporary"
    };
    audit(
        store,
        account,
        by,
        AuditAction::QrCreated,
        &format!("scene {}, {kind}", stored.scene),
    )
    .await;
    Ok(stored)
}

/// Every code of the account, with its scan and follow counts, in creation order.
///
/// # Errors
///
/// [`ManageError::Store`].
pub async fn qrcodes(store: &Store, account: &Account) -> Result<Vec<QrCode>, ManageError> {
    Ok(store.qrcodes(&account.name).await?)
}

/// How many permanent codes the account has, out of [`MAX_PERMANENT_QRCODES`].
///
/// # Errors
///
/// [`ManageError::Store`].
pub async fn permanent_qrcodes(store: &Store, account: &Account) -> Result<i64, ManageError> {
    Ok(store.count_permanent_qrcodes(&account.name).await?)
}
