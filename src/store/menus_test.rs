//! Menu versions: numbering, publishing, the current menu, and what survives a reopen.

use serde_json::json;

use crate::store::test_util::{on_every_backend, on_file_and_postgres};
use crate::store::{Store, StoreError};

fn menu(name: &str) -> serde_json::Value {
    json!({ "button": [ { "type": "click", "name": name, "key": "K" } ] })
}

fn numbers(versions: &[super::MenuVersion]) -> Vec<i64> {
    versions.iter().map(|v| v.version).collect()
}

async fn numbering_starts_at_one_per_account(store: Store) {
    let first = store
        .add_menu_version("a", &menu("a1"), 100, "test")
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(first.menu, menu("a1"));
    assert_eq!(first.created_at, 100);
    assert_eq!(first.saved_by.as_deref(), Some("test"));
    assert_eq!(first.published_at, None);
    assert!(!first.current);

    assert_eq!(
        store
            .add_menu_version("a", &menu("a2"), 101, "test")
            .await
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        store
            .add_menu_version("b", &menu("b1"), 102, "test")
            .await
            .unwrap()
            .version,
        1
    );
    assert_eq!(
        store
            .add_menu_version("a", &menu("a3"), 103, "li")
            .await
            .unwrap()
            .version,
        3
    );

    let a = store.menu_versions("a").await.unwrap();
    assert_eq!(numbers(&a), [1, 2, 3]);
    assert_eq!(a[1].menu, menu("a2"));
    assert_eq!(a[2].created_at, 103);
    assert_eq!(a[1].saved_by.as_deref(), Some("test"));
    assert_eq!(a[2].saved_by.as_deref(), Some("li"));
    assert_eq!(numbers(&store.menu_versions("b").await.unwrap()), [1]);
    assert!(store.menu_versions("c").await.unwrap().is_empty());

    assert_eq!(
        store.menu_version("a", 2).await.unwrap().unwrap().menu,
        menu("a2")
    );
    assert_eq!(store.menu_version("a", 4).await.unwrap(), None);
    assert_eq!(store.menu_version("b", 2).await.unwrap(), None);
}
on_every_backend!(numbering_starts_at_one_per_account);

async fn concurrent_adds_get_every_number_once(store: Store) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .add_menu_version("busy", &menu(&format!("m{i}")), 200 + i, "test")
                    .await
            })
        })
        .collect();
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap().unwrap().version);
    }
    got.sort_unstable();
    assert_eq!(got, (1..=20).collect::<Vec<i64>>());
    assert_eq!(
        numbers(&store.menu_versions("busy").await.unwrap()),
        (1..=20).collect::<Vec<i64>>()
    );
    assert_eq!(
        store
            .add_menu_version("busy", &menu("next"), 300, "test")
            .await
            .unwrap()
            .version,
        21
    );
}
on_every_backend!(concurrent_adds_get_every_number_once);

async fn current_is_the_last_published(store: Store) {
    assert_eq!(store.current_menu("a").await.unwrap(), None);
    store
        .add_menu_version("a", &menu("v1"), 10, "test")
        .await
        .unwrap();
    store
        .add_menu_version("a", &menu("v2"), 11, "test")
        .await
        .unwrap();
    assert_eq!(
        store.current_menu("a").await.unwrap(),
        None,
        "nothing published yet"
    );

    store.publish_menu("a", 1, 20).await.unwrap();
    let current = store.current_menu("a").await.unwrap().unwrap();
    assert_eq!(
        (current.version, current.published_at, current.current),
        (1, Some(20), true)
    );
    assert_eq!(current.menu, menu("v1"));

    store
        .add_menu_version("a", &menu("v3"), 21, "test")
        .await
        .unwrap();
    assert_eq!(
        store.current_menu("a").await.unwrap().unwrap().version,
        1,
        "v3 unpublished"
    );

    store.publish_menu("a", 2, 30).await.unwrap();
    assert_eq!(store.current_menu("a").await.unwrap().unwrap().version, 2);
    let all = store.menu_versions("a").await.unwrap();
    let flags: Vec<bool> = all.iter().map(|v| v.current).collect();
    assert_eq!(flags, [false, true, false]);
    assert_eq!(
        all[0].published_at,
        Some(20),
        "an older publish stays recorded"
    );
    assert_eq!(all[2].published_at, None);

    // Rolling back: publishing an older version makes it current again.
    store.publish_menu("a", 1, 40).await.unwrap();
    let current = store.current_menu("a").await.unwrap().unwrap();
    assert_eq!((current.version, current.published_at), (1, Some(40)));

    // Another account is untouched.
    store
        .add_menu_version("b", &menu("b1"), 50, "test")
        .await
        .unwrap();
    assert_eq!(store.current_menu("b").await.unwrap(), None);
    store.publish_menu("b", 1, 51).await.unwrap();
    assert_eq!(store.current_menu("a").await.unwrap().unwrap().version, 1);
    assert_eq!(
        store.current_menu("b").await.unwrap().unwrap().menu,
        menu("b1")
    );
}
on_every_backend!(current_is_the_last_published);

