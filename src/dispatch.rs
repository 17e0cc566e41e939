//! Steps 7–8: dedup, then the account's handler chain under the callback deadline.
//!
//! The handler runs detached from the request — inline as far as it goes at once, then in a
//! task of its own — so neither a deadline nor a client hanging up cancels it, and a panic is
//! caught at the handler's boundary instead of reaching the server. Every
//! request for a push — the original and WeChat's retries — only waits on the push's dedup
//! slot, bounded by its own deadline. When the handler finishes, the slot decides once where the
//! reply goes: to the requests waiting at that moment, or, when none is (they all hit their
//! deadline) or none can carry it (a JSON push), out through the customer-service API. A reply
//! is never delivered twice.
//!
//! With `[dedup] backend = "redis"` the same contract holds across instances
//! ([`crate::cluster::dedup`]): the claim and the decision are taken in Redis, a duplicate
//! waits for whichever instance runs the handler, and the local table only serves while Redis
//! is unreachable (and remembers what was handled then).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Either;
use tokio::time::Instant;
use tracing::Instrument;
use wxgate_handlers::{Context, Event, Message, Outcome};

use crate::account::Account;
use crate::cluster::dedup::{Completion, SharedClaim, SharedDedup, Ticket};
use crate::dedup::{Answer, Claim, Decision, Dedup, DedupKey, Rendered, Slot, Waited, Waiter};
use crate::metrics::Failure;
use crate::outbox::sender::TemplateReports;
use crate::qr::QrCounter;

/// Runs handlers once per push.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    dedup: Dedup,
    shared: Option<SharedDedup>,
    qr: QrCounter,
    /// Where `TEMPLATESENDJOBFINISH` reports go, when the outbox runs.
    template_reports: Option<TemplateReports>,
}

/// What the request should send back.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The plaintext reply XML (to be encrypted when the request was).
    Reply(Bytes),
    /// `success`: no reply, a reply not ready by the deadline or pushed instead, or a failed
    /// handler.
    Success,
}

impl Dispatcher {
    /// A dispatcher over the local `dedup` table (and the `shared` one in Redis, when
    /// configured), counting QR scans into `qr`.
    pub fn new(dedup: Dedup, shared: Option<SharedDedup>, qr: QrCounter) -> Self {
        Dispatcher {
            dedup,
            shared,
            qr,
            template_reports: None,
        }
    }

    /// This dispatcher, also handing the first sight of each `TEMPLATESENDJOBFINISH` push to
    /// `reports` (which records it in a task of its own; the push is answered as any other).
    pub fn with_template_reports(mut self, reports: TemplateReports) -> Self {
        self.template_reports = Some(reports);
        self
    }

