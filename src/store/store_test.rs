//! Opening the store: URLs, connection settings, migrations, and writers that meet on one
//! database. PostgreSQL's own cases are in `postgres_test.rs`.

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;

use super::backend::{Pool, with_pool};
use super::error::{redact_url, scrub_password};
use super::test_util::{file_store, memory_store, on_every_backend, on_file_and_postgres};
use super::{Store, StoreError};

async fn tables(store: &Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(store.sqlite_pool())
    .await
    .unwrap()
}

/// `(version, success)` of every migration the database records.
pub(super) async fn applied_migrations(store: &Store) -> Vec<(i64, bool)> {
    with_pool!(store, |pool| {
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

/// Runs the migrations of `store`'s backend once more.
async fn migrate_again(store: &Store) -> Result<(), StoreError> {
    match &store.pool {
        Pool::Sqlite(pool) => super::sqlite::migrate(pool).await,
        Pool::Postgres(pool, io) => io.run(super::postgres::migrate(pool)).await,
    }
}

#[tokio::test]
async fn first_open_creates_the_file_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    assert!(!path.exists());
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert!(path.exists());
    assert_eq!(
        tables(&store).await,
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
    assert_eq!(
        applied_migrations(&store).await,
        [(1, true), (2, true), (3, true), (4, true), (5, true)]
    );
}

#[tokio::test]
async fn in_memory_store_has_the_schema_and_is_private() {
    let one = memory_store().await;
    let two = memory_store().await;
    assert_eq!(tables(&one).await.len(), 15);
    one.add_menu_version("a", &json!({}), 1, "test")
        .await
        .unwrap();
    assert_eq!(one.menu_versions("a").await.unwrap().len(), 1);
    assert!(two.menu_versions("a").await.unwrap().is_empty());
}

#[tokio::test]
async fn in_memory_store_outlives_idle_periods() {
    let store = memory_store().await;
    store
        .add_menu_version("a", &json!({}), 1, "test")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(store.menu_versions("a").await.unwrap().len(), 1);
}

#[tokio::test]
async fn file_connections_are_durable_and_wait_for_locks() {
    let (store, _dir, _url) = file_store().await;
    let mut conn = store.sqlite_pool().acquire().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(synchronous, 2, "FULL");
    assert_eq!(foreign_keys, 1);
    assert_eq!(busy_timeout, 5000);
}

async fn foreign_keys_hold_the_current_menu_to_a_real_version(store: Store) {
    let err = with_pool!(store, |pool| {
        sqlx::query("INSERT INTO current_menus (account, version, updated_at) VALUES ('a', 9, 0)")
            .execute(pool)
            .await
            .unwrap_err()
    });
    assert!(
        err.to_string().to_lowercase().contains("foreign key"),
        "{err}"
    );
}
on_every_backend!(foreign_keys_hold_the_current_menu_to_a_real_version);

async fn reopening_keeps_data_and_applies_nothing_twice(url: String) {
    let store = Store::open(&url).await.unwrap();
    store
        .add_menu_version("a", &json!({"n": 1}), 1, "test")
        .await
        .unwrap();
    store.close().await;

    for _ in 0..3 {
        let store = Store::open(&url).await.unwrap();
        assert_eq!(
            applied_migrations(&store).await,
            [(1, true), (2, true), (3, true), (4, true), (5, true)]
        );
        migrate_again(&store).await.unwrap();
        assert_eq!(
            applied_migrations(&store).await,
            [(1, true), (2, true), (3, true), (4, true), (5, true)]
        );
        store.close().await;
    }

    let store = Store::open(&url).await.unwrap();
    let versions = store.menu_versions("a").await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].menu, json!({"n": 1}));
}
on_file_and_postgres!(reopening_keeps_data_and_applies_nothing_twice);

/// Four stores (gateway instances) starting at once on a database nothing has opened: one
/// migrates, the others wait for it and find the schema in place.
async fn stores_opening_a_new_database_at_once_all_start(url: String) {
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::open(&url).await })
        })
        .collect();
    for open in opens {
        let store = open.await.unwrap().unwrap();
        assert_eq!(
            applied_migrations(&store).await,
            [(1, true), (2, true), (3, true), (4, true), (5, true)]
        );
        store
            .add_menu_version("a", &json!({}), 1, "test")
            .await
            .unwrap();
    }
}
on_file_and_postgres!(stores_opening_a_new_database_at_once_all_start);

