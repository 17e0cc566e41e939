//! The durable outbox behind the send API: messages accepted from apps are stored before they
//! are answered ([`accept`], one commit for many concurrent sends), then delivered to WeChat by
//! a sender in every instance ([`sender`]), and their status changes pushed to the apps'
//! webhooks ([`webhook`]). Handler plugins enqueue the same way from inside the gateway
//! ([`enqueue`]).

pub mod accept;
pub mod enqueue;
pub mod request;
pub mod sender;
pub mod webhook;

use std::sync::Arc;

use rand::Rng as _;
use tokio::sync::Notify;

use accept::Acceptor;

/// The send API's handle on the outbox: where accepted messages go, and how the sender is told
/// there is new work.
#[derive(Clone)]
pub struct Outbox {
    /// Stores accepted messages (group commit).
    pub acceptor: Acceptor,
    /// Wakes this instance's sender.
    pub work: Arc<Notify>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl Outbox {
    /// Tells this instance's sender a message was accepted (other instances find it when they
    /// next look, within their poll interval).
    pub fn wake(&self) {
        self.work.notify_one();
    }
}

/// A fresh message id: 128 random bits as 32 hex digits (also the template's `client_msg_id`).
pub fn new_message_id() -> String {
    let bits: u128 = rand::rng().random();
    format!("{bits:032x}")
}
