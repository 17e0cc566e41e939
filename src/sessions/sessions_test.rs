//! Sessions on SQLite and PostgreSQL: create, find, end and expiry; sessions bound to their
//! account; `key_changed` after a later login with another session_key; instances sharing a
//! database; and a database that holds no session_key, in clear or encoded.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore as _;

use super::*;
use crate::store::test_postgres::fresh_database_url;

/// The lifetime the tests give sessions.
const TTL: Duration = Duration::from_secs(3600);
/// A fixed "now" for the tests that inject the time.
const T0: i64 = 1_700_000_000;
/// WeChat's documented session_key (the encrypted-data example).
const DOC_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";

fn sealer(byte: u8) -> Sealer {
    Sealer::new(&[byte; 32])
}

/// A session_key as WeChat gives them: 16 random bytes, base64.
fn random_session_key() -> String {
    let mut key = [0u8; 16];
    rand::rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}

/// Where a test's database lives: the URL, and the directory of a SQLite file (kept as long as
/// the test runs).
struct Database {
    url: String,
    dir: Option<tempfile::TempDir>,
}

impl Database {
    fn sqlite_file() -> Database {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        Database {
            url,
            dir: Some(dir),
        }
    }

    fn postgres() -> Database {
        Database {
            url: fresh_database_url(),
            dir: None,
        }
    }

    async fn sessions(&self, sealer: Sealer) -> Sessions {
        Sessions::new(Store::open(&self.url).await.unwrap(), sealer, TTL)
    }