async fn a_database_from_a_newer_version_is_refused(url: String) {
    let store = Store::open(&url).await.unwrap();
    with_pool!(store, |pool| {
        sqlx::query(
            "INSERT INTO _sqlx_migrations \
             (version, description, success, checksum, execution_time) \
             VALUES (999, 'from the future', TRUE, $1, 0)",
        )
        .bind(vec![0u8])
        .execute(pool)
        .await
        .unwrap();
    });
    store.close().await;
    match Store::open(&url).await {
        Err(StoreError::Database(message)) => {
            assert!(message.contains("999"), "{message}");
            assert!(message.contains("newer wxgate"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}
on_file_and_postgres!(a_database_from_a_newer_version_is_refused);

async fn an_edited_migration_is_reported(url: String) {
    let store = Store::open(&url).await.unwrap();
    with_pool!(store, |pool| {
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1")
            .bind(vec![0u8])
            .execute(pool)
            .await
            .unwrap();
    });
    store.close().await;
    match Store::open(&url).await {
        Err(StoreError::Database(message)) => {
            assert!(message.contains("edited"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}
on_file_and_postgres!(an_edited_migration_is_reported);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_waits_for_another_stores_lock() {
    let (holder, _dir, url) = file_store().await;
    let writer = Store::open(&url).await.unwrap();

    // The holder takes the write lock and keeps it for a while.
    let mut conn = holder.sqlite_pool().acquire().await.unwrap();
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
    sqlx::query("INSERT INTO menu_counters (account, last_version) VALUES ('other', 0)")
        .execute(&mut *tx)
        .await
        .unwrap();

    let menu_write = tokio::spawn({
        let writer = writer.clone();
        async move { writer.add_menu_version("a", &json!({}), 1, "test").await }
    });
    let counts_write = tokio::spawn({
        let writer = writer.clone();
        async move {
            writer
                .add_qr_counts(&[super::QrCountDelta {
                    account: "a".into(),
                    scene: "s".into(),
                    scans: 1,
                    subscribes: 0,
                }])
                .await
        }
    });
    let publish_failure = tokio::spawn({
        let writer = writer.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            writer.clear_current_menu("a", 2).await
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !menu_write.is_finished(),
        "the write should be waiting for the lock"
    );
    tx.commit().await.unwrap();

    assert_eq!(menu_write.await.unwrap().unwrap().version, 1);
    counts_write.await.unwrap().unwrap();
    publish_failure.await.unwrap().unwrap();
}

/// Two stores (gateway instances) on one database, writing at once: every version number is
/// handed out once, without gaps, and every count lands.
async fn two_stores_on_one_database_write_concurrently(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            tokio::spawn(async move {
                let version = store
                    .add_menu_version("a", &json!({ "i": i }), i, "test")
                    .await?;
                store
                    .add_qr_counts(&[super::QrCountDelta {
                        account: "a".into(),
                        scene: "s".into(),
                        scans: 1,
                        subscribes: 0,
                    }])
                    .await?;
                store.publish_menu("a", version.version, i).await?;
                Ok::<i64, StoreError>(version.version)
            })
        })
        .collect();
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap().unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=40).collect::<Vec<i64>>());
    two.add_qrcode(
        "a",
        &super::NewQrCode {
            scene: "s".into(),
            scene_is_int: false,
            permanent: true,
            ticket: "t".into(),
            url: "u".into(),
            expires_at: None,
        },
        1,
    )
    .await
    .unwrap();
    assert_eq!(one.qrcodes("a").await.unwrap()[0].scans, 40);
    assert!(one.current_menu("a").await.unwrap().is_some());
}
on_file_and_postgres!(two_stores_on_one_database_write_concurrently);

#[tokio::test]
async fn other_schemes_are_configuration_errors() {
    for url in [
        "mysql://root:s3cret@localhost/wxgate",
        "postgres+tls://wxgate:s3cret@db.internal/wxgate",
        "wxgate.db",
        "",
    ] {
        match Store::open(url).await {
            Err(StoreError::Config(message)) => {
                assert!(!message.contains("s3cret"), "{message}");
                assert!(message.contains("sqlite://"), "{message}");
            }
            other => panic!("{url}: expected a configuration error, got {other:?}"),
        }
    }
    let Err(err) = Store::open("mysql://wxgate:s3cret@db/wxgate").await else {
        panic!("mysql URL accepted");
    };
    assert_eq!(
        err.to_string(),
        "database configuration: unsupported database URL scheme `mysql:` in \
         `mysql://wxgate:***@db/wxgate`; use a SQLite URL such as `sqlite://wxgate.db`, \
         `sqlite:///var/lib/wxgate/wxgate.db` or `sqlite::memory:`, or a PostgreSQL URL such as \
         `postgres://user:password@host:5432/wxgate`"
    );
}

#[tokio::test]
async fn a_bad_sqlite_url_is_a_configuration_error() {
    let result = Store::open("sqlite://x.db?color=blue").await;
    assert!(
        matches!(result, Err(StoreError::Config(ref m)) if m.contains("color")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_missing_directory_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("x.db");
    match Store::open(&format!("sqlite://{}", path.display())).await {
        Err(StoreError::Database(message)) => {
            assert!(message.contains("no-such-dir"), "{message}");
            assert!(message.contains("directory"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_closed_store_reports_it() {
    let store = memory_store().await;
    store.close().await;
    assert_eq!(
        store.menu_versions("a").await,
        Err(StoreError::Database("the store was closed".into()))
    );
}

#[test]
fn urls_are_printed_without_passwords() {
    assert_eq!(
        redact_url("postgres://user:pa@ss/word@host:5432/db?sslmode=require"),
        "postgres://user:***@host:5432/db?sslmode=require"
    );
    assert_eq!(
        redact_url("postgres://host/db?user=u&password=secret&x=1"),
        "postgres://host/db?user=u&password=***&x=1"
    );
    assert_eq!(
        redact_url("postgres://user@host/db"),
        "postgres://user@host/db"
    );
    assert_eq!(
        redact_url("sqlite:///var/lib/wxgate.db"),
        "sqlite:///var/lib/wxgate.db"
    );
    assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
}

#[test]
fn driver_messages_lose_passwords() {
    let url = "postgres://user:p%40ss%2Fw0rd@host/db?password=other";
    assert_eq!(
        scrub_password("auth failed with p@ss/w0rd, p%40ss%2Fw0rd and other", url),
        "auth failed with ***, *** and ***"
    );
    assert_eq!(
        scrub_password("no password here", "postgres://user@host/db"),
        "no password here"
    );
    assert_eq!(
        scrub_password("bad %zz", "postgres://u:%zz@h/d"),
        "bad ***",
        "an invalid escape is taken as written"
    );
}

#[test]
fn errors_read_clearly() {
    assert_eq!(
        StoreError::NotFound.to_string(),
        "not found: no such record for this account"
    );
    assert_eq!(
        StoreError::Database("disk I/O error".into()).to_string(),
        "database error: disk I/O error"
    );
}

/// Every method's future can be spawned on a multi-threaded runtime (an admin HTTP handler
/// needs that).
#[tokio::test]
async fn futures_can_move_between_threads() {
    fn send<T: Send>(future: T) -> T {
        future
    }
    let store = send(Store::open("sqlite::memory:")).await.unwrap();
    let menu = json!({});
    let code = super::NewQrCode {
        scene: "1".into(),
        scene_is_int: true,
        permanent: false,
        ticket: "t".into(),
        url: "u".into(),
        expires_at: Some(9),
    };
    send(store.add_menu_version("a", &menu, 1, "test"))
        .await
        .unwrap();
    send(store.publish_menu("a", 1, 2)).await.unwrap();
    send(store.record_publish_failure("a", 1, "e"))
        .await
        .unwrap();
    send(store.current_menu("a")).await.unwrap();
    send(store.clear_current_menu("a", 3)).await.unwrap();
    send(store.menu_versions("a")).await.unwrap();
    send(store.menu_version("a", 1)).await.unwrap();
    send(store.add_qrcode("a", &code, 1)).await.unwrap();
    send(store.qrcodes("a")).await.unwrap();
    send(store.count_permanent_qrcodes("a")).await.unwrap();
    send(store.add_qr_counts(&[])).await.unwrap();
    send(store.close()).await;
}
