//! Every accepted connection is wrapped in a [`Guarded`] stream, which enforces what actix's own
//! timers leave open:
//!
//! - **Header timeout on every request.** actix times only the first request's head on a
//!   connection; a client could send one quick request and then trickle the next head forever.
//!   The guard watches the bytes read: from the first byte of a request head (or from the
//!   moment the connection is accepted) until the empty line that ends it, at most
//!   `server.header_timeout_ms` may pass, or reading fails with `TimedOut` and actix drops the
//!   connection.
//! - **Send timeout.** A client that stops reading its answer (a "slow read") holds the
//!   connection only while the writes make progress: a write that can send nothing for
//!   `server.body_timeout_ms` fails with `TimedOut`, as nginx's `send_timeout` does.
//! - **Shutdown.** Once the server is stopping, a connection that is idle between requests reads
//!   as closed, so keep-alive connections do not hold up a graceful shutdown; a connection in
//!   the middle of a request finishes it first. [`Connections`] counts the open connections, so
//!   the gateway can wait for the last answer before it exits: actix's own graceful stop can
//!   end a worker as soon as the accept thread is gone, before the worker has seen the stop,
//!   and would then let the process exit under requests still in flight.
//!
//! The guard only needs to know where a head ends (the first empty line) and when the server
//! starts an answer (its first write other than `100 Continue`): after an answer, the next bytes
//! are the next request's head. Bodies are timed separately, by the payload itself (see
//! [`crate::http::body::timed`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

/// Where the connection is in its current request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request head (or waiting for the next one on a keep-alive connection).
    Head {
        /// Whether any byte of this head was read yet.
        begun: bool,
        /// Whether the last line read so far is empty (only `\r` since the last `\n`).
        line_empty: bool,
    },
    /// The head is complete: the body and the handler are timed elsewhere.
    Rest,
}

/// A future that resolves once the server starts stopping.
type Stopping = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A connection stream that times every request head and closes idle connections at shutdown.
pub struct Guarded<T> {
    inner: T,
    header_timeout: Duration,
    send_timeout: Duration,
    /// Armed while a write is waiting for the client to take data.
    send_timer: Option<Pin<Box<Sleep>>>,
    phase: Phase,
    deadline: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    stop: watch::Receiver<bool>,
    stopping: Option<Stopping>,
    open: Arc<Shared>,
}

