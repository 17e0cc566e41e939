//! Steps 7–8: dedup, then the account's handler chain under the callback deadline.
//!
//! The handler runs in a task of its own, so neither a deadline nor a client hanging up
//! cancels it, and a panic is caught at the task boundary instead of reaching the server. The
//! request only waits on the push's dedup slot, bounded by its deadline; a retry waits on the
//! same slot, so it gets the original's reply byte for byte, even one that came too late for
//! the original request.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::time::Instant;
use wxgate_handlers::{Context, Message, Outcome};

use crate::account::Account;
use crate::dedup::{Answer, Claim, Dedup, DedupKey};
use crate::metrics::Failure;
use crate::wire;

/// Runs handlers once per push.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    dedup: Dedup,
}

/// What the request should send back.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The plaintext reply XML (to be encrypted when the request was).
    Reply(Bytes),
    /// `success`: no reply, a reply not ready by the deadline, or a failed handler.
    Success,
}

impl Dispatcher {
    /// A dispatcher over `dedup`.
    pub fn new(dedup: Dedup) -> Self {
        Dispatcher { dedup }
    }

    /// Handles `message` for `account`, answering by `deadline` at the latest.
    pub async fn dispatch(
        &self,
        account: &Arc<Account>,
        message: Message,
        deadline: Instant,
    ) -> Delivery {
        let key = DedupKey::of(account.index, &message);
        let slot = match self.dedup.claim(&key) {
            Claim::First(slot) => {
                tokio::spawn(run_handlers(
                    account.clone(),
                    message,
                    self.dedup.clone(),
                    key,
                    slot.clone(),
                ));
                slot
            }
            Claim::Duplicate(slot) => {
                account.metrics.duplicate();
                tracing::debug!(account = %account.name, "duplicate push");
                slot
            }
        };
        match tokio::time::timeout_at(deadline, slot.answer()).await {
            Ok(Some(reply)) => Delivery::Reply(reply),
            Ok(None) => Delivery::Success,
            Err(_) => {
                account.metrics.failure(Failure::Deadline);
                tracing::warn!(account = %account.name, "handler missed the callback deadline; answered success, it keeps running");
                Delivery::Success
            }
        }
    }
}

async fn run_handlers(
    account: Arc<Account>,
    message: Message,
    dedup: Dedup,
    key: DedupKey,
    slot: Arc<crate::dedup::Slot>,
) {
    let ctx = Context::new(&account.name, &message);
    let outcome = AssertUnwindSafe(account.registry.dispatch(&ctx))
        .catch_unwind()
        .await;
    let answer: Answer = match outcome {
        Ok(Outcome::Reply(reply)) => {
            let xml = wire::render_reply(&reply, &message.from_user, &message.to_user, unix_now());
            Some(Bytes::from(xml))
        }
        Ok(Outcome::NoReply | Outcome::Pass) => None,
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
    dedup.complete(key, &slot, answer);
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
