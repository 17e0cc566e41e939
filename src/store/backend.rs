//! Which database a store runs on, and how one query text runs on either.
//!
//! The queries in `menus.rs` and `qrcodes.rs` are written once, in the SQL both databases take
//! (`$N` placeholders, `ON CONFLICT` upserts, `RETURNING`), inside [`with_pool!`]: the macro
//! matches on the backend and compiles the same block once per database type, so each copy is
//! checked against its driver's types. The one step of a write that differs between the
//! backends, starting the transaction, is [`BeginWrite`].

use std::future::Future;

use super::StoreError;

/// The connection pool of an open store.
#[derive(Debug, Clone)]
pub(super) enum Pool {
    /// A SQLite file (or in-memory database) on this host.
    Sqlite(sqlx::SqlitePool),
    /// A PostgreSQL database, possibly shared with other gateway instances.
    Postgres(sqlx::PgPool),
}

impl Pool {
    /// Closes every connection, waiting for those in use to be returned.
    pub(super) async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// How a backend starts a write transaction, so that concurrent writers to one account queue
/// up instead of failing or interleaving.
pub(super) trait BeginWrite {
    /// The database the transaction runs on.
    type Db: sqlx::Database;

    /// Starts a transaction for a write.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, StoreError>> + Send;
}

/// Evaluates `$body` with `$pool` bound to the store's pool (a `&sqlx::Pool<DB>`), whichever
/// database it is. The body is compiled once per backend; it may use `.await` and `?`, and
/// [`BeginWrite::begin_write`] on the pool for a write transaction.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::backend::Pool::Sqlite($pool) => $body,
            $crate::store::backend::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;
