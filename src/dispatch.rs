//! Steps 7–8: dedup, then the account's handler chain under the callback deadline.
//!
//! The handler runs in a task of its own, so neither a deadline nor a client hanging up
//! cancels it, and a panic is caught at the task boundary instead of reaching the server. Every
//! request for a push — the original and WeChat's retries — only waits on the push's dedup
//! slot, bounded by its own deadline. When the handler finishes, the slot decides once where the
//! reply goes: to the requests waiting at that moment, or, when none is (they all hit their
//! deadline) or none can carry it (a JSON push), out through the customer-service API. A reply
//! is never delivered twice.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use tokio::time::Instant;
use wxgate_handlers::{Context, Message, Outcome};

use crate::account::Account;
use crate::dedup::{Answer, Claim, Dedup, DedupKey, Rendered, Slot, Waited};
use crate::metrics::Failure;
use crate::qr::QrCounter;
use crate::wire;

/// Runs handlers once per push.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    dedup: Dedup,
    qr: QrCounter,
}

/// What the request should send back.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The plaintext reply XML (to be encrypted when the request was).
    Reply(Arc<Rendered>),
    /// `success`: no reply, a reply not ready by the deadline or pushed instead, or a failed
    /// handler.
    Success,
}

impl Dispatcher {
    /// A dispatcher over `dedup`, counting QR scans into `qr`.
    pub fn new(dedup: Dedup, qr: QrCounter) -> Self {
        Dispatcher { dedup, qr }
    }

    /// Handles `message` for `account`, answering by `deadline` at the latest. `passive` is
    /// false when the answer can only be `success` (JSON pushes): a reply then goes out through
    /// the customer-service API.
    pub async fn dispatch(
        &self,
        account: &Arc<Account>,
        message: Message,
        deadline: Instant,
        passive: bool,
    ) -> Delivery {
        let key = DedupKey::of(account.index, &message);
        let slot = match self.dedup.claim(&key) {
            Claim::First(slot) => {
                self.qr.observe(account, &message);
                let job = Job {
                    account: account.clone(),
                    message,
                    dedup: self.dedup.clone(),
                    key,
                    slot: slot.clone(),
                    passive,
                };
                tokio::spawn(job.run());
                slot
            }
            Claim::Duplicate(slot) => {
                account.metrics.duplicate();
                tracing::debug!("duplicate push");
                slot
            }
        };
        match slot.wait(deadline).await {
            Waited::Answer(Some(rendered)) if passive => Delivery::Reply(rendered),
            Waited::Answer(_) | Waited::Pushed => Delivery::Success,
            Waited::Deadline => {
                account.metrics.failure(Failure::Deadline);
                tracing::warn!(
                    "handler missed the callback deadline; answered success, it keeps running"
                );
                Delivery::Success
            }
        }
    }
}

/// One push's handler run, detached from the request that started it.
struct Job {
    account: Arc<Account>,
    message: Message,
    dedup: Dedup,
    key: DedupKey,
    slot: Arc<Slot>,
    passive: bool,
}

impl Job {
    async fn run(self) {
        let Job {
            account,
            message,
            dedup,
            key,
            slot,
            passive,
        } = self;
        let mut ctx = Context::new(&account.name, &message);
        if let Some(api) = &account.api {
            ctx = ctx.with_customer_service(api.as_ref());
        }
        let outcome = AssertUnwindSafe(account.registry.dispatch(&ctx))
            .catch_unwind()
            .await;
        let answer: Answer = match outcome {
            Ok(Outcome::Reply(reply)) => {
                let xml =
                    wire::render_reply(&reply, &message.from_user, &message.to_user, unix_now());
                Some(Arc::new(Rendered {
                    xml: xml.into(),
                    reply,
                }))
            }
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
        let push = dedup.complete(key, &slot, answer.clone(), can_push, passive);
        if let (true, Some(rendered), Some(api)) = (push, answer, &account.api) {
            match api
                .send_custom_message(&message.from_user, &rendered.reply)
                .await
            {
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

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
