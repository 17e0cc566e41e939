//! QR codes: the codes created per account, and the scans and subscribes counted per scene.

use serde::{Deserialize, Serialize};

use super::backend::{BeginWrite, with_pool};
use super::{Store, StoreError};

/// A QR code WeChat just created, to be recorded with [`Store::add_qrcode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewQrCode {
    /// The scene: `scene_str`, or `scene_id` as decimal text.
    pub scene: String,
    /// Whether the scene is a `scene_id` (`QR_SCENE`, `QR_LIMIT_SCENE`) rather than a `scene_str`.
    pub scene_is_int: bool,
    /// Whether the code is permanent (`QR_LIMIT_*`), which counts against the account's limit.
    pub permanent: bool,
    /// The ticket WeChat returned.
    pub ticket: String,
    /// The URL the code encodes, as WeChat returned it.
    pub url: String,
    /// When a temporary code expires; `None` for a permanent one.
    pub expires_at: Option<i64>,
}

/// A recorded QR code with the counts of its scene.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrCode {
    /// The record's id, ascending in creation order.
    pub id: i64,
    /// The scene: `scene_str`, or `scene_id` as decimal text.
    pub scene: String,
    /// Whether the scene is a `scene_id` rather than a `scene_str`.
    pub scene_is_int: bool,
    /// Whether the code is permanent.
    pub permanent: bool,
    /// The ticket WeChat returned.
    pub ticket: String,
    /// The URL the code encodes.
    pub url: String,
    /// When the code was recorded.
    pub created_at: i64,
    /// When a temporary code expires; `None` for a permanent one.
    pub expires_at: Option<i64>,
    /// Scans of the scene by users who already follow the account (`SCAN` events). Shared by
    /// every code of the same scene.
    pub scans: i64,
    /// Follows through the scene (`subscribe` events with a `qrscene_` key). Shared by every code
    /// of the same scene.
    pub subscribes: i64,
}

/// Counts to add to one scene of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrCountDelta {
    /// The account the scene belongs to.
    pub account: String,
    /// The scene, as in [`QrCode::scene`].
    pub scene: String,
    /// Scans to add.
    pub scans: i64,
    /// Subscribes to add.
    pub subscribes: i64,
}

/// A row of [`SELECT_QRCODE`]: id, scene, scene_is_int, permanent, ticket, url, created_at,
/// expires_at, scans, subscribes.
type QrCodeRow = (
    i64,
    String,
    bool,
    bool,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
);

/// The columns of a [`QrCodeRow`], over `qr_codes q` joined with its scene's counts.
const SELECT_QRCODE: &str = "SELECT q.id, q.scene, q.scene_is_int, q.permanent, q.ticket, \
     q.url, q.created_at, q.expires_at, \
     COALESCE(n.scans, 0) AS scans, COALESCE(n.subscribes, 0) AS subscribes \
     FROM qr_codes q \
     LEFT JOIN qr_counts n ON n.account = q.account AND n.scene = q.scene";

impl Store {
    /// Records a QR code created at `now` and returns it with the counts its scene already has.
    pub async fn add_qrcode(
        &self,
        account: &str,
        new: &NewQrCode,
        now: i64,
    ) -> Result<QrCode, StoreError> {
        self.io(async move {
            let row: QrCodeRow = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO qr_codes (account, scene, scene_is_int, permanent, ticket, \
                     url, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(account)
                .bind(&new.scene)
                .bind(new.scene_is_int)
                .bind(new.permanent)
                .bind(&new.ticket)
                .bind(&new.url)
                .bind(now)
                .bind(new.expires_at)
                .fetch_one(&mut *tx)
                .await?;
                let row = sqlx::query_as(&format!("{SELECT_QRCODE} WHERE q.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                row
            });
            let code = qrcode_from_row(row);
            tracing::debug!(account, id = code.id, scene = %new.scene, "QR code recorded");
            Ok(code)
        })
        .await
    }

    /// Every QR code of the account, oldest first.
    pub async fn qrcodes(&self, account: &str) -> Result<Vec<QrCode>, StoreError> {
        self.io(async move {
            let rows: Vec<QrCodeRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_QRCODE} WHERE q.account = $1 ORDER BY q.id"
                ))
                .bind(account)
                .fetch_all(pool)
                .await?
            });
            Ok(rows.into_iter().map(qrcode_from_row).collect())
        })
        .await
    }

    /// The QR code `id` of the account, with its scene's counts; `None` when the account has
    /// no such code.
    pub async fn qrcode(&self, account: &str, id: i64) -> Result<Option<QrCode>, StoreError> {
        self.io(async move {
            let row: Option<QrCodeRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "{SELECT_QRCODE} WHERE q.account = $1 AND q.id = $2"
                ))
                .bind(account)
                .bind(id)
                .fetch_optional(pool)
                .await?
            });
            Ok(row.map(qrcode_from_row))
        })
        .await
    }

    /// How many permanent QR codes the account has recorded (WeChat allows 100,000).
    pub async fn count_permanent_qrcodes(&self, account: &str) -> Result<i64, StoreError> {
        self.io(async move {
            Ok(with_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM qr_codes WHERE account = $1 AND permanent = $2",
                )
                .bind(account)
                .bind(true)
                .fetch_one(pool)
                .await?
            }))
        })
        .await
    }

    /// Adds every delta to its scene's counts, all in one transaction: either all are kept or
    /// none. A scene without a recorded code keeps its counts too; they show once a code for it
    /// is recorded. Rows are written in (account, scene) order, so batches from several
    /// instances that touch the same scenes lock them in the same order and never deadlock.
    pub async fn add_qr_counts(&self, deltas: &[QrCountDelta]) -> Result<(), StoreError> {
        self.io(async move {
            let mut deltas: Vec<&QrCountDelta> = deltas
                .iter()
                .filter(|delta| delta.scans != 0 || delta.subscribes != 0)
                .collect();
            if deltas.is_empty() {
                return Ok(());
            }
            deltas.sort_by(|a, b| (&a.account, &a.scene).cmp(&(&b.account, &b.scene)));
            with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                for delta in &deltas {
                    sqlx::query(
                        "INSERT INTO qr_counts (account, scene, scans, subscribes) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (account, scene) DO UPDATE \
                         SET scans = qr_counts.scans + excluded.scans, \
                         subscribes = qr_counts.subscribes + excluded.subscribes",
                    )
                    .bind(&delta.account)
                    .bind(&delta.scene)
                    .bind(delta.scans)
                    .bind(delta.subscribes)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            });
            tracing::debug!(scenes = deltas.len(), "QR counts added");
            Ok(())
        })
        .await
    }
}

/// A [`QrCode`] from a [`QrCodeRow`].
fn qrcode_from_row(row: QrCodeRow) -> QrCode {
    let (
        id,
        scene,
        scene_is_int,
        permanent,
        ticket,
        url,
        created_at,
        expires_at,
        scans,
        subscribes,
    ) = row;
    QrCode {
        id,
        scene,
        scene_is_int,
        permanent,
        ticket,
        url,
        created_at,
        expires_at,
        scans,
        subscribes,
    }
}

#[cfg(test)]
#[path = "qrcodes_test.rs"]
mod tests;