    /// Handles `message` for `account`, answering by `deadline` at the latest. `passive` is
    /// false when the answer can only be `success` (JSON pushes): a reply then goes out through
    /// the customer-service API.
    ///
    /// The claim, and the handler as far as it runs at once, happen in this call; the future
    /// returned only waits for the answer. So the message is not carried in the request's
    /// future, which stays small to move around.
    pub fn dispatch<'a>(
        &'a self,
        account: &'a Arc<Account>,
        message: Message,
        deadline: Instant,
        passive: bool,
    ) -> impl Future<Output = Delivery> + 'a {
        let key = DedupKey::of(account.index, &message);
        let waiting = match &self.shared {
            // The Redis path is boxed: its future is large, and without a shared dedup it
            // would only make every push's future bigger.
            Some(_) => Either::Left(Box::pin(
                self.dispatch_shared(account, message, key, deadline, passive),
            )),
            None => Either::Right(
                self.start(account, message, key, passive, None)
                    .wait(deadline),
            ),
        };
        // A combinator, not an `async` block: the block would hold the future twice.
        waiting.map(move |waited| deliver(account, waited, passive))
    }

    /// The wait for a push claimed in Redis (or, when Redis is not used for it, locally).
    async fn dispatch_shared(
        &self,
        account: &Arc<Account>,
        message: Message,
        key: DedupKey,
        deadline: Instant,
        passive: bool,
    ) -> Waited {
        match self.shared_claim(account, &key, deadline).await {
            Some((shared, SharedClaim::First(ticket))) => {
                match self
                    .start(account, message, key, passive, Some((shared, &ticket)))
                    .wait(deadline)
                    .await
                {
                    // The handler may have finished, and the reply been left to this request,
                    // an instant before the deadline: ask Redis, atomically.
                    Waited::Deadline => Box::pin(shared.give_up(&ticket)).await,
                    waited => waited,
                }
            }
            Some((shared, SharedClaim::Running(ticket))) => {
                self.duplicate(account);
                Box::pin(shared.wait(&ticket, deadline)).await
            }
            Some((_, SharedClaim::Done(waited))) => {
                self.duplicate(account);
                waited
            }
            None => {
                self.start(account, message, key, passive, None)
                    .wait(deadline)
                    .await
            }
        }
    }

    /// The claim in Redis, or `None` to use the local table: no shared dedup configured, Redis
    /// unreachable, or a push this process has already finished (its answer is here, and
    /// Redis may not know it if it was handled while Redis was unreachable). A push still
    /// running here goes through Redis all the same, so that a waiting retry is counted where
    /// the late-reply decision is taken.
    async fn shared_claim<'s>(
        &'s self,
        account: &Account,
        key: &DedupKey,
        deadline: Instant,
    ) -> Option<(&'s SharedDedup, SharedClaim)> {
        let shared = self.shared.as_ref()?;
        if self.dedup.is_done(key) {
            return None;
        }
        match shared.claim(&account.name, key, deadline).await {
            Ok(claim) => Some((shared, claim)),
            Err(error) => {
                tracing::debug!(%error, "shared dedup unavailable; using the local table");
                None
            }
        }
    }

    fn duplicate(&self, account: &Account) {
        account.metrics.duplicate();
        tracing::debug!("duplicate push");
    }

    /// Claims `key` in the local table; on first sight starts the handler (counting a QR scan),
    /// else counts a duplicate. Returns what to wait for.
    fn start(
        &self,
        account: &Arc<Account>,
        message: Message,
        key: DedupKey,
        passive: bool,
        shared: Option<(&SharedDedup, &Ticket)>,
    ) -> Pending {
        match self.dedup.claim(&key) {
            Claim::First(waiter) => {
                self.qr.observe(account, &message);
                if let Some(Event::TemplateSendJobFinish(report)) = message.event() {
                    if let Some(reports) = &self.template_reports {
                        reports.report(&account.name, report);
                    }
                }
                let job = Job {
                    account: account.clone(),
                    message,
                    dedup: self.dedup.clone(),
                    shared: shared.map(|(dedup, ticket)| (dedup.clone(), ticket.clone())),
                    key,
                    slot: waiter.slot().clone(),
                    passive,
                };
                job.start();
                Pending::Slot(waiter)
            }
            Claim::Running(slot) => {
                self.duplicate(account);
                Pending::Slot(slot.waiter())
            }
            Claim::Done(finished) => {
                self.duplicate(account);
                Pending::Now(finished.waited(&message))
            }
        }
    }
}

/// What the request sends back once it has waited.
fn deliver(account: &Account, waited: Waited, passive: bool) -> Delivery {
    match waited {
        Waited::Answer(Some(xml)) if passive => Delivery::Reply(xml),
        Waited::Answer(_) | Waited::Pushed => Delivery::Success,
        Waited::Deadline => {
            account.metrics.failure(Failure::Deadline);
            tracing::warn!(
                account = %account.name,
                "handler missed the callback deadline; answered success, it keeps running"
            );
            Delivery::Success
        }
    }
}

/// The answer a request waits for: a running handler's, or one already known.
enum Pending {
    Slot(Waiter),
    Now(Waited),
}

