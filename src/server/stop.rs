//! Stopping: SIGTERM and SIGINT, the [`StopHandle`] that stops gracefully or at once, and the
//! [`Running`] gateway that, once its server has stopped, flushes what is pending and closes
//! the store.

use std::net::{Shutdown, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};

use super::Error;
use super::conn::Connections;
use crate::store::Store;

/// How long a stop waits, between pausing actix's accept thread and shutting the listening
/// socket, for that thread to stop polling it (see [`StopHandle::stop`]).
const ACCEPT_PAUSE_SETTLE: Duration = Duration::from_millis(100);

/// SIGTERM and SIGINT, as one stream.
#[cfg(unix)]
pub(super) struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    pub(super) fn install() -> Result<Signals, Error> {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|source| Error::Io {
                context: format!("installing the {name} handler"),
                source,
            })
        };
        Ok(Signals {
            term: install(SignalKind::terminate(), "SIGTERM")?,
            int: install(SignalKind::interrupt(), "SIGINT")?,
        })
    }

    /// The name of the next signal received.
    pub(super) async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
pub(super) struct Signals;

#[cfg(not(unix))]
impl Signals {
    pub(super) fn install() -> Result<Signals, Error> {
        Ok(Signals)
    }

    /// The name of the next signal received.
    pub(super) async fn next(&mut self) -> &'static str {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}

/// Stops a [`Running`] gateway from anywhere; cheap to clone.
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    connections: Connections,
    listening: Arc<TcpListener>,
    grace: Duration,
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle").finish_non_exhaustive()
    }
}

impl StopHandle {
    /// Stops the server.
    ///
    /// Graceful: the listener closes at once (new connections are refused), connections idle
    /// between requests close, requests in flight finish (for up to `handler_timeout_ms` + 1 s),
    /// then the workers stop. Otherwise every connection is dropped at once. Returns once the
    /// server has stopped; [`Running::wait`] then flushes and closes the store.
    ///
    /// The requests in flight are waited for here, before actix is told to stop: actix's own
    /// graceful stop can end a worker, and every connection on it, as soon as its accept thread
    /// is gone.
    pub async fn stop(&self, graceful: bool) {
        tracing::debug!(graceful, "stop requested");
        self.connections.stop();
        self.server.pause().await;
        // `pause` returns once actix's accept thread has been told, not once it has stopped
        // polling the listener; shut the socket before then and that thread's `accept` fails
        // with EINVAL, which actix logs as an error. The thread acts on the pause within
        // microseconds when it gets a core; this wait leaves it ample time to.
        tokio::time::sleep(ACCEPT_PAUSE_SETTLE).await;
        // On Linux, shutting down a listening socket stops it listening: new connections are
        // refused and those not yet accepted are reset.
        if let Err(error) = socket2::SockRef::from(&*self.listening).shutdown(Shutdown::Read) {
            tracing::debug!(%error, "the listening socket closes when the server stops");
        }
        if graceful {
            self.connections.drain(self.grace).await;
        }
        self.server.stop(graceful).await;
    }
}

/// How long a stop waits for the outbox's sender (which gives its calls in hand 10 s).
const SENDER_STOP_LIMIT: Duration = Duration::from_secs(20);

/// A serving gateway.
pub struct Running {
    pub(super) server: Server,
    pub(super) addr: SocketAddr,
    pub(super) store: Store,
    /// Writes QR counts to the store every few seconds, and once more when stopped.
    pub(super) flusher: tokio::task::JoinHandle<()>,
    pub(super) stop_flushing: Arc<tokio::sync::Notify>,
    /// Tasks that run as long as the server: the Redis prober, the signing keys' refresh.
    pub(super) background: Vec<tokio::task::JoinHandle<()>>,
    /// The outbox's sender and the notice that stops it (it finishes the calls in hand first).
    pub(super) sender: (tokio::task::JoinHandle<()>, Arc<tokio::sync::Notify>),
    pub(super) connections: Connections,
    /// How long requests in flight may take to finish once stopping.
    pub(super) grace: Duration,
    /// The listening socket (a duplicate of actix's), closed when a stop begins.
    pub(super) listening: Arc<TcpListener>,
}

impl Running {
    /// The address it listens on (useful after binding port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The actix server's own handle. To stop, prefer [`Running::stop_handle`]: actix's
    /// graceful stop can end a worker, and the requests on it, before they are answered.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// A handle that stops it the way SIGTERM does.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            connections: self.connections.clone(),
            listening: self.listening.clone(),
            grace: self.grace,
        }
    }

    /// Serves until stopped; then lets the answers in flight finish (up to the grace period,
    /// `handler_timeout_ms` plus one second from the stop), closes idle connections, flushes what
    /// is pending (QR counts) to the store and closes it.
    pub async fn wait(self) -> Result<(), Error> {
        let served = self.server.await;
        // The listener is closed. Answers still being written finish (up to the grace period
        // from the stop), connections idle between requests close.
        self.connections.drain(self.grace).await;
        tracing::debug!(?served, "server stopped; flushing");
        let (mut sender, stop_sending) = self.sender;
        stop_sending.notify_one();
        // The sender lets the calls in hand finish (10 s at most); should a store call of its
        // hang, the stop goes on without it rather than wait forever.
        match tokio::time::timeout(SENDER_STOP_LIMIT, &mut sender).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "the outbox sender failed"),
            Err(_) => {
                sender.abort();
                tracing::error!("the outbox sender did not stop in time; cut off");
            }
        }
        for task in &self.background {
            task.abort();
        }
        self.stop_flushing.notify_one();
        if let Err(error) = self.flusher.await {
            tracing::error!(%error, "the QR count flusher failed");
        }
        self.store.close().await;
        served.map_err(|source| Error::Io {
            context: "serving".into(),
            source,
        })
    }
}
