//! Console sessions: who signed in, when, and when they were last seen. The cookie's value is
//! never stored, only its SHA-256, so a copy of the database opens no session.
//!
//! The store keeps rows; the console decides what is expired (idle and absolute lifetimes
//! from the config) and purges with [`Store::purge_console_sessions`]. Every instance on the
//! database sees a session at once, and a restart keeps it.

use super::backend::with_pool;
use super::mp_sessions::hex;
use super::{Store, StoreError};

/// A console session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSessionRow {
    /// The admin's name (`[[admin.users]] name`).
    pub admin: String,
    /// When they signed in (Unix seconds).
    pub created_at: i64,
    /// When the session was last used, to the minute or so (Unix seconds).
    pub last_seen_at: i64,
}

impl Store {
    /// Stores a new session of `admin`, signed in at `now`, under the SHA-256 of its cookie.
    /// Fails with [`StoreError::Database`], storing nothing, if that hash is already stored.
    pub async fn create_console_session(
        &self,
        id_sha256: &[u8; 32],
        admin: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let id_hash = hex(id_sha256);
        self.io(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO console_sessions (id_hash, admin, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $3)",
                )
                .bind(&id_hash)
                .bind(admin)
                .bind(now)
                .execute(pool)
                .await?;
            });
            Ok(())
        })
        .await
    }

    /// The session whose cookie hashes to `id_sha256`, expired or not.
    pub async fn console_session(
        &self,
        id_sha256: &[u8; 32],
    ) -> Result<Option<ConsoleSessionRow>, StoreError> {
        let id_hash = hex(id_sha256);
        self.io(async move {
            let row: Option<(String, i64, i64)> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT admin, created_at, last_seen_at FROM console_sessions \
                     WHERE id_hash = $1",
                )
                .bind(&id_hash)
                .fetch_optional(pool)
                .await?
            });
            Ok(
                row.map(|(admin, created_at, last_seen_at)| ConsoleSessionRow {
                    admin,
                    created_at,
                    last_seen_at,
                }),
            )
        })
        .await
    }

    /// Records that the session was used at `now` (never moving `last_seen_at` back). Returns
    /// whether the session exists.
    pub async fn touch_console_session(
        &self,
        id_sha256: &[u8; 32],
        now: i64,
    ) -> Result<bool, StoreError> {
        let id_hash = hex(id_sha256);
        self.io(async move {
            let touched = with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE console_sessions SET last_seen_at = $2 \
                     WHERE id_hash = $1 AND last_seen_at < $2",
                )
                .bind(&id_hash)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
            });
            Ok(touched > 0)
        })
        .await
    }

    /// Deletes the session (at sign-out, or once expired). Returns whether there was one.
    pub async fn delete_console_session(&self, id_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        let id_hash = hex(id_sha256);
        self.io(async move {
            let deleted = with_pool!(self, |pool| {
                sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
                    .bind(&id_hash)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            Ok(deleted > 0)
        })
        .await
    }

    /// Deletes the sessions last seen before `idle_before` or signed in before
    /// `created_before`. Returns how many went.
    pub async fn purge_console_sessions(
        &self,
        idle_before: i64,
        created_before: i64,
    ) -> Result<u64, StoreError> {
        self.io(async move {
            let purged = with_pool!(self, |pool| {
                sqlx::query(
                    "DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2",
                )
                .bind(idle_before)
                .bind(created_before)
                .execute(pool)
                .await?
                .rows_affected()
            });
            if purged > 0 {
                tracing::debug!(purged, "expired console sessions purged");
            }
            Ok(purged)
        })
        .await
    }

    /// Asks the database for `SELECT 1`: whether it answers at all.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.io(async move {
            let one: i32 = with_pool!(self, |pool| {
                sqlx::query_scalar("SELECT 1").fetch_one(pool).await?
            });
            if one == 1 {
                Ok(())
            } else {
                Err(StoreError::Database(format!(
                    "SELECT 1 answered {one}: the database is not answering queries as expected"
                )))
            }
        })
        .await
    }
}

#[cfg(test)]
#[path = "console_sessions_test.rs"]
mod tests;
