//! Helpers for the store's tests: a fresh database on a temporary file or in memory.

use super::Store;

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

/// Runs `$check(store)` as two tests: one on a temporary file, one in memory.
macro_rules! on_file_and_memory {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_file() {
                let (store, _dir, _url) = super::super::test_util::file_store().await;
                super::$check(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn in_memory() {
                let store = super::super::test_util::memory_store().await;
                super::$check(store).await;
            }
        }
    };
}
pub(super) use on_file_and_memory;