async fn clear_keeps_versions(store: Store) {
    store
        .add_menu_version("a", &menu("v1"), 10, "test")
        .await
        .unwrap();
    store
        .add_menu_version("a", &menu("v2"), 11, "test")
        .await
        .unwrap();
    store.publish_menu("a", 2, 12).await.unwrap();
    store.clear_current_menu("a", 13).await.unwrap();
    assert_eq!(store.current_menu("a").await.unwrap(), None);
    let all = store.menu_versions("a").await.unwrap();
    assert_eq!(numbers(&all), [1, 2]);
    assert!(all.iter().all(|v| !v.current));
    assert_eq!(all[1].published_at, Some(12));

    // Clearing twice, or where nothing was ever published, is fine.
    store.clear_current_menu("a", 14).await.unwrap();
    store.clear_current_menu("never", 14).await.unwrap();
    assert_eq!(store.current_menu("never").await.unwrap(), None);

    // A version can be published again after a clear, and numbering goes on.
    store.publish_menu("a", 1, 15).await.unwrap();
    assert_eq!(store.current_menu("a").await.unwrap().unwrap().version, 1);
    assert_eq!(
        store
            .add_menu_version("a", &menu("v3"), 16, "test")
            .await
            .unwrap()
            .version,
        3
    );
}
on_every_backend!(clear_keeps_versions);

async fn unknown_versions_are_not_found(store: Store) {
    assert_eq!(
        store.publish_menu("a", 1, 10).await,
        Err(StoreError::NotFound)
    );
    store
        .add_menu_version("a", &menu("v1"), 10, "test")
        .await
        .unwrap();
    store
        .add_menu_version("b", &menu("b1"), 10, "test")
        .await
        .unwrap();
    store
        .add_menu_version("b", &menu("b2"), 10, "test")
        .await
        .unwrap();
    assert_eq!(
        store.publish_menu("a", 2, 11).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.publish_menu("a", 0, 11).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.record_publish_failure("a", 2, "boom").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.current_menu("a").await.unwrap(), None);
}
on_every_backend!(unknown_versions_are_not_found);

async fn failed_publish_is_recorded_and_unpublished(store: Store) {
    store
        .add_menu_version("a", &menu("v1"), 10, "test")
        .await
        .unwrap();
    store
        .add_menu_version("a", &menu("v2"), 11, "test")
        .await
        .unwrap();
    store.publish_menu("a", 1, 12).await.unwrap();

    let error = "errcode 40016: invalid button size";
    store.record_publish_failure("a", 2, error).await.unwrap();
    let v2 = store.menu_version("a", 2).await.unwrap().unwrap();
    assert_eq!(v2.publish_error.as_deref(), Some(error));
    assert_eq!(v2.published_at, None);
    assert!(!v2.current);
    assert_eq!(store.current_menu("a").await.unwrap().unwrap().version, 1);

    // A later successful publish clears the error.
    store.publish_menu("a", 2, 13).await.unwrap();
    let v2 = store.menu_version("a", 2).await.unwrap().unwrap();
    assert_eq!(
        (v2.publish_error, v2.published_at, v2.current),
        (None, Some(13), true)
    );

    // A failed re-publish of the current version keeps it current and published.
    store
        .record_publish_failure("a", 2, "errcode -1")
        .await
        .unwrap();
    let v2 = store.current_menu("a").await.unwrap().unwrap();
    assert_eq!((v2.version, v2.published_at), (2, Some(13)));
    assert_eq!(v2.publish_error.as_deref(), Some("errcode -1"));
}
on_every_backend!(failed_publish_is_recorded_and_unpublished);

async fn versions_and_current_survive_a_reopen(url: String) {
    let store = Store::open(&url).await.unwrap();
    for i in 1..=3 {
        store
            .add_menu_version("a", &menu(&format!("v{i}")), i, "test")
            .await
            .unwrap();
    }
    store.publish_menu("a", 2, 10).await.unwrap();
    store
        .record_publish_failure("a", 3, "errcode 45064")
        .await
        .unwrap();
    let before = store.menu_versions("a").await.unwrap();
    store.close().await;

    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.menu_versions("a").await.unwrap(), before);
    assert_eq!(store.current_menu("a").await.unwrap().unwrap().version, 2);
    assert_eq!(
        store
            .add_menu_version("a", &menu("v4"), 20, "test")
            .await
            .unwrap()
            .version,
        4
    );
}
on_file_and_postgres!(versions_and_current_survive_a_reopen);

async fn menus_keep_any_json(store: Store) {
    let odd =
        json!({ "button": [], "matchrule": { "tag_id": "2" }, "名": "菜单 \"引号\"", "n": 1.5 });
    store.add_menu_version("a", &odd, 1, "test").await.unwrap();
    assert_eq!(store.menu_version("a", 1).await.unwrap().unwrap().menu, odd);
}
on_every_backend!(menus_keep_any_json);

#[test]
fn menu_version_serializes_every_field() {
    let version = super::MenuVersion {
        version: 3,
        menu: menu("x"),
        created_at: 1,
        saved_by: Some("li".into()),
        published_at: Some(2),
        publish_error: None,
        current: true,
    };
    let value = serde_json::to_value(&version).unwrap();
    assert_eq!(
        value,
        json!({
            "version": 3, "menu": menu("x"), "created_at": 1, "saved_by": "li", "published_at": 2,
            "publish_error": null, "current": true
        })
    );
}