impl<T> std::fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded")
            .field("phase", &self.phase)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl<T> Drop for Guarded<T> {
    fn drop(&mut self) {
        self.open.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What every guard of a server shares: the stop signal and the count of open connections.
#[derive(Debug)]
struct Shared {
    stop: watch::Sender<bool>,
    stopped_at: OnceLock<Instant>,
    open: AtomicUsize,
}

/// Wraps accepted connections in [`Guarded`] streams; cheap to clone.
#[derive(Debug, Clone)]
pub struct ConnGuard {
    header_timeout: Duration,
    send_timeout: Duration,
    stop: watch::Receiver<bool>,
    shared: Arc<Shared>,
}

/// The connections of one server, seen from outside: stop them, count them, wait for them.
#[derive(Debug, Clone)]
pub struct Connections(Arc<Shared>);

impl Connections {
    /// Marks the server as stopping (once; later calls change nothing): connections idle
    /// between requests close at their next read, and those in a request after its answer.
    pub fn stop(&self) {
        let _ = self.0.stopped_at.set(Instant::now());
        self.0.stop.send_replace(true);
    }

    /// When [`stop`](Self::stop) was first called.
    pub fn stopped_at(&self) -> Option<Instant> {
        self.0.stopped_at.get().copied()
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.0.open.load(Ordering::Acquire)
    }

    /// Stops (see [`stop`](Self::stop)) and waits for the open connections to finish their
    /// answers and close, for at most `grace` from the first stop; those still open then are
    /// left for the server to close (and logged).
    pub async fn drain(&self, grace: Duration) {
        self.stop();
        let deadline = self.stopped_at().unwrap_or_else(Instant::now) + grace;
        let open = self.open();
        if open > 0 {
            tracing::info!(open, "waiting for requests in flight");
        }
        if !self.closed_by(deadline).await {
            tracing::warn!(
                open = self.open(),
                "connections still open at the end of the grace period; closing them"
            );
        }
    }

    /// Waits until every connection has closed or `deadline` passes; true when all closed.
    pub async fn closed_by(&self, deadline: Instant) -> bool {
        loop {
            if self.open() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl ConnGuard {
    /// Guards with these timeouts: for each request head, and for each stalled write. The
    /// [`Connections`] stop and count them.
    pub fn new(header_timeout: Duration, send_timeout: Duration) -> (ConnGuard, Connections) {
        let (tx, rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            stop: tx,
            stopped_at: OnceLock::new(),
            open: AtomicUsize::new(0),
        });
        (
            ConnGuard {
                header_timeout,
                send_timeout,
                stop: rx,
                shared: shared.clone(),
            },
            Connections(shared),
        )
    }

    /// Wraps a freshly accepted connection; its first head is timed from now.
    pub fn wrap<T>(&self, inner: T) -> Guarded<T> {
        self.shared.open.fetch_add(1, Ordering::AcqRel);
        let deadline = Instant::now() + self.header_timeout;
        Guarded {
            inner,
            header_timeout: self.header_timeout,
            send_timeout: self.send_timeout,
            send_timer: None,
            phase: Phase::Head {
                begun: false,
                line_empty: false,
            },
            deadline: Some(deadline),
            timer: Box::pin(tokio::time::sleep_until(deadline)),
            stop: self.stop.clone(),
            stopping: None,
            open: self.shared.clone(),
        }
    }
}

impl<T> Guarded<T> {
    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Between requests, with nothing of the next one read yet.
    fn idle(&self) -> bool {
        matches!(self.phase, Phase::Head { begun: false, .. })
    }

    /// Follows the bytes just read through the current head.
    fn observe(&mut self, bytes: &[u8]) {
        let Phase::Head { mut line_empty, .. } = self.phase else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        // A line is empty when it holds nothing but CRs; the first one ends the head. Lines
        // are found with memchr, and a line's content is looked at only up to its first byte
        // that is not a CR (a header line's first byte).
        let only_cr = |line: &[u8]| line.iter().all(|&b| b == b'\r');
        let mut line_start = 0;
        for newline in memchr::memchr_iter(b'\n', bytes) {
            // A line that began in an earlier read is empty only if it was so far.
            let carried = line_start > 0 || line_empty;
            if carried && only_cr(&bytes[line_start..newline]) {
                self.phase = Phase::Rest;
                self.deadline = None;
                return;
            }
            line_start = newline + 1;
        }
        line_empty = (line_start > 0 || line_empty) && only_cr(&bytes[line_start..]);
        self.phase = Phase::Head {
            begun: true,
            line_empty,
        };
        // The head goes on in a later read: it is timed from now, the read of its first bytes
        // (unless the connection's first head is timed from the accept already). A head read
        // whole at once, nearly every one, never touches the timer.
        if self.deadline.is_none() {
            self.arm(Instant::now() + self.header_timeout);
        }
    }

    fn arm(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
        self.timer.as_mut().reset(deadline);
    }

    /// The server started answering: what is read next starts a new head (an interim
    /// `100 Continue` is not an answer; the body follows it).
    fn answered(&mut self, written: &[u8]) {
        if written.is_empty() || written.starts_with(b"HTTP/1.1 100 ") {
            return;
        }
        self.phase = Phase::Head {
            begun: false,
            line_empty: false,
        };
        self.deadline = None;
    }

    fn timed_out() -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            "request head not received within server.header_timeout_ms",
        )
    }

    /// Whether the server is stopping: one atomic load (the stop is recorded before it is
    /// signalled).
    fn stopping(&self) -> bool {
        self.open.stopped_at.get().is_some()
    }

    /// Whether the server is stopping, polling the signal so a stop wakes this connection.
    fn poll_stopping(&mut self, cx: &mut Context<'_>) -> bool {
        if self.stopping() {
            return true;
        }
        let stopping = self.stopping.get_or_insert_with(|| {
            let mut stop = self.stop.clone();
            Box::pin(async move {
                while stop.changed().await.is_ok() {
                    if *stop.borrow() {
                        return;
                    }
                }
                // The sender is gone without a stop: never resolve.
                std::future::pending::<()>().await;
            })
        });
        stopping.as_mut().poll(cx).is_ready()
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // Once stopping, a connection between two requests reads as a clean close. Its task is
        // woken by the stop only while it waits for a next request, so the signal is polled
        // (its waker registered) only then, when the read is pending.
        let idle = this.idle();
        if idle && this.stopping() {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if this.deadline.is_some_and(|d| Instant::now() >= d) && !read.is_empty() {
                    return Poll::Ready(Err(Self::timed_out()));
                }
                this.observe(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if idle && this.poll_stopping(cx) {
                    return Poll::Ready(Ok(()));
                }
                if this.deadline.is_some() && this.timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(Self::timed_out()));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if written.is_pending() {
            let timeout = this.send_timeout;
            let timer = this
                .send_timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took nothing of the answer within server.body_timeout_ms",
                )));
            }
            return Poll::Pending;
        }
        this.send_timer = None;
        if let Poll::Ready(Ok(n)) = written {
            this.answered(&buf[..n.min(buf.len())]);
            if this.idle() && this.stopping() {
                // Stopping: have the connection read again, to find it closed.
                cx.waker().wake_by_ref();
            }
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[path = "conn_test.rs"]
mod tests;
