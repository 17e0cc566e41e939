//! Status webhooks: each app with a `webhook` hears of every status change of its messages after
//! `queued` — `sent`, `delivered`, `failed`, `unknown` — as a POST of
//! `{"id", "account", "kind", "status", "errcode", "errmsg", "msgid", "at"}` signed with
//! `X-Wxgate-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the client's
//! secret>`.
//!
//! The event is stored with the status change, in the same transaction
//! ([`StatusEvent::body`] gives the body the store keeps), so no change goes unreported. A
//! [`Deliverer`] in every instance claims due events from the store and POSTs them: 5 s per
//! try, again after 1 s, 2 s, 4 s ... at most 10 minutes apart, until the app answers 2xx or 24
//! hours after the event — at least once, and in order per message (the store hands out a
//! message's next event only once the one before it is done).

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::clock;
use crate::config::ClientConfig;
use crate::store::{MessageKind, MessageStatus, OutboxMessage, Store, WebhookEvent};

/// The header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Wxgate-Signature";

/// Where one client's status events go.
#[derive(Clone)]
pub struct WebhookTarget {
    /// The client's id.
    pub client_id: String,
    /// The client's `webhook` URL.
    pub url: String,
    /// The client's secret, the key of the signature. Secret.
    pub secret: String,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The webhooks of every client that has one, and a wake-up for the [`Deliverer`] when an event
/// was stored.
pub struct Webhooks {
    by_client: HashMap<String, WebhookTarget>,
    wake: Notify,
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clients: Vec<&str> = self.by_client.keys().map(String::as_str).collect();
        clients.sort_unstable();
        f.debug_struct("Webhooks")
            .field("clients", &clients)
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    /// The webhooks of these clients (one per client id).
    pub fn new(targets: impl IntoIterator<Item = WebhookTarget>) -> Webhooks {
        Webhooks {
            by_client: targets
                .into_iter()
                .map(|target| (target.client_id.clone(), target))
                .collect(),
            wake: Notify::new(),
        }
    }

    /// The webhooks of the `[[clients]]` that have one. A client without a secret has nothing
    /// to sign with: its webhook is left out, with a warning.
    pub fn from_clients(clients: &[ClientConfig]) -> Webhooks {
        Webhooks::new(clients.iter().filter_map(|client| {
            let url = client.webhook.as_ref()?;
            let Some(secret) = &client.secret else {
                tracing::warn!(client = %client.id, "a client without a secret cannot have its webhook signed; no webhook");
                return None;
            };
            Some(WebhookTarget {
                client_id: client.id.clone(),
                url: url.clone(),
                secret: secret.clone(),
            })
        }))
    }

    /// Whether the client `client_id` has a webhook (and so whether its messages' status
    /// changes are stored as events).
    pub fn has(&self, client_id: &str) -> bool {
        self.by_client.contains_key(client_id)
    }

    /// The body of the event reporting `event`, when the message's client has a webhook.
    pub fn body_for(&self, event: &StatusEvent<'_>, client_id: &str) -> Option<String> {
        self.has(client_id).then(|| event.body())
    }

    /// Tells the deliverer an event was stored, so that it goes out now rather than at the
    /// next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn target(&self, client_id: &str) -> Option<&WebhookTarget> {
        self.by_client.get(client_id)
    }
}

/// One status change, as apps are told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEvent<'a> {
    /// The message's id.
    pub id: &'a str,
    /// The account it was sent through.
    pub account: &'a str,
    /// Its kind.
    pub kind: MessageKind,
    /// Its new status.
    pub status: MessageStatus,
    /// WeChat's errcode, for a failure that has one.
    pub errcode: Option<i64>,
    /// WeChat's errmsg (or what went wrong), for a failure.
    pub errmsg: Option<&'a str>,
    /// WeChat's msgid, once it gave one.
    pub msgid: Option<i64>,
    /// When the status changed (Unix seconds).
    pub at: i64,
}

