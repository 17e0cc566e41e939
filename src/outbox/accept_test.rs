//! The group commit: concurrent accepts share transactions, each gets its own answer, and 50
//! copies of one request store one message.

use std::collections::HashSet;

use futures_util::future::join_all;

use super::Acceptor;
use crate::store::test_postgres::fresh_database_url;
use crate::store::{Accepted, MessageKind, NewMessage, Store, StoreError};

fn message(id: &str, key: &str) -> NewMessage {
    NewMessage {
        id: id.to_owned(),
        account: "shop".to_owned(),
        client_id: "app".to_owned(),
        kind: MessageKind::Custom,
        recipient: "o-alice".to_owned(),
        payload: r#"{"touser":"o-alice","msgtype":"text","text":{"content":"hi"}}"#.to_owned(),
        idempotency_key: key.to_owned(),
        body_hash: "h".to_owned(),
        created_at: 1_700_000_000,
    }
}

/// A new SQLite file (keep the directory) or a new PostgreSQL database.
fn database(postgres: bool) -> (String, Option<tempfile::TempDir>) {
    if postgres {
        (fresh_database_url(), None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        (url, Some(dir))
    }
}

/// 50 concurrent copies of one request, through one acceptor per store (`stores` instances on
/// one database): one Created, 49 Existing, all with the same id.
async fn fifty_copies_store_one_message(postgres: bool, stores: usize) {
    let (url, _dir) = database(postgres);
    let mut acceptors = Vec::new();
    for _ in 0..stores {
        let store = Store::open(&url).await.unwrap();
        acceptors.push(Acceptor::start(store).0);
    }
    let requests: Vec<_> = (0..50)
        .map(|n| {
            let acceptor = acceptors[n % stores].clone();
            tokio::spawn(async move { acceptor.accept(message(&format!("m{n}"), "same")).await })
        })
        .collect();
    let mut created = 0;
    let mut ids = HashSet::new();
    for request in requests {
        match request.await.unwrap().unwrap() {
            Accepted::Created(message) => {
                created += 1;
                ids.insert(message.id);
            }
            Accepted::Existing { message, same_body } => {
                assert!(same_body);
                ids.insert(message.id);
            }
        }
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_copies_store_one_message_on_file() {
    fifty_copies_store_one_message(false, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_copies_store_one_message_on_postgres() {
    fifty_copies_store_one_message(true, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_copies_on_two_instances_store_one_message_on_file() {
    fifty_copies_store_one_message(false, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_copies_on_two_instances_store_one_message_on_postgres() {
    fifty_copies_store_one_message(true, 2).await;
}

/// Many distinct requests at once (batched as they queue up): each is stored and answered with
/// its own message.
async fn concurrent_requests_share_commits(postgres: bool) {
    let (url, _dir) = database(postgres);
    let store = Store::open(&url).await.unwrap();
    let (acceptor, task) = Acceptor::start(store.clone());
    let requests: Vec<_> = (0..200)
        .map(|n| {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let id = format!("m{n}");
                let answer = acceptor.accept(message(&id, &format!("k{n}"))).await;
                (id, answer)
            })
        })
        .collect();
    for request in requests {
        let (id, answer) = request.await.unwrap();
        match answer.unwrap() {
            Accepted::Created(message) => assert_eq!(message.id, id),
            other => panic!("expected Created, got {other:?}"),
        }
    }
    assert_eq!(
        store.outbox_depth().await.unwrap(),
        [("shop".to_owned(), 200)]
    );
    // The task ends with the last acceptor.
    drop(acceptor);
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_commits_on_file() {
    concurrent_requests_share_commits(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_commits_on_postgres() {
    concurrent_requests_share_commits(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_bad_message_fails_only_its_own_request() {
    let (url, _dir) = database(false);
    let store = Store::open(&url).await.unwrap();
    store
        .accept_messages(&[message("taken", "k0")])
        .await
        .unwrap();
    let (acceptor, _task) = Acceptor::start(store.clone());
    // Queued together, they make one batch (or two), which fails as a whole and is then stored
    // message by message.
    let answers = join_all([
        acceptor.accept(message("m1", "k1")),
        acceptor.accept(message("taken", "k2")),
        acceptor.accept(message("m3", "k3")),
    ])
    .await;
    assert!(
        matches!(answers[0], Ok(Accepted::Created(_))),
        "{answers:?}"
    );
    assert!(
        matches!(answers[1], Err(StoreError::Database(_))),
        "{answers:?}"
    );
    assert!(
        matches!(answers[2], Ok(Accepted::Created(_))),
        "{answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_acceptor_answers_with_an_error() {
    let (url, _dir) = database(false);
    let store = Store::open(&url).await.unwrap();
    let (acceptor, task) = Acceptor::start(store);
    task.abort();
    let _ = task.await;
    let err = acceptor.accept(message("m1", "k1")).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}
