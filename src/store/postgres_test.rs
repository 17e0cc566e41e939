//! What only PostgreSQL does: the schema in its words, the migration lock, the row lock that
//! queues concurrent menu versions, and URLs and errors that keep the password out.

use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::store::test_postgres::fresh_database_url;
use crate::store::test_util::postgres_store;
use crate::store::tests::applied_migrations;
use crate::store::{Store, StoreError};

#[tokio::test]
async fn first_open_creates_the_schema() {
    let (store, _url) = postgres_store().await;
    let pool = store.postgres_pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "_sqlx_migrations",
            "audit_log",
            "conditional_menus",
            "console_sessions",
            "current_menus",
            "menu_counters",
            "menu_versions",
            "mp_current_keys",
            "mp_sessions",
            "outbox_idempotency_keys",
            "outbox_messages",
            "outbox_webhooks",
            "qr_codes",
            "qr_counts",
            "signing_keys"
        ]
    );
    let identity: String = sqlx::query_scalar(
        "SELECT is_identity::TEXT FROM information_schema.columns \
         WHERE table_name = 'qr_codes' AND column_name = 'id'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(identity, "YES");
    assert_eq!(
        applied_migrations(&store).await,
        [(1, true), (2, true), (3, true), (4, true), (5, true)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrating_waits_for_the_advisory_lock() {
    let url = fresh_database_url();
    let mut holder = PgConnection::connect(&url).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(super::MIGRATION_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();

    let opening = tokio::spawn({
        let url = url.clone();
        async move { Store::open(&url).await }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !opening.is_finished(),
        "the store should wait for the migration lock"
    );
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut holder)
    .await
    .unwrap();
    assert_eq!(tables, 0, "nothing is created before the lock is held");

    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(super::MIGRATION_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let store = opening.await.unwrap().unwrap();
    assert_eq!(
        applied_migrations(&store).await,
        [(1, true), (2, true), (3, true), (4, true), (5, true)]
    );

    // The lock is released after migrating: another instance starts at once.
    let other = tokio::time::timeout(Duration::from_secs(5), Store::open(&url))
        .await
        .expect("the migration lock is released")
        .unwrap();
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_version_waits_for_the_counter_row() {
    let (store, url) = postgres_store().await;
    store
        .add_menu_version("a", &json!({}), 1, "test")
        .await
        .unwrap();

    // Another instance is in the middle of adding a version: it holds the counter row.
    let mut holder = PgConnection::connect(&url).await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    let taken: i64 = sqlx::query_scalar(
        "UPDATE menu_counters SET last_version = last_version + 1 WHERE account = 'a' \
         RETURNING last_version",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(taken, 2);
    sqlx::query(
        "INSERT INTO menu_versions (account, version, menu, created_at) VALUES ('a', 2, '{}', 2)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();

    let adding = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .add_menu_version("a", &json!({"n": 3}), 3, "test")
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !adding.is_finished(),
        "the new version should wait for the counter row"
    );
    let other_account = tokio::time::timeout(
        Duration::from_secs(5),
        store.add_menu_version("b", &json!({}), 3, "test"),
    )
    .await
    .expect("other accounts do not wait")
    .unwrap();
    assert_eq!(other_account.version, 1);

    tx.commit().await.unwrap();
    assert_eq!(adding.await.unwrap().unwrap().version, 3);
    let numbers: Vec<i64> = store
        .menu_versions("a")
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
}

#[tokio::test]
async fn both_url_schemes_open() {
    let url = fresh_database_url();
    let postgresql = url.replacen("postgres://", "postgresql://", 1);
    let store = Store::open(&postgresql).await.unwrap();
    store
        .add_menu_version("a", &json!({}), 1, "test")
        .await
        .unwrap();
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.menu_versions("a").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_database_says_what_to_check() {
    let url = fresh_database_url();
    let (server, _) = url.rsplit_once('/').unwrap();
    let missing = format!("{server}/no_such_database").replacen("postgres@", "postgres:s3cret@", 1);
    match Store::open(&missing).await {
        Err(StoreError::Database(message)) => {
            assert!(!message.contains("s3cret"), "{message}");
            assert!(message.contains("postgres:***@"), "{message}");
            assert!(message.contains("no_such_database"), "{message}");
            assert!(message.contains("does the database exist"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_reported_without_the_password() {
    // A port nothing listens on: taken, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://wxgate:s3cret@127.0.0.1:{port}/wxgate");
    match Store::open(&url).await {
        Err(StoreError::Database(message)) => {
            assert!(!message.contains("s3cret"), "{message}");
            assert!(message.contains("is the server running"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_postgres_url_is_a_configuration_error() {
    for url in [
        "postgres://wxgate:s3cret@db.internal:notaport/wxgate",
        "postgresql://wxgate:s3cret@db.internal/wxgate?sslmode=sometimes",
    ] {
        match Store::open(url).await {
            Err(StoreError::Config(message)) => {
                assert!(!message.contains("s3cret"), "{message}");
                assert!(message.contains("wxgate:***@db.internal"), "{message}");
            }
            other => panic!("{url}: expected a configuration error, got {other:?}"),
        }
    }
}

/// Connections opened while serving on one runtime (an HTTP worker's) keep working after that
/// runtime stops, as every worker's does at shutdown just before the last QR counts are written.
#[test]
fn connections_outlive_the_runtime_that_used_them() {
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }
    let url = fresh_database_url();
    let store = runtime().block_on(Store::open(&url)).unwrap();

    // A worker adds versions at once, so the pool opens several connections there; then it
    // stops.
    let worker = runtime();
    worker.block_on(async {
        let menu = json!({});
        let adds = (0..8).map(|i| store.add_menu_version("a", &menu, i, "test"));
        for added in futures_util::future::join_all(adds).await {
            added.unwrap();
        }
    });
    drop(worker);

    // Another runtime (the one flushing at shutdown) uses the same pool.
    runtime().block_on(async {
        let reads = (0..8).map(|_| store.menu_versions("a"));
        for read in futures_util::future::join_all(reads).await {
            assert_eq!(read.unwrap().len(), 8);
        }
        store
            .add_qr_counts(&[crate::store::QrCountDelta {
                account: "a".into(),
                scene: "s".into(),
                scans: 1,
                subscribes: 0,
            }])
            .await
            .unwrap();
        store.close().await;
    });
}