impl<'a> StatusEvent<'a> {
    /// The change that left `message` as it is now, at `at`.
    pub fn of(message: &'a OutboxMessage, at: i64) -> StatusEvent<'a> {
        StatusEvent {
            id: &message.id,
            account: &message.account,
            kind: message.kind,
            status: message.status,
            errcode: message.errcode,
            errmsg: message.errmsg.as_deref(),
            msgid: message.msgid,
            at,
        }
    }

    /// The JSON body POSTed to the webhook.
    pub fn body(&self) -> String {
        // Strings, numbers and nulls only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`: the value of
/// [`SIGNATURE_HEADER`].
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 2 * digest.len());
    out.push_str("sha256=");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A lease owner naming this process, unique among the instances sharing a store.
pub fn instance_owner() -> String {
    format!("{}-{:016x}", std::process::id(), rand::random::<u64>())
}

/// How the [`Deliverer`] works; [`Default`] is what the gateway runs with.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The name its leases are taken under, unique per instance.
    pub owner: String,
    /// How long a claimed event is this instance's to deliver (longer than a try).
    pub lease: Duration,
    /// How often the store is asked for due events when nothing woke the deliverer.
    pub poll: Duration,
    /// The time one POST may take.
    pub timeout: Duration,
    /// The wait before the first retry; each next one waits twice as long...
    pub backoff_base: Duration,
    /// ... up to this.
    pub backoff_max: Duration,
    /// How long after the event the deliverer keeps trying.
    pub give_up_after: Duration,
    /// The most events claimed (and POSTed concurrently) at once.
    pub batch: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            owner: instance_owner(),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(600),
            give_up_after: Duration::from_secs(24 * 60 * 60),
            batch: 32,
        }
    }
}

/// Delivers the stored webhook events: one loop per instance.
pub struct Deliverer {
    store: Store,
    webhooks: Arc<Webhooks>,
    http: reqwest::Client,
    settings: DeliverySettings,
}

impl Deliverer {
    /// Starts delivering the events of `store` to `webhooks`, POSTing through `http` (give it
    /// no redirects; the per-try timeout is the settings'). Runs until the handle is aborted;
    /// an event in flight then is delivered again by whichever instance claims it after its
    /// lease.
    pub fn spawn(
        store: Store,
        webhooks: Arc<Webhooks>,
        http: reqwest::Client,
        settings: DeliverySettings,
    ) -> JoinHandle<()> {
        let deliverer = Deliverer {
            store,
            webhooks,
            http,
            settings,
        };
        tokio::spawn(deliverer.run())
    }

    async fn run(self) {
        let settings = &self.settings;
        loop {
            let now_ms = now_ms();
            let events = match self
                .store
                .claim_webhooks(
                    &settings.owner,
                    now_ms,
                    millis(settings.lease),
                    settings.batch,
                )
                .await
            {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, "cannot claim webhook events");
                    Vec::new()
                }
            };
            if events.is_empty() {
                tokio::select! {
                    () = self.webhooks.wake.notified() => {}
                    () = tokio::time::sleep(settings.poll) => {}
                }
                continue;
            }
            futures_util::future::join_all(events.iter().map(|event| self.deliver(event))).await;
        }
    }

    /// One try of `event`, and what follows from it in the store.
    async fn deliver(&self, event: &WebhookEvent) {
        let Some(target) = self.webhooks.target(&event.client_id) else {
            tracing::info!(client = %event.client_id, message = %event.message_id, "client has no webhook any more; event dropped");
            self.done(event).await;
            return;
        };
        let result = self
            .http
            .post(&target.url)
            .timeout(self.settings.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                signature(target.secret.as_bytes(), event.body.as_bytes()),
            )
            .body(event.body.clone())
            .send()
            .await;
        let failure = match result {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(client = %event.client_id, message = %event.message_id, "webhook delivered");
                self.done(event).await;
                return;
            }
            Ok(response) => format!("HTTP status {}", response.status().as_u16()),
            Err(error) if error.is_timeout() => "no answer in time".to_owned(),
            Err(error) => error.without_url().to_string(),
        };
        let attempts = event.attempts.saturating_add(1);
        let now = clock::unix_secs_i64();
        let give_up_at = event
            .created_at
            .saturating_add(secs(self.settings.give_up_after));
        if now >= give_up_at {
            tracing::warn!(client = %event.client_id, message = %event.message_id, attempts, %failure, "webhook still failing a day after the event; given up");
            self.done(event).await;
            return;
        }
        let next_at_ms = now_ms().saturating_add(millis(backoff(
            attempts,
            self.settings.backoff_base,
            self.settings.backoff_max,
        )));
        tracing::info!(client = %event.client_id, message = %event.message_id, attempts, %failure, "webhook failed; will try again");
        if let Err(error) = self
            .store
            .webhook_retry(event.id, attempts, next_at_ms)
            .await
        {
            tracing::warn!(%error, "cannot reschedule a webhook event; it goes again after its lease");
        }
    }

    async fn done(&self, event: &WebhookEvent) {
        if let Err(error) = self.store.webhook_done(event.id).await {
            tracing::warn!(%error, "cannot mark a webhook event done; it may be delivered again");
        }
    }
}

/// The wait after the `attempts`-th failure: `base`, doubling with each, at most `max`.
pub(crate) fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    base.saturating_mul(1 << doublings).min(max)
}

/// The precise wall clock in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    i64::try_from(clock::unix_micros() / 1000).unwrap_or(i64::MAX)
}

/// `duration` in whole milliseconds.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "webhook_test.rs"]
mod tests;