    /// Runs one statement on the database, beside the store.
    async fn execute(&self, sql: &str) {
        if self.dir.is_some() {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// Runs `$check(database)` as two tests: on a new SQLite file and on a new PostgreSQL database.
macro_rules! on_sqlite_and_postgres {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$check(super::Database::sqlite_file()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$check(super::Database::postgres()).await;
            }
        }
    };
}

async fn a_session_is_found_on_its_account_until_it_ends(db: Database) {
    let sessions = db.sessions(sealer(1)).await;
    let (bearer, lifetime) = sessions
        .create_at(T0, "shop", "o-alice", Some("u-alice"), DOC_KEY)
        .await
        .unwrap();
    assert_eq!(lifetime, TTL);
    assert_eq!(bearer.len(), 43, "{bearer}");
    assert_eq!(URL_SAFE_NO_PAD.decode(&bearer).unwrap().len(), 32);

    let found = sessions.find_at(T0 + 1, "shop", &bearer).await.unwrap();
    assert_eq!(
        found,
        Some(Session {
            account: "shop".to_owned(),
            openid: "o-alice".to_owned(),
            unionid: Some("u-alice".to_owned()),
            session_key: DOC_KEY.to_owned(),
            key_changed: false,
            expires_at: T0 + 3600,
        })
    );
    // Through the clock too: a session made now is live now.
    let (now_bearer, _) = sessions
        .create("shop", "o-bob", None, DOC_KEY)
        .await
        .unwrap();
    let now = sessions.find("shop", &now_bearer).await.unwrap().unwrap();
    assert_eq!(now.unionid, None);
    assert!(now.expires_at > clock::unix_secs_i64());

    // Another account, another bearer, or no bearer at all: nothing.
    assert_eq!(
        sessions.find_at(T0 + 1, "other", &bearer).await.unwrap(),
        None
    );
    let mut other = [0u8; 32];
    rand::rng().fill_bytes(&mut other);
    let other = URL_SAFE_NO_PAD.encode(other);
    assert_eq!(
        sessions.find_at(T0 + 1, "shop", &other).await.unwrap(),
        None
    );
    let plus = bearer.replace(|c: char| c.is_ascii_alphanumeric(), "+");
    let longer = format!("{bearer}A");
    for malformed in ["", "x", &bearer[..42], &longer, &plus] {
        assert_eq!(
            sessions.find_at(T0 + 1, "shop", malformed).await.unwrap(),
            None,
            "{malformed}"
        );
        assert!(!sessions.end("shop", malformed).await.unwrap());
    }

    // Ending it on another account does nothing; on its own, once.
    assert!(!sessions.end("other", &bearer).await.unwrap());
    assert!(
        sessions
            .find_at(T0 + 1, "shop", &bearer)
            .await
            .unwrap()
            .is_some()
    );
    assert!(sessions.end("shop", &bearer).await.unwrap());
    assert!(!sessions.end("shop", &bearer).await.unwrap());
    assert_eq!(
        sessions.find_at(T0 + 1, "shop", &bearer).await.unwrap(),
        None
    );
    assert!(
        sessions.find("shop", &now_bearer).await.unwrap().is_some(),
        "the other session stays"
    );
}
on_sqlite_and_postgres!(a_session_is_found_on_its_account_until_it_ends);

async fn a_session_expires_after_its_lifetime(db: Database) {
    let sessions = db.sessions(sealer(1)).await;
    let (old, _) = sessions
        .create_at(T0, "shop", "o-alice", None, DOC_KEY)
        .await
        .unwrap();
    let (newer, _) = sessions
        .create_at(T0 + 100, "shop", "o-alice", None, DOC_KEY)
        .await
        .unwrap();
    let ends = T0 + 3600;
    assert!(
        sessions
            .find_at(ends - 1, "shop", &old)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(sessions.find_at(ends, "shop", &old).await.unwrap(), None);
    assert!(
        sessions
            .find_at(ends, "shop", &newer)
            .await
            .unwrap()
            .is_some()
    );

    assert_eq!(sessions.purge_expired_at(ends - 1).await.unwrap(), 0);
    assert_eq!(sessions.purge_expired_at(ends).await.unwrap(), 1);
    assert!(!sessions.end("shop", &old).await.unwrap(), "purged");
    assert!(
        sessions
            .find_at(ends, "shop", &newer)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(sessions.purge_expired_at(ends + 100).await.unwrap(), 1);
    // With the real clock, the sessions of 2023 are long expired.
    let (_, _) = sessions
        .create_at(T0, "shop", "o-carol", None, DOC_KEY)
        .await
        .unwrap();
    assert_eq!(sessions.purge_expired().await.unwrap(), 1);
}
on_sqlite_and_postgres!(a_session_expires_after_its_lifetime);

async fn a_later_login_with_another_key_marks_the_earlier_sessions(db: Database) {
    let sessions = db.sessions(sealer(1)).await;
    let (k1, k2) = (random_session_key(), random_session_key());
    let (first, _) = sessions
        .create_at(T0, "shop", "o-alice", None, &k1)
        .await
        .unwrap();
    // The same key again (WeChat often keeps it across logins): nothing changed.
    let (same, _) = sessions
        .create_at(T0 + 1, "shop", "o-alice", None, &k1)
        .await
        .unwrap();
    for bearer in [&first, &same] {
        let session = sessions
            .find_at(T0 + 2, "shop", bearer)
            .await
            .unwrap()
            .unwrap();
        assert!(!session.key_changed);
        assert_eq!(session.session_key, k1);
    }

    // Another user's login, and the same openid on another account, change nothing here.
    sessions
        .create_at(T0 + 2, "shop", "o-bob", None, &k2)
        .await
        .unwrap();
    sessions
        .create_at(T0 + 2, "other", "o-alice", None, &k2)
        .await
        .unwrap();
    let session = sessions
        .find_at(T0 + 3, "shop", &first)
        .await
        .unwrap()
        .unwrap();
    assert!(!session.key_changed);

    // A new key for this user: the earlier sessions still answer, marked.
    let (second, _) = sessions
        .create_at(T0 + 3, "shop", "o-alice", None, &k2)
        .await
        .unwrap();
    for bearer in [&first, &same] {
        let session = sessions
            .find_at(T0 + 4, "shop", bearer)
            .await
            .unwrap()
            .unwrap();
        assert!(session.key_changed);
        assert_eq!(session.session_key, k1, "its own key, still");
    }
    let latest = sessions
        .find_at(T0 + 4, "shop", &second)
        .await
        .unwrap()
        .unwrap();
    assert!(!latest.key_changed);
    assert_eq!(latest.session_key, k2);

    // Back to the first key: the second session is now the changed one.
    let (third, _) = sessions
        .create_at(T0 + 5, "shop", "o-alice", None, &k1)
        .await
        .unwrap();
    assert!(
        !sessions
            .find_at(T0 + 6, "shop", &first)
            .await
            .unwrap()
            .unwrap()
            .key_changed
    );
    assert!(
        sessions
            .find_at(T0 + 6, "shop", &second)
            .await
            .unwrap()
            .unwrap()
            .key_changed
    );
    assert!(
        !sessions
            .find_at(T0 + 6, "shop", &third)
            .await
            .unwrap()
            .unwrap()
            .key_changed
    );
}
on_sqlite_and_postgres!(a_later_login_with_another_key_marks_the_earlier_sessions);

/// Two gateway instances (two stores, each with its own pool) on one database see each
/// other's sessions, logins and logouts.
async fn two_instances_share_sessions(db: Database) {
    let one = db.sessions(sealer(1)).await;
    let two = db.sessions(sealer(1)).await;
    let (k1, k2) = (random_session_key(), random_session_key());
    let (bearer, _) = one.create("shop", "o-alice", None, &k1).await.unwrap();
    let seen = two.find("shop", &bearer).await.unwrap().unwrap();
    assert_eq!(seen.session_key, k1);
    assert!(!seen.key_changed);

    let (later, _) = two.create("shop", "o-alice", None, &k2).await.unwrap();
    assert!(
        one.find("shop", &bearer)
            .await
            .unwrap()
            .unwrap()
            .key_changed
    );
    assert_eq!(
        one.find("shop", &later).await.unwrap().unwrap().session_key,
        k2
    );

    assert!(two.end("shop", &bearer).await.unwrap());
    assert_eq!(one.find("shop", &bearer).await.unwrap(), None);
    assert!(one.end("shop", &later).await.unwrap());
    assert_eq!(two.find("shop", &later).await.unwrap(), None);
}
on_sqlite_and_postgres!(two_instances_share_sessions);

/// A session sealed under another `[sessions] key`, or whose sealed key was moved to another
/// user's row, is refused like an unknown one.
async fn a_session_key_that_does_not_open_is_refused(db: Database) {
    let sessions = db.sessions(sealer(1)).await;
    let (alice, _) = sessions
        .create_at(T0, "shop", "o-alice", None, DOC_KEY)
        .await
        .unwrap();
    let rekeyed = db.sessions(sealer(2)).await;
    assert_eq!(rekeyed.find_at(T0, "shop", &alice).await.unwrap(), None);

    let (bob, _) = sessions
        .create_at(T0, "shop", "o-bob", None, &random_session_key())
        .await
        .unwrap();
    db.execute(
        "UPDATE mp_sessions SET sealed_key = \
         (SELECT sealed_key FROM mp_sessions WHERE openid = 'o-alice') \
         WHERE openid = 'o-bob'",
    )
    .await;
    assert_eq!(sessions.find_at(T0, "shop", &bob).await.unwrap(), None);
    assert!(
        sessions
            .find_at(T0, "shop", &alice)
            .await
            .unwrap()
            .is_some()
    );
}
on_sqlite_and_postgres!(a_session_key_that_does_not_open_is_refused);

/// The forms of a session_key a copied database must not contain: the text WeChat gave, its
/// bytes, those bytes in hex and in base64url, and the text in base64.
fn forms_of(session_key: &str) -> Vec<Vec<u8>> {
    let raw = STANDARD.decode(session_key).unwrap();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        session_key.as_bytes().to_vec(),
        session_key.trim_end_matches('=').as_bytes().to_vec(),
        raw.clone(),
        hex.as_bytes().to_vec(),
        hex.to_uppercase().into_bytes(),
        URL_SAFE_NO_PAD.encode(&raw).into_bytes(),
        STANDARD
            .encode(session_key)
            .trim_end_matches('=')
            .as_bytes()
            .to_vec(),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Logins with several session_keys; returns the keys and the bearers.
async fn log_in_many(sessions: &Sessions) -> (Vec<String>, Vec<String>) {
    let mut keys = vec![DOC_KEY.to_owned()];
    keys.extend((0..20).map(|_| random_session_key()));
    let mut bearers = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let (bearer, _) = sessions
            .create("shop", &format!("o-{}", i % 7), None, key)
            .await
            .unwrap();
        bearers.push(bearer);
    }
    // Every key is still there, for the gateway.
    for (bearer, key) in bearers.iter().zip(&keys) {
        assert_eq!(
            &sessions
                .find("shop", bearer)
                .await
                .unwrap()
                .unwrap()
                .session_key,
            key
        );
    }
    (keys, bearers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_file_holds_no_session_key_nor_bearer() {
    let db = Database::sqlite_file();
    let sessions = db.sessions(sealer(1)).await;
    let (keys, bearers) = log_in_many(&sessions).await;

    // Every file SQLite wrote (the database, its write-ahead log, the shared memory).
    let dir = db.dir.as_ref().unwrap().path();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(
        contains(&bytes, b"o-6"),
        "the files hold the sessions ({} bytes read)",
        bytes.len()
    );
    for key in &keys {
        for form in forms_of(key) {
            assert!(
                !contains(&bytes, &form),
                "{key} found in the database files"
            );
        }
    }
    for bearer in &bearers {
        assert!(!contains(&bytes, bearer.as_bytes()), "a bearer was stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_tables_hold_no_session_key_nor_bearer() {
    let db = Database::postgres();
    let sessions = db.sessions(sealer(1)).await;
    let (keys, bearers) = log_in_many(&sessions).await;

    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let mut text = String::new();
    for table in ["mp_sessions", "mp_current_keys"] {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::TEXT FROM {table} t"))
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table} is empty");
        text.push_str(&rows.join("\n"));
    }
    assert!(text.contains("o-6"), "{text}");
    for key in &keys {
        for form in forms_of(key) {
            assert!(!contains(text.as_bytes(), &form), "{key} found in:\n{text}");
        }
    }
    for bearer in &bearers {
        assert!(!text.contains(bearer.as_str()), "a bearer was stored");
    }
    pool.close().await;
}

#[test]
fn bearers_are_well_formed_only_as_handed_out() {
    assert!(well_formed(&URL_SAFE_NO_PAD.encode([0xffu8; 32])));
    assert!(well_formed("A-_zA-_zA-_zA-_zA-_zA-_zA-_zA-_zA-_zA-_z09a"));
    assert!(!well_formed(&"A".repeat(42)));
    assert!(!well_formed(&"A".repeat(44)));
    assert!(!well_formed(&format!("{}=", "A".repeat(42))));
    assert!(!well_formed(&format!("{}+", "A".repeat(42))));
    assert!(!well_formed(&format!("{}é", "A".repeat(41))));
}

#[test]
fn the_aad_tells_every_account_and_openid_apart() {
    assert_ne!(aad("ab", "c"), aad("a", "bc"));
    assert_ne!(aad("shop", "o-1"), aad("shop", "o-2"));
    assert_eq!(aad("shop", "o-1"), aad("shop", "o-1"));
}

#[tokio::test]
async fn debug_shows_no_session_key_nor_sealing_key() {
    let session = Session {
        account: "shop".to_owned(),
        openid: "o-alice".to_owned(),
        unionid: None,
        session_key: DOC_KEY.to_owned(),
        key_changed: true,
        expires_at: T0,
    };
    let text = format!("{session:?}");
    assert!(text.contains("o-alice"), "{text}");
    assert!(!text.contains("tiihtNczf5v6AKRyjwEUhQ"), "{text}");

    let store = Store::open("sqlite::memory:").await.unwrap();
    let sessions = Sessions::new(store, Sealer::new(&[0x5a; 32]), TTL);
    let text = format!("{sessions:?}");
    assert!(text.contains("Sealer(..)"), "{text}");
}
