//! Group commit of accepted messages: concurrent send requests share one transaction, so many
//! 202s cost one commit (one fsync) instead of one each.
//!
//! Requests queue on a channel. One task takes every request waiting (up to 256),
//! stores them with one [`Store::accept_messages`], and answers each; requests arriving
//! meanwhile form the next batch. Under no load a batch is one request and nothing waits for
//! company: the latency is one commit.

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::store::{Accepted, NewMessage, Store, StoreError};

/// The most requests one transaction takes.
const MAX_BATCH: usize = 256;

/// Requests waiting for a batch before [`Acceptor::accept`] waits for room.
const QUEUE: usize = 4 * MAX_BATCH;

/// One request: the message, and where its answer goes.
type Request = (NewMessage, oneshot::Sender<Result<Accepted, StoreError>>);

/// Batches concurrent accepts into one transaction: requests queue on a channel; one task takes
/// all that are waiting (up to 256), calls [`Store::accept_messages`] once, and answers each.
/// Cheap to clone; the task ends once every clone is dropped and the queue is empty.
#[derive(Debug, Clone)]
pub struct Acceptor {
    requests: mpsc::Sender<Request>,
}

impl Acceptor {
    /// Starts the batching task on the current Tokio runtime, storing into `store`. The handle
    /// resolves once every [`Acceptor`] clone is dropped and the last batch is answered.
    pub fn start(store: Store) -> (Acceptor, JoinHandle<()>) {
        let (acceptor, queue) = Acceptor::queue();
        (acceptor, queue.start(store))
    }

    /// An acceptor whose batching task is not started yet: requests wait in the
    /// [`AcceptQueue`] until [`AcceptQueue::start`] gives it its store (and fail, as after a
    /// stop, if the queue is dropped instead).
    pub fn queue() -> (Acceptor, AcceptQueue) {
        let (requests, queue) = mpsc::channel(QUEUE);
        (Acceptor { requests }, AcceptQueue { queue })
    }

    /// Stores `message` under its idempotency key, in the next batch, once it is committed: as
    /// [`Store::accept_messages`] answers for it. Fails with [`StoreError::Database`] if the
    /// batching task has stopped.
    pub async fn accept(&self, message: NewMessage) -> Result<Accepted, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.requests
            .send((message, answer))
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// The requests of an [`Acceptor`] made by [`Acceptor::queue`], waiting for the batching task.
#[derive(Debug)]
pub struct AcceptQueue {
    queue: mpsc::Receiver<Request>,
}

impl AcceptQueue {
    /// Starts the batching task on the current Tokio runtime, storing into `store`, as
    /// [`Acceptor::start`] does.
    pub fn start(self, store: Store) -> JoinHandle<()> {
        tokio::spawn(run(store, self.queue))
    }
}

/// Takes the waiting requests batch after batch until every sender is gone.
async fn run(store: Store, mut queue: mpsc::Receiver<Request>) {
    let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (messages, answers): (Vec<NewMessage>, Vec<_>) = batch.drain(..).unzip();
        let results = accept_batch(&store, &messages).await;
        for (answer, result) in answers.into_iter().zip(results) {
            // A requester that gave up is not waiting for its answer; its message is stored.
            let _ = answer.send(result);
        }
    }
}

/// One answer per message of `messages`, in order. When the batch fails as a whole (say one
/// message's id is taken, or two PostgreSQL transactions deadlocked), each message is tried
/// alone, so one bad message fails only its own request.
async fn accept_batch(store: &Store, messages: &[NewMessage]) -> Vec<Result<Accepted, StoreError>> {
    match store.accept_messages(messages).await {
        Ok(accepted) if accepted.len() == messages.len() => accepted.into_iter().map(Ok).collect(),
        Ok(_) => messages
            .iter()
            .map(|_| {
                Err(StoreError::Database(
                    "the store answered a batch of messages with another count".to_owned(),
                ))
            })
            .collect(),
        Err(err) if messages.len() == 1 => vec![Err(err)],
        Err(err) => {
            tracing::warn!(
                error = %err,
                messages = messages.len(),
                "a batch of accepted messages failed; storing them one by one"
            );
            let mut results = Vec::with_capacity(messages.len());
            for message in messages {
                let result = store
                    .accept_messages(std::slice::from_ref(message))
                    .await
                    .and_then(|mut accepted| {
                        accepted.pop().ok_or_else(|| {
                            StoreError::Database("the store answered no message".to_owned())
                        })
                    });
                results.push(result);
            }
            results
        }
    }
}

/// The error of an accept once the batching task is gone.
fn stopped() -> StoreError {
    StoreError::Database("the outbox stopped accepting messages".to_owned())
}

#[cfg(test)]
#[path = "accept_test.rs"]
mod tests;
