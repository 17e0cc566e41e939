//! QR codes: recording and listing, the permanent count, and counts per scene.

use super::{NewQrCode, QrCountDelta};
use crate::store::Store;
use crate::store::test_util::{on_every_backend, on_file_and_postgres};

fn permanent(scene: &str, scene_is_int: bool) -> NewQrCode {
    NewQrCode {
        scene: scene.to_owned(),
        scene_is_int,
        permanent: true,
        ticket: format!("ticket-{scene}"),
        url: format!("http://weixin.qq.com/q/{scene}"),
        expires_at: None,
    }
}

fn temporary(scene: &str, expires_at: i64) -> NewQrCode {
    NewQrCode {
        permanent: false,
        expires_at: Some(expires_at),
        ..permanent(scene, false)
    }
}

fn delta(account: &str, scene: &str, scans: i64, subscribes: i64) -> QrCountDelta {
    QrCountDelta {
        account: account.to_owned(),
        scene: scene.to_owned(),
        scans,
        subscribes,
    }
}

/// `(scene, scans, subscribes)` of every code of the account, in list order.
async fn counts(store: &Store, account: &str) -> Vec<(String, i64, i64)> {
    let codes = store.qrcodes(account).await.unwrap();
    codes
        .into_iter()
        .map(|c| (c.scene, c.scans, c.subscribes))
        .collect()
}

fn triple(scene: &str, scans: i64, subscribes: i64) -> (String, i64, i64) {
    (scene.to_owned(), scans, subscribes)
}

async fn codes_are_listed_in_creation_order(store: Store) {
    assert!(store.qrcodes("a").await.unwrap().is_empty());
    let first = store
        .add_qrcode("a", &permanent("42", true), 100)
        .await
        .unwrap();
    let second = store
        .add_qrcode("a", &temporary("promo", 2_692_100), 101)
        .await
        .unwrap();
    let third = store
        .add_qrcode("a", &permanent("shop", false), 102)
        .await
        .unwrap();
    store
        .add_qrcode("b", &permanent("42", true), 103)
        .await
        .unwrap();

    assert!(first.id < second.id && second.id < third.id);
    assert_eq!(first.scene, "42");
    assert!(first.scene_is_int && first.permanent);
    assert_eq!(first.ticket, "ticket-42");
    assert_eq!(first.url, "http://weixin.qq.com/q/42");
    assert_eq!((first.created_at, first.expires_at), (100, None));
    assert_eq!((first.scans, first.subscribes), (0, 0));
    assert!(!second.permanent && !second.scene_is_int);
    assert_eq!(second.expires_at, Some(2_692_100));

    let listed = store.qrcodes("a").await.unwrap();
    assert_eq!(listed, [first, second, third]);
    assert_eq!(store.qrcodes("b").await.unwrap().len(), 1);
}
on_every_backend!(codes_are_listed_in_creation_order);

async fn a_code_is_found_by_its_account_and_id(store: Store) {
    let code = store
        .add_qrcode("a", &temporary("promo", 2_692_100), 100)
        .await
        .unwrap();
    store
        .add_qr_counts(&[delta("a", "promo", 3, 1)])
        .await
        .unwrap();
    let found = store.qrcode("a", code.id).await.unwrap().unwrap();
    assert_eq!(found.url, "http://weixin.qq.com/q/promo");
    assert_eq!((found.scans, found.subscribes), (3, 1));
    assert_eq!(
        store.qrcode("b", code.id).await.unwrap(),
        None,
        "another account's"
    );
    assert_eq!(store.qrcode("a", code.id + 1).await.unwrap(), None);
}
on_every_backend!(a_code_is_found_by_its_account_and_id);

async fn permanent_codes_are_counted_per_account(store: Store) {
    assert_eq!(store.count_permanent_qrcodes("a").await.unwrap(), 0);
    store
        .add_qrcode("a", &permanent("1", true), 1)
        .await
        .unwrap();
    store.add_qrcode("a", &temporary("2", 99), 1).await.unwrap();
    store
        .add_qrcode("a", &permanent("x", false), 1)
        .await
        .unwrap();
    store
        .add_qrcode("b", &permanent("1", true), 1)
        .await
        .unwrap();
    assert_eq!(store.count_permanent_qrcodes("a").await.unwrap(), 2);
    assert_eq!(store.count_permanent_qrcodes("b").await.unwrap(), 1);
    assert_eq!(store.count_permanent_qrcodes("c").await.unwrap(), 0);
}
on_every_backend!(permanent_codes_are_counted_per_account);

