//! Step 2: reading a POST body without ever holding more than `max_body_bytes`, nor waiting for
//! it longer than `body_timeout_ms`. A declared Content-Length over the limit is refused before
//! reading; a chunked or lying body is refused as soon as it crosses the limit; a body still
//! incomplete at its deadline is refused with a timeout (see [`timed`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

/// Why the body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the limit.
    #[error("body is larger than max_body_bytes ({limit} bytes)")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body did not arrive within `server.body_timeout_ms`.
    #[error("body not received within body_timeout_ms")]
    Timeout,
    /// The connection failed or the framing was broken while reading.
    #[error("could not read the body: {0}")]
    Read(String),
}

/// Reads the whole body, at most `limit` bytes.
pub async fn read_limited(
    headers: &HeaderMap,
    mut payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    // A body that arrives in one chunk (nearly every push) is kept as it is; the chunks of
    // a body in several are copied together.
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            PayloadError::Io(e) if e.kind() == io::ErrorKind::TimedOut => BodyError::Timeout,
            e => BodyError::Read(e.to_string()),
        })?;
        let so_far = first.as_ref().map_or(body.len(), Bytes::len);
        if so_far + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            None => body.extend_from_slice(&chunk),
            Some(earlier) => {
                let expected = declared.map_or(0, |len| len as usize);
                body.reserve(expected.max(earlier.len() + chunk.len()));
                body.extend_from_slice(&earlier);
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}

/// Gives a request's body `timeout` from now (the end of its head) to arrive in full: past it,
/// the payload ends with a `TimedOut` I/O error, which [`read_limited`] reports as
/// [`BodyError::Timeout`]. A request without a body is returned as it is.
pub fn timed(payload: Payload, timeout: Duration) -> Payload {
    if matches!(payload, Payload::None) {
        return payload;
    }
    let deadline = Instant::now() + timeout;
    Payload::Stream {
        payload: Box::pin(Timed {
            inner: payload,
            deadline,
            timer: None,
            waited: false,
            done: false,
        }),
    }
}

/// A payload with a deadline.
struct Timed {
    inner: Payload,
    deadline: Instant,
    /// Set up the second time the body is not there: see [`Timed::poll_next`].
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether the body was not there once already.
    waited: bool,
    done: bool,
}

impl Timed {
    fn expire(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.done = true;
        Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "body not received within server.body_timeout_ms",
        )))))
    }
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            // Data past the deadline: the timer has fired (no clock read for the body that
            // never waited, nor for each chunk of one that did).
            Poll::Ready(Some(Ok(_))) if this.timer.as_ref().is_some_and(|t| t.is_elapsed()) => {
                this.expire()
            }
            Poll::Ready(item) => {
                if item.is_none() {
                    this.done = true;
                }
                Poll::Ready(item)
            }
            // A body sent with its head is handed over by the connection just after the
            // handler first asks for it, in the same turn of the connection's task, and the
            // handler is polled again: the first wait costs no timer. The task is woken here
            // all the same, so that a body that does not come is surely asked for again, and
            // timed.
            Poll::Pending if !this.waited => {
                this.waited = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_ready() {
                    this.expire()
                } else {
                    Poll::Pending
                }
            }
        }
    }
}
