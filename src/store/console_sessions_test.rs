//! Console sessions in the store: created, found by hash, touched forward only, deleted and
//! purged by either lifetime; the database's ping.

use crate::store::test_util::{on_every_backend, on_file_and_postgres};
use crate::store::{ConsoleSessionRow, Store};

const LI: [u8; 32] = [7; 32];
const WANG: [u8; 32] = [8; 32];

async fn a_session_is_found_by_its_hash_and_touched_forward_only(store: Store) {
    store.create_console_session(&LI, "li", 1000).await.unwrap();
    let row = |last_seen_at| ConsoleSessionRow {
        admin: "li".to_owned(),
        created_at: 1000,
        last_seen_at,
    };
    assert_eq!(store.console_session(&LI).await.unwrap(), Some(row(1000)));
    assert_eq!(store.console_session(&WANG).await.unwrap(), None);

    assert!(store.touch_console_session(&LI, 1100).await.unwrap());
    assert_eq!(store.console_session(&LI).await.unwrap(), Some(row(1100)));
    // An older time (another instance's late write) does not move it back.
    assert!(!store.touch_console_session(&LI, 1050).await.unwrap());
    assert_eq!(store.console_session(&LI).await.unwrap(), Some(row(1100)));
    assert!(!store.touch_console_session(&WANG, 1100).await.unwrap());

    // The same hash cannot be stored twice.
    assert!(
        store
            .create_console_session(&LI, "wang", 1200)
            .await
            .is_err()
    );
    assert_eq!(store.console_session(&LI).await.unwrap(), Some(row(1100)));
}
on_every_backend!(a_session_is_found_by_its_hash_and_touched_forward_only);

async fn sign_out_deletes_one_session(store: Store) {
    store.create_console_session(&LI, "li", 1000).await.unwrap();
    store
        .create_console_session(&WANG, "li", 1000)
        .await
        .unwrap();
    assert!(store.delete_console_session(&LI).await.unwrap());
    assert!(!store.delete_console_session(&LI).await.unwrap());
    assert_eq!(store.console_session(&LI).await.unwrap(), None);
    assert!(store.console_session(&WANG).await.unwrap().is_some());
}
on_every_backend!(sign_out_deletes_one_session);

async fn purge_removes_idle_and_too_old_sessions(store: Store) {
    let old: [u8; 32] = [9; 32];
    store.create_console_session(&LI, "li", 1000).await.unwrap();
    store.touch_console_session(&LI, 5000).await.unwrap();
    store
        .create_console_session(&WANG, "wang", 4000)
        .await
        .unwrap();
    store.create_console_session(&old, "li", 100).await.unwrap();
    store.touch_console_session(&old, 5000).await.unwrap();

    // Idle since before 4500: WANG. Signed in before 500: `old`.
    assert_eq!(store.purge_console_sessions(4500, 500).await.unwrap(), 2);
    assert!(store.console_session(&LI).await.unwrap().is_some());
    assert_eq!(store.console_session(&WANG).await.unwrap(), None);
    assert_eq!(store.console_session(&old).await.unwrap(), None);
    assert_eq!(store.purge_console_sessions(4500, 500).await.unwrap(), 0);
}
on_every_backend!(purge_removes_idle_and_too_old_sessions);

async fn the_database_answers_a_ping_until_closed(store: Store) {
    store.ping().await.unwrap();
    store.close().await;
    assert!(store.ping().await.is_err());
}
on_every_backend!(the_database_answers_a_ping_until_closed);

/// A session made through one store is seen through another on the same database: every
/// instance knows it.
async fn another_instance_sees_the_session(url: String) {
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    a.create_console_session(&LI, "li", 1000).await.unwrap();
    assert_eq!(
        b.console_session(&LI).await.unwrap().map(|r| r.admin),
        Some("li".to_owned())
    );
    b.delete_console_session(&LI).await.unwrap();
    assert_eq!(a.console_session(&LI).await.unwrap(), None);
}
on_file_and_postgres!(another_instance_sees_the_session);
