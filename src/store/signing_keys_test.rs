//! Signing keys: the first key, rotation, dropping retired keys, and the single active key that
//! instances starting at once agree on.

use crate::store::backend::with_pool;
use crate::store::test_util::{on_every_backend, on_file_and_postgres};
use crate::store::{Store, StoreError, StoredSigningKey};

fn pem(name: &str) -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{name}\n-----END PRIVATE KEY-----\n")
}

/// `(kid, retired_at)` of every stored key, in the store's order.
async fn summary(store: &Store) -> Vec<(String, Option<i64>)> {
    store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|key| (key.kid, key.retired_at))
        .collect()
}

fn active(keys: &[(String, Option<i64>)]) -> usize {
    keys.iter().filter(|(_, retired)| retired.is_none()).count()
}

async fn the_first_key_is_created_once(store: Store) {
    assert!(store.signing_keys().await.unwrap().is_empty());
    assert!(
        store
            .create_first_signing_key("k1", &pem("one"), 100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .create_first_signing_key("k2", &pem("two"), 101)
            .await
            .unwrap(),
        "there is an active key already"
    );
    assert!(
        !store
            .create_first_signing_key("k1", &pem("again"), 102)
            .await
            .unwrap()
    );
    assert_eq!(
        store.signing_keys().await.unwrap(),
        [StoredSigningKey {
            kid: "k1".to_owned(),
            private_key_pem: pem("one"),
            created_at: 100,
            retired_at: None,
        }]
    );
}
on_every_backend!(the_first_key_is_created_once);

async fn rotating_retires_the_active_key(store: Store) {
    store
        .rotate_signing_key("k1", &pem("one"), 100)
        .await
        .unwrap();
    assert_eq!(
        summary(&store).await,
        [("k1".to_owned(), None)],
        "rotating an empty store creates the first key"
    );
    store
        .rotate_signing_key("k2", &pem("two"), 200)
        .await
        .unwrap();
    store
        .rotate_signing_key("k3", &pem("three"), 300)
        .await
        .unwrap();
    assert_eq!(
        summary(&store).await,
        [
            ("k3".to_owned(), None),
            ("k2".to_owned(), Some(300)),
            ("k1".to_owned(), Some(200)),
        ]
    );
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys[0].private_key_pem, pem("three"));
    assert_eq!(keys[0].created_at, 300);
    assert!(
        !store
            .create_first_signing_key("k4", &pem("four"), 400)
            .await
            .unwrap()
    );
}
on_every_backend!(rotating_retires_the_active_key);

async fn a_failed_rotation_changes_nothing(store: Store) {
    store
        .rotate_signing_key("k1", &pem("one"), 100)
        .await
        .unwrap();
    store
        .rotate_signing_key("k2", &pem("two"), 200)
        .await
        .unwrap();
    // A kid already stored: the insert fails, and the retirement of k2 is rolled back.
    let err = store
        .rotate_signing_key("k1", &pem("again"), 300)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        summary(&store).await,
        [("k2".to_owned(), None), ("k1".to_owned(), Some(200))]
    );
}
on_every_backend!(a_failed_rotation_changes_nothing);

async fn dropping_keeps_the_active_and_recent_keys(store: Store) {
    for (i, kid) in ["k1", "k2", "k3", "k4"].into_iter().enumerate() {
        let now = 100 * (i as i64 + 1);
        store.rotate_signing_key(kid, &pem(kid), now).await.unwrap();
    }
    // k1 retired at 200, k2 at 300, k3 at 400; k4 active.
    assert_eq!(
        store.drop_signing_keys_retired_before(300).await.unwrap(),
        1
    );
    assert_eq!(
        summary(&store).await,
        [
            ("k4".to_owned(), None),
            ("k3".to_owned(), Some(400)),
            ("k2".to_owned(), Some(300)),
        ]
    );
    assert_eq!(
        store
            .drop_signing_keys_retired_before(i64::MAX)
            .await
            .unwrap(),
        2
    );
    assert_eq!(summary(&store).await, [("k4".to_owned(), None)]);
}
on_every_backend!(dropping_keeps_the_active_and_recent_keys);

async fn the_schema_refuses_a_second_active_key(store: Store) {
    store
        .create_first_signing_key("k1", &pem("one"), 100)
        .await
        .unwrap();
    let err = with_pool!(store, |pool| {
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_key, created_at) VALUES ('k2', 'x', 101)",
        )
        .execute(pool)
        .await
        .unwrap_err()
    });
    assert!(
        err.as_database_error()
            .is_some_and(|err| err.is_unique_violation()),
        "{err}"
    );
    // Retired keys are not limited.
    with_pool!(store, |pool| {
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_key, created_at, retired_at) \
             VALUES ('k0', 'x', 50, 60), ('k00', 'y', 70, 80)",
        )
        .execute(pool)
        .await
        .unwrap();
    });
    assert_eq!(store.signing_keys().await.unwrap().len(), 3);
}
on_every_backend!(the_schema_refuses_a_second_active_key);

async fn concurrent_first_keys_leave_one_active(store: Store) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_first_signing_key(&format!("k{i}"), &pem("p"), 100)
                    .await
            })
        })
        .collect();
    let mut inserted = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() {
            inserted += 1;
        }
    }
    assert_eq!(inserted, 1);
    let keys = summary(&store).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(active(&keys), 1);
}
on_every_backend!(concurrent_first_keys_leave_one_active);

/// Two gateway instances (two stores, each with its own pool) starting at once on a database
/// without a key: both try to create the first key, exactly one succeeds, and both then see
/// the same single active key.
async fn two_instances_creating_the_first_key_agree(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    for round in 0..5 {
        with_pool!(one, |pool| {
            sqlx::query("DELETE FROM signing_keys")
                .execute(pool)
                .await
                .unwrap();
        });
        let (a, b) = tokio::join!(
            tokio::spawn({
                let one = one.clone();
                async move {
                    one.create_first_signing_key(&format!("a{round}"), &pem("a"), 1)
                        .await
                }
            }),
            tokio::spawn({
                let two = two.clone();
                async move {
                    two.create_first_signing_key(&format!("b{round}"), &pem("b"), 1)
                        .await
                }
            }),
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert!(a ^ b, "exactly one insert wins: {a} {b}");
        let seen_by_one = summary(&one).await;
        assert_eq!(seen_by_one.len(), 1);
        assert_eq!(active(&seen_by_one), 1);
        assert_eq!(summary(&two).await, seen_by_one);
    }
}
on_file_and_postgres!(two_instances_creating_the_first_key_agree);

/// Rotations running at once never leave two active keys: each either completes or fails
/// without a change.
async fn concurrent_rotations_leave_one_active(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    one.rotate_signing_key("k0", &pem("0"), 1).await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            tokio::spawn(async move {
                store
                    .rotate_signing_key(&format!("k{}", i + 1), &pem("p"), 10 + i)
                    .await
            })
        })
        .collect();
    let mut completed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => completed += 1,
            Err(StoreError::Database(message)) => {
                assert!(message.contains("try again"), "{message}")
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(completed >= 1);
    let keys = summary(&one).await;
    assert_eq!(keys.len(), completed + 1);
    assert_eq!(active(&keys), 1);
}
on_file_and_postgres!(concurrent_rotations_leave_one_active);

#[test]
fn debug_hides_the_private_key() {
    let key = StoredSigningKey {
        kid: "k1".to_owned(),
        private_key_pem: pem("very-secret"),
        created_at: 1,
        retired_at: None,
    };
    let text = format!("{key:?}");
    assert!(text.contains("k1"), "{text}");
    assert!(!text.contains("very-secret"), "{text}");
}
