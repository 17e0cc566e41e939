//! Signing keys: the OpenID Connect provider's RSA keys, shared by every gateway instance on
//! the database. One key at a time is active (signs); keys retired since stay until they are
//! dropped, so the tokens they signed can still be checked.
//!
//! At most one key is active: the schema enforces it with a partial unique index, so instances
//! starting at once on a database without a key can all try to create the first one and exactly
//! one succeeds ([`Store::create_first_signing_key`]).

use std::fmt;

use super::backend::{BeginWrite, with_pool};
use super::{Store, StoreError};

/// A signing key as stored. `Debug` never shows the private key.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    /// The key's id (the JWK `kid`).
    pub kid: String,
    /// The RSA private key, PKCS#8 PEM.
    pub private_key_pem: String,
    /// When the key was created.
    pub created_at: i64,
    /// When the key stopped signing; `None` for the active key.
    pub retired_at: Option<i64>,
}

impl fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSigningKey")
            .field("kid", &self.kid)
            .field("private_key_pem", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

/// A row of `signing_keys`: kid, private_key, created_at, retired_at.
type KeyRow = (String, String, i64, Option<i64>);

impl Store {
    /// Every stored signing key: the active one first (if any), then the retired ones, the most
    /// recently retired first.
    pub async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError> {
        self.io(async move {
            let rows: Vec<KeyRow> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT kid, private_key, created_at, retired_at FROM signing_keys \
                     ORDER BY retired_at IS NULL DESC, retired_at DESC, kid",
                )
                .fetch_all(pool)
                .await?
            });
            Ok(rows
                .into_iter()
                .map(
                    |(kid, private_key_pem, created_at, retired_at)| StoredSigningKey {
                        kid,
                        private_key_pem,
                        created_at,
                        retired_at,
                    },
                )
                .collect())
        })
        .await
    }

    /// Stores the key `kid` as the active key, created at `now`, unless there already is an
    /// active key (or a key `kid`). Returns whether it was stored. Losing to a concurrent caller
    /// (another instance creating its first key at the same moment) is not an error: this
    /// returns `false` and the other key is the active one.
    pub async fn create_first_signing_key(
        &self,
        kid: &str,
        private_key_pem: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.io(async move {
            // Without a conflict target, DO NOTHING covers every unique index: the primary key
            // and the one that allows a single active key. On PostgreSQL a concurrent insert
            // waits for the first to commit, then does nothing.
            let inserted = with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO signing_keys (kid, private_key, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(kid)
                .bind(private_key_pem)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
            }) == 1;
            if inserted {
                tracing::info!(kid, "first signing key stored");
            }
            Ok(inserted)
        })
        .await
    }

    /// In one transaction: retires the active key (if any) at `now` and stores the key `kid` as
    /// the active one. A rotation that runs at the same moment as another may fail (the
    /// database refuses a second active key) with [`StoreError::Database`], changing nothing;
    /// running it again succeeds.
    pub async fn rotate_signing_key(
        &self,
        kid: &str,
        private_key_pem: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.io(async move {
            let result: Result<(), sqlx::Error> = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                async move {
                    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO signing_keys (kid, private_key, created_at) \
                         VALUES ($1, $2, $3)",
                    )
                    .bind(kid)
                    .bind(private_key_pem)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await
                }
                .await
            });
            match result {
                Ok(()) => {
                    tracing::info!(kid, "signing key rotated");
                    Ok(())
                }
                Err(err) if is_unique_violation(&err) => Err(StoreError::Database(format!(
                    "the new signing key {kid} was refused: another rotation ran at the same \
                     moment (or the kid exists); nothing changed, try again"
                ))),
                Err(err) => Err(err.into()),
            }
        })
        .await
    }

    /// Drops the keys retired before `cutoff`; the active key is never dropped. Returns how many
    /// were dropped.
    pub async fn drop_signing_keys_retired_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        self.io(async move {
            let dropped = with_pool!(self, |pool| {
                sqlx::query(
                    "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1",
                )
                .bind(cutoff)
                .execute(pool)
                .await?
                .rows_affected()
            });
            if dropped > 0 {
                tracing::info!(dropped, "retired signing keys dropped");
            }
            Ok(dropped)
        })
        .await
    }
}

/// Whether the database refused a statement for a duplicate key.
fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|err| err.is_unique_violation())
}

#[cfg(test)]
#[path = "signing_keys_test.rs"]
mod tests;
