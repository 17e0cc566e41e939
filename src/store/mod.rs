//! The admin data store: menu versions, QR codes, signing keys, mini-program sessions and the
//! outbox of messages to send, kept in SQLite or PostgreSQL.
//!
//! - **Menus**: every menu saved for an account is a new version, numbered per account from 1
//!   and never overwritten ([`Store::add_menu_version`]). Publishing a version makes it the
//!   account's current menu ([`Store::publish_menu`]); a failed publish is recorded on the version
//!   ([`Store::record_publish_failure`]); deleting the menu at WeChat clears the current one but
//!   keeps every version ([`Store::clear_current_menu`]).
//! - **QR codes**: every code created ([`Store::add_qrcode`]), and the scans and subscribes per
//!   scene ([`Store::add_qr_counts`]). Codes that share a scene report the same counts.
//! - **Signing keys**: the OpenID Connect provider's RSA keys, one active at a time
//!   ([`Store::signing_keys`], [`Store::create_first_signing_key`],
//!   [`Store::rotate_signing_key`], [`Store::drop_signing_keys_retired_before`]).
//! - **Mini-program sessions**: the SHA-256 of each bearer, its user and sealed session_key,
//!   and each user's current key fingerprint ([`Store::create_mp_session`],
//!   [`Store::mp_session`], [`Store::delete_mp_session`], [`Store::purge_expired_mp_sessions`]).
//! - **The outbox**: messages accepted from apps under an idempotency key, in batches
//!   ([`Store::accept_messages`]); claimed by the senders of every instance under a lease
//!   ([`Store::claim_messages`]) until their outcome is recorded ([`Store::record_outcome`],
//!   [`Store::template_finished`]); and the webhook events telling the apps
//!   ([`Store::claim_webhooks`]).
//! - **Conditional menus**: those WeChat accepted, by menuid ([`Store::add_conditional_menu`],
//!   [`Store::conditional_menus`], [`Store::delete_conditional_menu`],
//!   [`Store::clear_conditional_menus`]).
//! - **Console sessions**: the SHA-256 of each console cookie, its admin and when it was last
//!   used ([`Store::create_console_session`], [`Store::console_session`],
//!   [`Store::touch_console_session`], [`Store::delete_console_session`],
//!   [`Store::purge_console_sessions`]).
//! - **The audit log**: who changed what, and every sign-in ([`Store::record_audit`],
//!   [`Store::audit_entries`], [`Store::failed_sign_ins_since`]).
//!
//! Every write is committed (on SQLite with `synchronous=FULL`, on disk) before its method
//! returns, so an admin request answered 2xx is never lost; nothing is cached in the process, so
//! with PostgreSQL every gateway instance sharing the database sees a write at once. Timestamps
//! are Unix seconds chosen by the caller.
//!
//! The schema lives in `migrations/sqlite/` and `migrations/postgres/` (the same tables); the
//! files are embedded in the binary and applied in order by [`Store::open`]. What depends on
//! the database (URL, connection settings, how a write transaction starts, which migrations to
//! embed, how migrating is serialized) is in `sqlite.rs` and `postgres.rs`; the queries in
//! `menus.rs`, `conditional_menus.rs`, `qrcodes.rs`, `signing_keys.rs`, `mp_sessions.rs`,
//! `audit.rs` and `outbox.rs` are written once, in SQL both accept, and run on either through
//! `backend.rs` (the outbox's claims add PostgreSQL's row locks).

mod audit;
mod backend;
mod conditional_menus;
mod console_sessions;
mod error;
mod menus;
mod migrate;
mod mp_sessions;
mod outbox;
mod postgres;
mod qrcodes;
mod signing_keys;
mod sqlite;

#[cfg(test)]
#[path = "../../tests/support/postgres.rs"]
pub(crate) mod test_postgres;
#[cfg(test)]
mod test_util;

pub use audit::{AuditAction, AuditEntry, FailedSignInsBy, NewAuditEntry};
pub use conditional_menus::ConditionalMenu;
pub use console_sessions::ConsoleSessionRow;
pub use error::StoreError;
pub use menus::MenuVersion;
pub use mp_sessions::{NewMpSession, StoredMpSession};
pub use outbox::{
    Accepted, IDEMPOTENCY_KEY_TTL_SECS, MessageKind, MessageStatus, NewMessage, OutboxMessage,
    Outcome, WebhookEvent,
};
pub use qrcodes::{NewQrCode, QrCode, QrCountDelta};
pub use signing_keys::StoredSigningKey;

use backend::{InRuntime, IoThread, Pool};
pub(crate) use error::redact_url;

/// A handle on the admin database. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Opens the database at `url`, creating the schema on first start and applying any
    /// migration not applied yet.
    ///
    /// Accepted URLs:
    /// - SQLite, for one gateway on one host: `sqlite://wxgate.db` (relative to the working
    ///   directory), `sqlite:///var/lib/wxgate/wxgate.db` (absolute) and `sqlite::memory:` (gone
    ///   when the store is dropped). A file is created if missing and runs in WAL mode with
    ///   `synchronous=FULL`, foreign keys on, and waits up to 5 s for a lock held by another
    ///   writer before failing.
    /// - PostgreSQL, which several gateway instances can share:
    ///   `postgres://user:password@host:5432/wxgate` (or `postgresql://`, with libpq's URL
    ///   parameters such as `?sslmode=require`). The database must exist. Instances starting at
    ///   once migrate one after the other, under an advisory lock.
    ///
    /// Fails with [`StoreError::Config`] for a URL of another kind or one that cannot be parsed,
    /// and with [`StoreError::Database`] when the database cannot be opened or the schema
    /// cannot be updated (for example a database written by a newer wxgate). No message
    /// contains the URL's password.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let pool = match scheme(url) {
            Some("sqlite") => Pool::Sqlite(sqlite::connect(url).await?),
            Some("postgres" | "postgresql") => {
                let io = IoThread::start()?;
                Pool::Postgres(io.run(postgres::connect(url)).await?, io)
            }
            Some(other) => {
                return Err(StoreError::Config(format!(
                    "unsupported database URL scheme `{other}:` in `{}`; use a SQLite URL such \
                     as `sqlite://wxgate.db`, `sqlite:///var/lib/wxgate/wxgate.db` or \
                     `sqlite::memory:`, or a PostgreSQL URL such as \
                     `postgres://user:password@host:5432/wxgate`",
                    redact_url(url)
                )));
            }
            None => {
                return Err(StoreError::Config(format!(
                    "database URL `{}` has no scheme; write it as `sqlite://{}` for a SQLite file",
                    redact_url(url),
                    redact_url(url)
                )));
            }
        };
        let migrated = match &pool {
            Pool::Sqlite(pool) => sqlite::migrate(pool).await,
            Pool::Postgres(pool, io) => io.run(postgres::migrate(pool)).await,
        };
        if let Err(err) = migrated {
            pool.close().await;
            return Err(err);
        }
        tracing::info!(url = %redact_url(url), "admin store opened");
        Ok(Store { pool })
    }

    /// Closes every connection, waiting for those in use to be returned. Later calls on this
    /// store or its clones fail with [`StoreError::Database`].
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `operation`, run where the pool's connections live (see `backend.rs`). Every query goes
    /// through here.
    fn io<F: Future>(&self, operation: F) -> InRuntime<F> {
        InRuntime::new(self.pool.runtime(), operation)
    }
}

/// The URL's scheme (`sqlite` in `sqlite://wxgate.db`), if it has one.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

#[cfg(test)]
#[path = "store_test.rs"]
mod tests;
