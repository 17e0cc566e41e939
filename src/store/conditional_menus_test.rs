//! Conditional menus: recording, listing oldest first, per account, deleting, and a reopen.

use serde_json::json;

use super::ConditionalMenu;
use crate::store::Store;
use crate::store::test_util::{on_every_backend, on_file_and_postgres};

fn menu(menuid: &str, created_at: i64) -> ConditionalMenu {
    ConditionalMenu {
        menuid: menuid.to_owned(),
        button: json!([{ "type": "click", "name": format!("菜单{menuid}"), "key": "K" }]),
        matchrule: json!({ "tag_id": "2", "client_platform_type": "1" }),
        created_at,
        created_by: "li".to_owned(),
    }
}

fn ids(menus: &[ConditionalMenu]) -> Vec<&str> {
    menus.iter().map(|m| m.menuid.as_str()).collect()
}

async fn menus_are_listed_oldest_first_per_account(store: Store) {
    assert!(store.conditional_menus("a").await.unwrap().is_empty());
    store
        .add_conditional_menu("a", &menu("300", 20))
        .await
        .unwrap();
    store
        .add_conditional_menu("a", &menu("100", 10))
        .await
        .unwrap();
    store
        .add_conditional_menu("b", &menu("200", 15))
        .await
        .unwrap();

    let a = store.conditional_menus("a").await.unwrap();
    assert_eq!(ids(&a), ["100", "300"]);
    assert_eq!(a[0], menu("100", 10), "every field comes back");
    assert_eq!(ids(&store.conditional_menus("b").await.unwrap()), ["200"]);
}
on_every_backend!(menus_are_listed_oldest_first_per_account);

async fn deleting_removes_one_menu_of_one_account(store: Store) {
    store
        .add_conditional_menu("a", &menu("1", 1))
        .await
        .unwrap();
    store
        .add_conditional_menu("a", &menu("2", 2))
        .await
        .unwrap();
    store
        .add_conditional_menu("b", &menu("1", 3))
        .await
        .unwrap();

    assert!(store.delete_conditional_menu("a", "1").await.unwrap());
    assert!(
        !store.delete_conditional_menu("a", "1").await.unwrap(),
        "already gone"
    );
    assert!(!store.delete_conditional_menu("c", "2").await.unwrap());
    assert_eq!(ids(&store.conditional_menus("a").await.unwrap()), ["2"]);
    assert_eq!(ids(&store.conditional_menus("b").await.unwrap()), ["1"]);

    assert_eq!(store.clear_conditional_menus("a").await.unwrap(), 1);
    assert!(store.conditional_menus("a").await.unwrap().is_empty());
    assert_eq!(ids(&store.conditional_menus("b").await.unwrap()), ["1"]);
}
on_every_backend!(deleting_removes_one_menu_of_one_account);

async fn a_menuid_recorded_again_is_replaced(store: Store) {
    store
        .add_conditional_menu("a", &menu("7", 1))
        .await
        .unwrap();
    let again = ConditionalMenu {
        matchrule: json!({ "tag_id": "9" }),
        created_by: "api".to_owned(),
        ..menu("7", 5)
    };
    store.add_conditional_menu("a", &again).await.unwrap();
    assert_eq!(store.conditional_menus("a").await.unwrap(), [again]);
}
on_every_backend!(a_menuid_recorded_again_is_replaced);

async fn menus_survive_a_reopen(url: String) {
    let store = Store::open(&url).await.unwrap();
    store
        .add_conditional_menu("a", &menu("42", 1))
        .await
        .unwrap();
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.conditional_menus("a").await.unwrap(), [menu("42", 1)]);
}
on_file_and_postgres!(menus_survive_a_reopen);

#[test]
fn a_menu_serializes_every_field() {
    assert_eq!(
        serde_json::to_value(menu("42", 1)).unwrap(),
        json!({
            "menuid": "42",
            "button": [{ "type": "click", "name": "菜单42", "key": "K" }],
            "matchrule": { "tag_id": "2", "client_platform_type": "1" },
            "created_at": 1,
            "created_by": "li"
        })
    );
}
