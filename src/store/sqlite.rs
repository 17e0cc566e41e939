//! Everything in the store that is specific to SQLite: the URL, the connection settings, how a
//! write transaction starts, and the embedded migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use super::StoreError;
use super::backend::BeginWrite;
use super::error::redact_url;
use super::migrate::{self, Embedded};

/// The schema, one migration per file in `migrations/sqlite/`, applied in this order. Embedded
/// with `include_str!` (a path relative to this file), so the binary needs no migrations folder
/// at run time and the store builds the same from any crate that includes this module.
const MIGRATIONS: &[Embedded] = &[
    (
        1,
        "admin store",
        include_str!("../../migrations/sqlite/0001_admin_store.sql"),
    ),
    (
        2,
        "signing keys",
        include_str!("../../migrations/sqlite/0002_signing_keys.sql"),
    ),
    (
        3,
        "mp sessions",
        include_str!("../../migrations/sqlite/0003_mp_sessions.sql"),
    ),
    (
        4,
        "outbox",
        include_str!("../../migrations/sqlite/0004_outbox.sql"),
    ),
    (
        5,
        "console",
        include_str!("../../migrations/sqlite/0005_console.sql"),
    ),
];

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per file database. SQLite runs one writer at a time; more connections let reads
/// proceed beside it.
const MAX_CONNECTIONS: u32 = 8;

/// Opens a pool on the SQLite database at `url` (`sqlite://path`, `sqlite:///abs/path` or
/// `sqlite::memory:`), creating the file if it is missing.
pub(super) async fn connect(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|err| {
            StoreError::Config(format!("invalid SQLite URL `{}`: {err}", redact_url(url)))
        })?
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Full);

    let pool = if is_memory(url) {
        // An in-memory database lives only as long as one of its connections: keep exactly one
        // open for the life of the pool, never reaped as idle or old. More would gain nothing,
        // as connections to a shared in-memory database lock each other out table by table.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
    } else {
        let options = options.journal_mode(SqliteJournalMode::Wal);
        // Turning a new file to WAL takes an exclusive lock, and SQLite answers "database is
        // locked" at once, without its busy handler, when another process does the same at
        // that moment (several gateways starting on one new file): try again, as a statement
        // would wait, for up to the busy timeout.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            let pool = SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect_with(options.clone())
                .await;
            match pool {
                Err(err) if is_busy(&err) && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(BUSY_RETRY).await;
                }
                pool => break pool,
            }
        }
    };
    pool.map_err(|err| {
        StoreError::Database(format!(
            "cannot open the SQLite database `{}`: {err} (does its directory exist and is it \
             writable?)",
            redact_url(url)
        ))
    })
}

/// Whether SQLite refused for a lock held elsewhere (`SQLITE_BUSY`, any extended code).
fn is_busy(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|err| err.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

/// SQLite's primary result code for a lock held by another connection.
const SQLITE_BUSY: i32 = 5;

/// Pause between attempts to open a file another process is setting up.
const BUSY_RETRY: Duration = Duration::from_millis(20);

/// Whether `url` names an in-memory database, read the way sqlx reads it.
fn is_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|param| param == "mode=memory")
}

/// A write transaction holds the write lock from its first statement, waiting up to the busy
/// timeout for it. A deferred `BEGIN` would take the lock only at the first write, and a
/// transaction that read first could then fail at once instead of waiting.
impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Applies every embedded migration not applied yet ([`migrate::run`]). Everything runs under
/// the write lock: two processes starting on a new file at once are serialized, and the second
/// finds the schema in place.
pub(super) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let conn: &mut SqliteConnection = &mut tx;
    migrate::run(conn, MIGRATIONS).await?;
    tx.commit().await?;
    Ok(())
}
