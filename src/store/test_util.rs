//! Helpers for the store's tests: a fresh database on a temporary file, in memory, or on the
//! tests' own PostgreSQL server, and macros that run one check on each.

use sqlx::{PgPool, SqlitePool};

use super::Store;
use super::backend::Pool;
use super::test_postgres::fresh_database_url;

/// A store on a new file in its own temporary directory. Keep the directory alive as long as
/// the store.
pub(super) async fn file_store() -> (Store, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let store = Store::open(&url).await.expect("open the file store");
    (store, dir, url)
}

/// A store on a new in-memory database.
pub(super) async fn memory_store() -> Store {
    Store::open("sqlite::memory:")
        .await
        .expect("open the in-memory store")
}

/// A store on a new database of the test PostgreSQL server, and the database's URL.
pub(super) async fn postgres_store() -> (Store, String) {
    let url = fresh_database_url();
    let store = Store::open(&url).await.expect("open the PostgreSQL store");
    (store, url)
}

/// The URL of a database nothing has opened yet: a new file in a temporary directory (returned
/// too, to be kept as long as the database is used), or a new, empty PostgreSQL database.
pub(super) fn new_database(postgres: bool) -> (String, Option<tempfile::TempDir>) {
    if postgres {
        (fresh_database_url(), None)
    } else {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        (url, Some(dir))
    }
}

impl Store {
    /// The pool of a SQLite store.
    pub(super) fn sqlite_pool(&self) -> &SqlitePool {
        match &self.pool {
            Pool::Sqlite(pool) => pool,
            Pool::Postgres(..) => panic!("a SQLite store was expected"),
        }
    }

    /// The pool of a PostgreSQL store.
    pub(super) fn postgres_pool(&self) -> &PgPool {
        match &self.pool {
            Pool::Postgres(pool, _) => pool,
            Pool::Sqlite(_) => panic!("a PostgreSQL store was expected"),
        }
    }
}

/// Runs `$check(store)` as three tests: on a temporary SQLite file, on an in-memory SQLite
/// database, and on a new PostgreSQL database.
macro_rules! on_every_backend {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_file() {
                let (store, _dir, _url) = crate::store::test_util::file_store().await;
                super::$check(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn in_memory() {
                let store = crate::store::test_util::memory_store().await;
                super::$check(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_postgres() {
                let (store, _url) = crate::store::test_util::postgres_store().await;
                super::$check(store).await;
            }
        }
    };
}
pub(super) use on_every_backend;

/// Runs `$check(url)` as two tests, each on the URL of a database nothing has opened yet: a
/// temporary SQLite file, and a new PostgreSQL database. For checks that open several stores
/// on one database, or reopen it.
macro_rules! on_file_and_postgres {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_file() {
                let (url, _dir) = crate::store::test_util::new_database(false);
                super::$check(url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_postgres() {
                let (url, _dir) = crate::store::test_util::new_database(true);
                super::$check(url).await;
            }
        }
    };
}
pub(super) use on_file_and_postgres;
