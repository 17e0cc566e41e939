//! Everything in the store that is specific to PostgreSQL: the URL, the connection settings, how
//! a write transaction starts, and the embedded migrations with the lock that lets several
//! gateway instances start on one database at once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;
use super::backend::BeginWrite;
use super::error::{redact_url, scrub_password};
use super::migrate::{self, Embedded};

/// The schema, one migration per file in `migrations/postgres/`, applied in this order: the
/// same tables as `migrations/sqlite/`, in PostgreSQL's words. Embedded with `include_str!`.
const MIGRATIONS: &[Embedded] = &[
    (
        1,
        "admin store",
        include_str!("../../migrations/postgres/0001_admin_store.sql"),
    ),
    (
        2,
        "signing keys",
        include_str!("../../migrations/postgres/0002_signing_keys.sql"),
    ),
    (
        3,
        "mp sessions",
        include_str!("../../migrations/postgres/0003_mp_sessions.sql"),
    ),
    (
        4,
        "outbox",
        include_str!("../../migrations/postgres/0004_outbox.sql"),
    ),
    (
        5,
        "console",
        include_str!("../../migrations/postgres/0005_console.sql"),
    ),
];

/// Connections per gateway instance.
const MAX_CONNECTIONS: u32 = 8;

/// How long a query waits for a free connection (or for the server to accept a new one) before
/// failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The key of the advisory lock held while migrating (`wxgate` in ASCII). Every instance takes
/// the same key, so instances starting at once on a new database migrate one after the other.
pub(super) const MIGRATION_LOCK: i64 = 0x7778_6761_7465;

/// Opens a pool on the PostgreSQL database at `url` (`postgres://user:password@host:port/db` or
/// `postgresql://...`, with any of libpq's URL parameters, e.g. `?sslmode=require`). The
/// database must exist; one connection is made at once, so a wrong host, database or password
/// is reported here.
pub(super) async fn connect(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|err| {
            StoreError::Config(format!(
                "invalid PostgreSQL URL `{}`: {}",
                redact_url(url),
                scrub_password(&err.to_string(), url)
            ))
        })?
        .application_name("wxgate")
        // Notices such as "relation already exists, skipping" are not worth a log line.
        .options([("client_min_messages", "warning")]);
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|err| {
            StoreError::Database(format!(
                "cannot connect to the PostgreSQL database `{}`: {} (is the server running, \
                 does the database exist, and may this user connect?)",
                redact_url(url),
                scrub_password(&err.to_string(), url)
            ))
        })
}

/// Write transactions run at PostgreSQL's default isolation, READ COMMITTED. That is enough
/// because each write's first statement locks the row the rest depends on, until commit:
/// [`Store::add_menu_version`](super::Store::add_menu_version) starts by bumping the account's
/// counter row, so concurrent inserters for one account, on any instance, queue on that row
/// lock and each reads the number the previous one committed: distinct versions, no gaps.
impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.begin().await?)
    }
}

/// Applies every embedded migration not applied yet ([`migrate::run`]), in one transaction,
/// under the advisory lock [`MIGRATION_LOCK`] (`pg_advisory_lock`): instances starting at once
/// on an empty database wait for each other, and each after the first finds the schema in
/// place.
///
/// The lock is taken on a connection of its own, taken out of the pool: on any error (or a
/// start that is given up) the connection is dropped, and PostgreSQL releases the lock with the
/// session.
pub(super) async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?.detach();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    migrate::run(&mut *tx, MIGRATIONS).await?;
    tx.commit().await?;
    // The schema is in place. Should unlocking fail, closing the session releases the lock.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    Ok(())
}

#[cfg(test)]
#[path = "postgres_test.rs"]
mod tests;
