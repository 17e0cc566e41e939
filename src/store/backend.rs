//! Which database a store runs on, and how one query text runs on either.
//!
//! The queries in `menus.rs` and `qrcodes.rs` are written once, in the SQL both databases take
//! (`$N` placeholders, `ON CONFLICT` upserts, `RETURNING`), inside [`with_pool!`]: the macro
//! matches on the backend and compiles the same block once per database type, so each copy is
//! checked against its driver's types. The one step of a write that differs between the
//! backends, starting the transaction, is [`BeginWrite`].
//!
//! A PostgreSQL pool's sockets and timers belong to a Tokio runtime of the store's own
//! ([`IoThread`]), and every store operation runs inside its context ([`InRuntime`]): a
//! connection opened while serving a request on one HTTP worker's runtime would otherwise be
//! bound to that runtime, and fail once it stops (as every worker's does at shutdown, just
//! before the last QR counts are written). SQLite needs none of this: its connections run on
//! threads of their own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::StoreError;

/// The connection pool of an open store.
#[derive(Debug, Clone)]
pub(super) enum Pool {
    /// A SQLite file (or in-memory database) on this host.
    Sqlite(sqlx::SqlitePool),
    /// A PostgreSQL database, possibly shared with other gateway instances, and the runtime its
    /// connections live on.
    Postgres(sqlx::PgPool, IoThread),
}

impl Pool {
    /// Closes every connection, waiting for those in use to be returned.
    pub(super) async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool, io) => io.run(pool.close()).await,
        }
    }

    /// The runtime the pool's connections live on, if it has one of its own.
    pub(super) fn runtime(&self) -> Option<&Handle> {
        match self {
            Pool::Sqlite(_) => None,
            Pool::Postgres(_, io) => Some(&io.handle),
        }
    }
}

/// A thread running a small Tokio runtime that owns a store's sockets and timers. It stops
/// when the last clone is dropped, cancelling what the driver left running there.
#[derive(Debug, Clone)]
pub(super) struct IoThread {
    handle: Handle,
    /// Dropped with the last clone, which ends the thread.
    _stop: Arc<oneshot::Sender<()>>,
}

impl IoThread {
    /// Starts the thread.
    pub(super) fn start() -> Result<IoThread, StoreError> {
        let failed = |err: std::io::Error| {
            StoreError::Database(format!("cannot start the store's I/O thread: {err}"))
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("wxgate-store-io".to_owned())
            .spawn(move || {
                // Returns when the sender is dropped; the runtime is then dropped here, outside
                // any async context.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(failed)?;
        Ok(IoThread {
            handle,
            _stop: Arc::new(stop),
        })
    }

    /// `future`, run inside this runtime's context.
    pub(super) fn run<F: Future>(&self, future: F) -> InRuntime<F> {
        InRuntime::new(Some(&self.handle), future)
    }
}

/// A future polled, and dropped, inside a runtime's context (when it has one): the sockets,
/// timers and tasks it creates belong to that runtime, whichever runtime polls it.
pub(super) struct InRuntime<F> {
    runtime: Option<Handle>,
    /// `None` only while dropping.
    future: Option<Pin<Box<F>>>,
}

impl<F: Future> InRuntime<F> {
    /// `future` in `runtime`'s context; in the caller's when `runtime` is `None`.
    pub(super) fn new(runtime: Option<&Handle>, future: F) -> Self {
        InRuntime {
            runtime: runtime.cloned(),
            future: Some(Box::pin(future)),
        }
    }
}

impl<F: Future> Future for InRuntime<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let _entered = this.runtime.as_ref().map(Handle::enter);
        match this.future.as_mut() {
            Some(future) => future.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

impl<F> Drop for InRuntime<F> {
    fn drop(&mut self) {
        // A query cancelled halfway returns its connection from here: on the store's runtime.
        let _entered = self.runtime.as_ref().map(Handle::enter);
        self.future.take();
    }
}

/// How a backend starts a write transaction, so that concurrent writers to one account queue
/// up instead of failing or interleaving.
pub(super) trait BeginWrite {
    /// The database the transaction runs on.
    type Db: sqlx::Database;

    /// Starts a transaction for a write.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, StoreError>> + Send;
}

/// Evaluates `$body` with `$pool` bound to the store's pool (a `&sqlx::Pool<DB>`), whichever
/// database it is. The body is compiled once per backend; it may use `.await` and `?`, and
/// [`BeginWrite::begin_write`] on the pool for a write transaction. Use it inside
/// [`Store::io`](super::Store::io).
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::backend::Pool::Sqlite($pool) => $body,
            $crate::store::backend::Pool::Postgres($pool, _) => $body,
        }
    };
}
pub(crate) use with_pool;