async fn count_deltas_accumulate(store: Store) {
    store
        .add_qrcode("a", &permanent("promo", false), 1)
        .await
        .unwrap();
    store
        .add_qrcode("a", &permanent("7", true), 2)
        .await
        .unwrap();
    store
        .add_qr_counts(&[delta("a", "promo", 1, 0), delta("a", "7", 2, 1)])
        .await
        .unwrap();
    store
        .add_qr_counts(&[
            delta("a", "promo", 3, 2),
            delta("a", "promo", 1, 0),
            delta("b", "promo", 5, 5),
        ])
        .await
        .unwrap();
    store.add_qr_counts(&[]).await.unwrap();
    store.add_qr_counts(&[delta("a", "7", 0, 0)]).await.unwrap();
    assert_eq!(
        counts(&store, "a").await,
        [triple("promo", 5, 2), triple("7", 2, 1)]
    );
}
on_every_backend!(count_deltas_accumulate);

async fn codes_sharing_a_scene_share_its_counts(store: Store) {
    // Counts can arrive before any code for the scene is recorded; they are kept.
    store
        .add_qr_counts(&[delta("a", "early", 4, 3)])
        .await
        .unwrap();
    assert!(store.qrcodes("a").await.unwrap().is_empty());

    let code = store
        .add_qrcode("a", &temporary("early", 500), 10)
        .await
        .unwrap();
    assert_eq!(
        (code.scans, code.subscribes),
        (4, 3),
        "counts already there show at once"
    );

    store
        .add_qrcode("a", &temporary("early", 900), 20)
        .await
        .unwrap();
    store
        .add_qrcode("b", &temporary("early", 900), 20)
        .await
        .unwrap();
    store
        .add_qr_counts(&[delta("a", "early", 1, 0)])
        .await
        .unwrap();
    assert_eq!(
        counts(&store, "a").await,
        [triple("early", 5, 3), triple("early", 5, 3)]
    );
    assert_eq!(
        counts(&store, "b").await,
        [triple("early", 0, 0)],
        "per account"
    );
}
on_every_backend!(codes_sharing_a_scene_share_its_counts);

async fn codes_and_counts_survive_a_reopen(url: String) {
    let store = Store::open(&url).await.unwrap();
    store
        .add_qrcode("a", &permanent("promo", false), 1)
        .await
        .unwrap();
    store
        .add_qr_counts(&[delta("a", "promo", 2, 1)])
        .await
        .unwrap();
    store
        .add_qr_counts(&[delta("a", "later", 7, 0)])
        .await
        .unwrap();
    let before = store.qrcodes("a").await.unwrap();
    store.close().await;

    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.qrcodes("a").await.unwrap(), before);
    store
        .add_qr_counts(&[delta("a", "promo", 1, 1)])
        .await
        .unwrap();
    store
        .add_qrcode("a", &permanent("later", false), 2)
        .await
        .unwrap();
    assert_eq!(
        counts(&store, "a").await,
        [triple("promo", 3, 2), triple("later", 7, 0)]
    );
    assert_eq!(store.count_permanent_qrcodes("a").await.unwrap(), 2);
}
on_file_and_postgres!(codes_and_counts_survive_a_reopen);

async fn concurrent_count_batches_all_land(url: String) {
    let one = Store::open(&url).await.unwrap();
    let two = Store::open(&url).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            // Two stores (two instances), with the scenes of a batch in either order.
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            let mut batch = vec![delta("a", "s", 1, 0), delta("a", "t", 0, 1)];
            if i % 4 < 2 {
                batch.reverse();
            }
            tokio::spawn(async move { store.add_qr_counts(&batch).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    one.add_qrcode("a", &permanent("s", false), 1)
        .await
        .unwrap();
    two.add_qrcode("a", &permanent("t", false), 1)
        .await
        .unwrap();
    let expected = [triple("s", 20, 0), triple("t", 0, 20)];
    assert_eq!(counts(&one, "a").await, expected);
    assert_eq!(counts(&two, "a").await, expected);
}
on_file_and_postgres!(concurrent_count_batches_all_land);