impl Pending {
    fn wait(self, deadline: Instant) -> impl Future<Output = Waited> {
        match self {
            Pending::Slot(waiter) => Either::Left(waiter.wait(deadline)),
            Pending::Now(waited) => Either::Right(std::future::ready(waited)),
        }
    }
}

/// One push's handler run, detached from the request that started it.
struct Job {
    account: Arc<Account>,
    message: Message,
    dedup: Dedup,
    /// The claim in Redis, when the push was claimed there.
    shared: Option<(SharedDedup, Ticket)>,
    key: DedupKey,
    slot: Arc<Slot>,
    passive: bool,
}

impl Job {
    /// Runs the job as far as it goes at once — to the end for a handler that answers without
    /// waiting on anything, such as the auto-reply rules — and, if it has to wait, finishes it
    /// in a task of its own. The request that claimed the push already counts as waiting, so a
    /// reply completed here goes back passively; a handler that waits costs one task more.
    fn start(self) {
        let mut run = Box::pin(self.run());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        if run.as_mut().poll(&mut cx).is_pending() {
            // The task polls it again at once, with its own waker, in the request's span (the
            // push's, when enabled) so that what the handler logs after waiting carries it too.
            tokio::spawn(run.instrument(tracing::Span::current()));
        }
    }

    async fn run(self) {
        let Job {
            account,
            message,
            dedup,
            shared,
            key,
            slot,
            passive,
        } = self;
        let mut ctx = Context::new(&account.name, &message);
        if let Some(api) = &account.api {
            ctx = ctx.with_customer_service(api.clone()).with_api(api.clone());
        }
        if let Some(outbox) = &account.outbox {
            ctx = ctx.with_outbox(outbox.clone());
        }
        let handler = AssertUnwindSafe(account.registry.dispatch(&ctx)).catch_unwind();
        let outcome = match &shared {
            // Keep the in-flight marker alive for as long as the handler runs.
            Some((shared, ticket)) => tokio::select! {
                outcome = handler => outcome,
                never = Box::pin(shared.keep_alive(ticket)) => match never {},
            },
            None => handler.await,
        };
        let answer: Answer = match outcome {
            Ok(Outcome::Reply(reply)) => Some(Arc::new(Rendered::new(
                reply,
                &message,
                crate::clock::unix_secs(),
            ))),
            Ok(Outcome::NoReply | Outcome::Pass) => None,
            Ok(Outcome::Failed(error)) => {
                account.metrics.failure(Failure::Error);
                tracing::warn!(account = %account.name, msg_type = message.msg_type(), %error, "handler failed; answered success");
                None
            }
            Err(panic) => {
                account.metrics.failure(Failure::Panic);
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_owned());
                tracing::error!(account = %account.name, msg_type = message.msg_type(), panic = %what, "handler panicked; answered success");
                None
            }
        };
        let can_push = account.api.is_some();
        let local = Decision::Local { can_push, passive };
        let decision = match &shared {
            Some((shared, ticket)) => {
                match Box::pin(shared.complete(ticket, &answer, can_push, passive)).await {
                    Ok(Completion::Push) => Decision::Decided(true),
                    Ok(Completion::Keep) => Decision::Decided(false),
                    Ok(Completion::Lost) | Err(_) => local,
                }
            }
            None => local,
        };
        let push = dedup.complete(key, &slot, answer.clone(), decision);
        if let (true, Some(rendered), Some(api)) = (push, answer, &account.api) {
            // Boxed: a rare path with a large future.
            match Box::pin(api.send_custom_message(&message.from_user, &rendered.reply)).await {
                Ok(()) => {
                    account.metrics.pushed(true);
                    tracing::info!(account = %account.name, "reply sent through the customer-service API");
                }
                Err(error) => {
                    account.metrics.pushed(false);
                    tracing::warn!(account = %account.name, %error, "customer-service reply failed");
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "dispatch_test.rs"]
mod tests;
