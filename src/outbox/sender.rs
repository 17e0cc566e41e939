//! Delivery to WeChat: a [`Sender`] in every instance takes the due messages from the store,
//! oldest first, and sends each through its account's API within the account's `send_rate`.
//!
//! - **Claims and leases.** Messages are claimed with a 30-second lease, renewed every 10
//!   seconds while a message is in this instance's hands, so that another instance takes over
//!   the work of one that died. Every change names the lease's owner: an instance that lost the
//!   lease changes nothing.
//! - **Rate.** A token bucket per account: `send_rate` calls a second, in bursts of at most
//!   `send_rate`. Per instance with `[tokens] backend = "memory"`; with `"redis"` one bucket
//!   in Redis ([`crate::cluster::rate`]) shared by every instance, taken from before each
//!   call. While Redis does not answer, each instance falls back to its own bucket: sending
//!   goes on at `send_rate` per instance, so the account may briefly exceed its rate — only
//!   then, and only until Redis answers again.
//! - **Outcomes.** WeChat's answer decides: success -> `sent` (errcode 45065,
//!   "clientmsgid exist", included: a template message that already went, with the first
//!   msgid); transient failures — no connection, a timeout, HTTP 5xx, errcode -1, a second
//!   rejected access token in a row — go again after 1 s, 2 s, 4 s ... at most 60 s, until
//!   `send_max_attempts` calls in all, then `failed`; errcode 45009 (the account's daily quota)
//!   pauses the account's sends until midnight Beijing time, the messages staying `queued` and
//!   no attempt counted; every other errcode -> `failed`, with WeChat's errcode and errmsg.
//!   The API client already refreshed a rejected access token and called once more.
//! - **At most once, exactly once for templates.** A message is marked `sending` before the
//!   call. A template carries `client_msg_id` = its id, so WeChat answers a repeat within 10
//!   minutes with the first one's msgid: a template found `sending` after a crash (its lease
//!   expired) is sent again if it was first marked less than 10 minutes ago, else it is
//!   `unknown`; and a template whose call may have reached WeChat (a timeout, a connection
//!   broken mid-call, an unreadable answer) is retried like any transient failure.
//!   Subscription and customer-service messages have no such key: found `sending` after a
//!   crash, or after a call that may have reached WeChat, they become `unknown` and are never
//!   sent again; only a connection that could not be made is retried.
//! - Each status change is recorded with its webhook event in one transaction
//!   ([`super::webhook`]), and counted in `wxgate_outbox_sends_total`; the calls are timed in
//!   `wxgate_outbox_send_seconds`, and the queue's depth per account refreshed every few
//!   seconds in `wxgate_outbox_depth`.
//!
//! [`TemplateReports`] records WeChat's `TEMPLATESENDJOBFINISH` pushes: `sent` -> `delivered`
//! or `failed`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use wxgate_handlers::TemplateSendJobFinishEvent;

use super::webhook::{StatusEvent, Webhooks, backoff, instance_owner, millis, now_ms};
use crate::api::{ApiError, WeChatApi, not_sent};
use crate::clock;
use crate::cluster::rate::{AccountRate, SharedRate};
use crate::config::{AccountConfig, AccountKind};
use crate::metrics::{AccountMetrics, Metrics, SendResult};
use crate::store::{MessageKind, MessageStatus, OutboxMessage, Outcome, Store, StoreError};

/// How long after a template was first marked `sending` WeChat still recognises its
/// `client_msg_id` (10 minutes): before, sending it again is safe.
pub const CLIENT_MSG_ID_WINDOW_SECS: i64 = 600;

/// How long a message of an account this instance does not know waits before it is offered
/// again (another instance may know it).
const UNKNOWN_ACCOUNT_DELAY: Duration = Duration::from_secs(60);

/// The most messages claimed at once.
const MAX_CLAIM: usize = 100;

/// Errcodes of a failure that may go well when tried again: WeChat busy (-1), and an access
/// token rejected a second time in a row (the API client retried once already).
const TRANSIENT_ERRCODES: [i64; 4] = [-1, 40001, 40014, 42001];

/// The account's daily quota of calls is spent.
const QUOTA_SPENT: i64 = 45009;

/// One account the sender sends for.
#[derive(Clone)]
pub struct SendAccount {
    /// The account's name (`[[accounts]] name`).
    pub name: String,
    /// Its API client.
    pub api: Arc<WeChatApi>,
    /// A mini program (subscribe messages go to `message/subscribe/send`) rather than an
    /// official account.
    pub miniprogram: bool,
    /// Calls to WeChat a second for its messages; the bucket holds as many.
    pub send_rate: u32,
    /// Calls per message in all before it is `failed`.
    pub send_max_attempts: u32,
    /// Its counters.
    pub metrics: Arc<AccountMetrics>,
}

impl SendAccount {
    /// The account of `config`, sending through `api` and counting in `metrics`.
    pub fn new(
        config: &AccountConfig,
        api: Arc<WeChatApi>,
        metrics: Arc<AccountMetrics>,
    ) -> SendAccount {
        SendAccount {
            name: config.name.clone(),
            api,
            miniprogram: config.kind == AccountKind::MiniProgram,
            send_rate: config.send_rate,
            send_max_attempts: config.send_max_attempts,
            metrics,
        }
    }
}

impl fmt::Debug for SendAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendAccount")
            .field("name", &self.name)
            .field("miniprogram", &self.miniprogram)
            .field("send_rate", &self.send_rate)
            .field("send_max_attempts", &self.send_max_attempts)
            .finish_non_exhaustive()
    }
}

/// How the [`Sender`] works; [`Default`] is what the gateway runs with.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// The name its leases are taken under, unique per instance.
    pub owner: String,
    /// How long a claimed message is this instance's.
    pub lease: Duration,
    /// How often the lease of a message in hand is renewed.
    pub renew_every: Duration,
    /// How often the store is asked for due messages when nothing woke the sender.
    pub poll: Duration,
    /// How often `wxgate_outbox_depth` is refreshed.
    pub depth_every: Duration,
    /// The wait before the first retry of a transient failure; each next one waits twice as
    /// long...
    pub backoff_base: Duration,
    /// ... up to this.
    pub backoff_max: Duration,
    /// The most messages in hand at once (claimed, waiting for the rate or in a call).
    pub max_in_flight: usize,
    /// How long a stopping sender waits for the messages in hand (see [`Sender::spawn`]).
    pub drain: Duration,
    /// Where the accounts' send rates are kept: `None`, a bucket per account in this instance;
    /// `Some`, one per account in Redis shared by every instance (this instance's own while
    /// Redis does not answer).
    pub shared_rate: Option<SharedRate>,
}

impl Default for SenderSettings {
    fn default() -> Self {
        SenderSettings {
            owner: instance_owner(),
            lease: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
            poll: Duration::from_millis(500),
            depth_every: Duration::from_secs(5),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            max_in_flight: 512,
            drain: Duration::from_secs(10),
            shared_rate: None,
        }
    }
}

/// The outbox's sender: one loop per instance, and a task per message in hand.
pub struct Sender {
    store: Store,
    accounts: HashMap<String, Lane>,
    webhooks: Arc<Webhooks>,
    metrics: Arc<Metrics>,
    settings: SenderSettings,
    /// Accounts whose daily quota is spent, until when (Unix milliseconds).
    paused: Mutex<HashMap<String, i64>>,
}

/// One account's way out: its client, its rate and what it has in hand.
struct Lane {
    account: SendAccount,
    limiter: Limiter,
    in_flight: Arc<AtomicUsize>,
    /// The most messages in hand for it at once: enough for two seconds of its rate, so that
    /// a slow account does not hold every slot.
    max_in_flight: usize,
}

impl Sender {
    /// Starts sending the messages of `store` for `accounts` (a message of another account is
    /// left for an instance that has it), telling `webhooks` of each status change and
    /// counting in `metrics`. `work` wakes the sender when a message was accepted
    /// (`notify_one`); it also polls the store every `settings.poll`.
    ///
    /// Once `stop` is notified (`notify_one`), the sender claims nothing more, lets the
    /// messages in hand finish for at most `settings.drain`, and the task ends: await the
    /// handle before closing the store. Aborting the handle instead drops the messages in hand
    /// as a crash would: their leases expire and the rules for a message found `sending` apply.
    pub fn spawn(
        store: Store,
        accounts: Vec<SendAccount>,
        webhooks: Arc<Webhooks>,
        metrics: Arc<Metrics>,
        work: Arc<Notify>,
        stop: Arc<Notify>,
        settings: SenderSettings,
    ) -> JoinHandle<()> {
        let accounts = accounts
            .into_iter()
            .map(|account| {
                let rate = account.send_rate.max(1);
                let limiter = match &settings.shared_rate {
                    Some(shared) => Limiter::Shared {
                        rate: shared.account(account.api.appid(), rate),
                        turn: tokio::sync::Mutex::new(()),
                        local: Bucket::new(rate),
                    },
                    None => Limiter::Local(Bucket::new(rate)),
                };
                let lane = Lane {
                    limiter,
                    in_flight: Arc::new(AtomicUsize::new(0)),
                    max_in_flight: (2 * rate as usize).clamp(2, settings.max_in_flight.max(2)),
                    account,
                };
                (lane.account.name.clone(), lane)
            })
            .collect();
        let sender = Arc::new(Sender {
            store,
            accounts,
            webhooks,
            metrics,
            settings,
            paused: Mutex::new(HashMap::new()),
        });
        tokio::spawn(sender.run(work, stop))
    }

    async fn run(self: Arc<Self>, work: Arc<Notify>, stop: Arc<Notify>) {
        let mut tasks = JoinSet::new();
        let mut next_depth = Instant::now();
        loop {
            while let Some(done) = tasks.try_join_next() {
                log_panic(done);
            }
            if Instant::now() >= next_depth {
                self.refresh_depth().await;
                next_depth = Instant::now() + self.settings.depth_every;
            }
            match self.claim(&mut tasks).await {
                // A full batch: there may be more at once.
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "cannot claim outbox messages"),
            }
            tokio::select! {
                biased;
                () = stop.notified() => break,
                () = work.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => log_panic(done),
            }
        }
        let drained = tokio::time::timeout(self.settings.drain, async {
            while let Some(done) = tasks.join_next().await {
                log_panic(done);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                in_hand = tasks.len(),
                "outbox sender stopped with messages in hand; those in a call go again after \
                 their lease"
            );
        }
        // Whatever is left is cut off here; what had not reached WeChat yet is free at once.
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        match self.store.release_queued_leases(&self.settings.owner).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "outbox messages not started handed back"),
            Err(error) => {
                tracing::warn!(%error, "could not hand back the outbox messages not started; they go again after their lease")
            }
        }
    }

    /// Claims what this instance has room for and starts a task for each message; whether
    /// the batch was full.
    async fn claim(self: &Arc<Self>, tasks: &mut JoinSet<()>) -> Result<bool, StoreError> {
        let room = self
            .settings
            .max_in_flight
            .saturating_sub(tasks.len())
            .min(MAX_CLAIM);
        if room == 0 {
            return Ok(false);
        }
        let now_ms = now_ms();
        let held_back = self.held_back(now_ms);
        // Every account of this instance paused or with its hands full: nothing to claim. Not
        // asking spares the store a query that, with the account's queue excluded, would read
        // the whole queue to find nothing, at every send that ends.
        if !self.accounts.is_empty()
            && self
                .accounts
                .keys()
                .all(|name| held_back.iter().any(|held| held == name))
        {
            return Ok(false);
        }
        let messages = self
            .store
            .claim_messages(
                &self.settings.owner,
                now_ms,
                millis(self.settings.lease),
                u32::try_from(room).unwrap_or(u32::MAX),
                &held_back,
            )
            .await?;
        let full = messages.len() >= room;
        for message in messages {
            let in_flight = self
                .accounts
                .get(&message.account)
                .map(|lane| InFlight::new(&lane.in_flight));
            let sender = self.clone();
            tasks.spawn(async move {
                let _in_flight = in_flight;
                sender.handle(message).await;
            });
        }
        Ok(full)
    }

    /// The accounts whose queued messages are not to be claimed now: paused, or with as many
    /// in hand as they may have.
    fn held_back(&self, now_ms: i64) -> Vec<String> {
        let mut held: Vec<String> = self
            .paused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(_, until)| **until > now_ms)
            .map(|(name, _)| name.clone())
            .collect();
        held.extend(
            self.accounts
                .iter()
                .filter(|(_, lane)| lane.in_flight.load(Ordering::Relaxed) >= lane.max_in_flight)
                .map(|(name, _)| name.clone()),
        );
        held
    }

    /// When the sends of `account` resume, if its quota is spent.
    fn paused_until(&self, account: &str) -> Option<i64> {
        let paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        paused
            .get(account)
            .copied()
            .filter(|until| *until > now_ms())
    }

    fn pause(&self, account: &str, until_ms: i64) {
        let mut paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        if paused.get(account).is_none_or(|until| *until < until_ms) {
            paused.insert(account.to_owned(), until_ms);
            tracing::warn!(
                account,
                resume_at = until_ms / 1000,
                "WeChat says the account's daily quota is spent (errcode 45009): sends paused until midnight Beijing time"
            );
        }
    }

    async fn refresh_depth(&self) {
        match self.store.outbox_depth().await {
            Ok(depths) => {
                let depths: HashMap<String, u64> = depths.into_iter().collect();
                for (name, lane) in &self.accounts {
                    let depth = depths.get(name).copied().unwrap_or(0);
                    lane.account.metrics.outbox_depth(depth);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the outbox depth"),
        }
    }

    /// One claimed message, from claim to outcome, its lease renewed all along.
    async fn handle(&self, message: OutboxMessage) {
        let work = async {
            match self.accounts.get(&message.account) {
                Some(lane) => self.send(lane, &message).await,
                None => {
                    tracing::warn!(account = %message.account, id = %message.id, "a message for an account this instance does not have; left for another");
                    let next_attempt_at_ms = now_ms().saturating_add(millis(UNKNOWN_ACCOUNT_DELAY));
                    self.record(None, &message, Outcome::Requeue { next_attempt_at_ms })
                        .await;
                }
            }
        };
        tokio::select! {
            () = work => {}
            never = self.keep_lease(&message.id) => match never {},
        }
    }

    /// Renews the lease on the message `id` until dropped.
    async fn keep_lease(&self, id: &str) -> Infallible {
        loop {
            tokio::time::sleep(self.settings.renew_every).await;
            let until = now_ms().saturating_add(millis(self.settings.lease));
            match self
                .store
                .renew_lease(id, &self.settings.owner, until)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(id, "lost the lease on an outbox message in hand");
                    return std::future::pending().await;
                }
                Err(error) => {
                    tracing::warn!(id, %error, "cannot renew the lease on an outbox message")
                }
            }
        }
    }

    async fn send(&self, lane: &Lane, message: &OutboxMessage) {
        let account = &lane.account;
        let now = clock::unix_secs_i64();
        if message.status == MessageStatus::Sending {
            // Its sender died mid-call: it may or may not have reached WeChat.
            let resend = message.kind == MessageKind::Template
                && message
                    .claimed_at
                    .is_some_and(|at| now.saturating_sub(at) < CLIENT_MSG_ID_WINDOW_SECS);
            if !resend {
                tracing::warn!(account = %account.name, id = %message.id, kind = message.kind.as_str(), "found sending after an instance stopped mid-call; not sent again: unknown");
                self.record(Some(lane), message, Outcome::Unknown { at: now })
                    .await;
                return;
            }
            tracing::info!(account = %account.name, id = %message.id, "template found sending after an instance stopped mid-call; sent again with the same client_msg_id");
        }
        if self.requeued_while_paused(lane, message).await {
            return;
        }
        lane.limiter.take().await;
        if self.requeued_while_paused(lane, message).await {
            return;
        }
        let Some(body) = wechat_body(message) else {
            let outcome = Outcome::Failed {
                errcode: None,
                errmsg: "the stored message is not a JSON object".to_owned(),
                at: now,
                attempts: message.attempts.saturating_add(1),
            };
            self.record(Some(lane), message, outcome).await;
            return;
        };
        let verdict = match account.api.access_token().await {
            // No call was made: the message cannot have gone.
            Err(error) => Verdict::Transient {
                errcode: error.errcode(),
                errmsg: format!("no access token: {error}"),
            },
            Ok(_) => {
                let lease_until = now_ms().saturating_add(millis(self.settings.lease));
                match self
                    .store
                    .mark_sending(&message.id, &self.settings.owner, now, lease_until)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(id = %message.id, "lost the lease on an outbox message before sending it");
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(id = %message.id, %error, "cannot mark an outbox message sending; it goes after its lease");
                        return;
                    }
                }
                let started = Instant::now();
                let result = account
                    .api
                    .deliver(message.kind, account.miniprogram, &body)
                    .await;
                self.metrics.outbox_send_time(started.elapsed());
                Verdict::of(message.kind, result)
            }
        };
        let outcome = self.outcome(lane, message, verdict);
        self.record(Some(lane), message, outcome).await;
    }

    /// Puts `message` back in the queue when the account is paused; whether it did.
    async fn requeued_while_paused(&self, lane: &Lane, message: &OutboxMessage) -> bool {
        match self.paused_until(&lane.account.name) {
            Some(until) => {
                let outcome = Outcome::Requeue {
                    next_attempt_at_ms: until,
                };
                self.record(Some(lane), message, outcome).await;
                true
            }
            None => false,
        }
    }

    /// What `verdict` makes of `message`.
    fn outcome(&self, lane: &Lane, message: &OutboxMessage, verdict: Verdict) -> Outcome {
        let now = clock::unix_secs_i64();
        let attempts = message.attempts.saturating_add(1);
        match verdict {
            Verdict::Sent { msgid } => Outcome::Sent { msgid, at: now },
            Verdict::QuotaSpent => {
                let until = next_beijing_midnight_ms(now_ms());
                self.pause(&lane.account.name, until);
                Outcome::Requeue {
                    next_attempt_at_ms: until,
                }
            }
            Verdict::Transient { errcode, errmsg } if attempts < lane.account.send_max_attempts => {
                let wait = backoff(
                    attempts,
                    self.settings.backoff_base,
                    self.settings.backoff_max,
                );
                tracing::info!(account = %lane.account.name, id = %message.id, attempts, errcode, %errmsg, "send failed; trying again");
                Outcome::Retry {
                    attempts,
                    errcode,
                    errmsg,
                    next_attempt_at_ms: now_ms().saturating_add(millis(wait)),
                }
            }
            Verdict::Transient { errcode, errmsg } | Verdict::Permanent { errcode, errmsg } => {
                tracing::info!(account = %lane.account.name, id = %message.id, attempts, errcode, %errmsg, "send failed: failed");
                Outcome::Failed {
                    errcode,
                    errmsg,
                    at: now,
                    attempts,
                }
            }
            Verdict::MaybeSent { errmsg } => {
                tracing::warn!(account = %lane.account.name, id = %message.id, kind = message.kind.as_str(), %errmsg, "the call may have reached WeChat; not sent again: unknown");
                Outcome::Unknown { at: now }
            }
        }
    }

    /// Records `outcome` (with its webhook event) and counts it.
    async fn record(&self, lane: Option<&Lane>, message: &OutboxMessage, outcome: Outcome) {
        let body = status_event(message, &outcome)
            .and_then(|event| self.webhooks.body_for(&event, &message.client_id));
        match self
            .store
            .record_outcome(&message.id, &self.settings.owner, &outcome, body.as_deref())
            .await
        {
            Ok(true) => {
                if body.is_some() {
                    self.webhooks.wake();
                }
                if let (Some(lane), Some(result)) = (lane, send_result(&outcome)) {
                    lane.account.metrics.outbox_send(message.kind, result);
                }
                if let Outcome::Sent { msgid, .. } = outcome {
                    tracing::debug!(account = %message.account, id = %message.id, msgid, "sent");
                }
            }
            Ok(false) => {
                tracing::warn!(id = %message.id, "lost the lease on an outbox message before its outcome was recorded");
            }
            Err(error) => {
                tracing::warn!(id = %message.id, %error, "cannot record the outcome of an outbox message; it is found again after its lease");
            }
        }
    }
}

/// What a call's result means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// WeChat took it.
    Sent { msgid: Option<i64> },
    /// errcode 45009: the account's quota is spent for the day.
    QuotaSpent,
    /// It may go well when tried again.
    Transient {
        errcode: Option<i64>,
        errmsg: String,
    },
    /// It will not go: `failed`.
    Permanent {
        errcode: Option<i64>,
        errmsg: String,
    },
    /// A message that must not be sent twice may have reached WeChat: `unknown`.
    MaybeSent { errmsg: String },
}

impl Verdict {
    /// The verdict on a call for a message of `kind`.
    fn of(kind: MessageKind, result: Result<Option<i64>, ApiError>) -> Verdict {
        let error = match result {
            Ok(msgid) => return Verdict::Sent { msgid },
            Err(error) => error,
        };
        let errmsg = error.to_string();
        match error {
            ApiError::WeChat { errcode, .. } if errcode == QUOTA_SPENT => Verdict::QuotaSpent,
            ApiError::WeChat { errcode, errmsg } if TRANSIENT_ERRCODES.contains(&errcode) => {
                Verdict::Transient {
                    errcode: Some(errcode),
                    errmsg,
                }
            }
            ApiError::WeChat { errcode, errmsg } => Verdict::Permanent {
                errcode: Some(errcode),
                errmsg,
            },
            ApiError::Status(status) if status >= 500 || status == 429 => Verdict::Transient {
                errcode: None,
                errmsg,
            },
            ApiError::Status(_) | ApiError::Unsupported(_) => Verdict::Permanent {
                errcode: None,
                errmsg,
            },
            ref unsent if not_sent(unsent) => Verdict::Transient {
                errcode: None,
                errmsg,
            },
            // A timeout, a connection broken mid-call, an unreadable answer: WeChat may have
            // taken it. A template goes again under the same client_msg_id; the others not.
            _ if kind == MessageKind::Template => Verdict::Transient {
                errcode: None,
                errmsg,
            },
            _ => Verdict::MaybeSent { errmsg },
        }
    }
}

/// The body to POST: the stored payload, with `client_msg_id` = the message's id for a
/// template. `None` if the payload is not a JSON object.
fn wechat_body(message: &OutboxMessage) -> Option<Value> {
    let mut body: Value = serde_json::from_str(&message.payload).ok()?;
    let object = body.as_object_mut()?;
    if message.kind == MessageKind::Template {
        object.insert(
            "client_msg_id".to_owned(),
            Value::String(message.id.clone()),
        );
    }
    Some(body)
}

/// The status change `outcome` makes of `message`, as apps are told of it; `None` when the
/// message stays `queued`.
fn status_event<'a>(message: &'a OutboxMessage, outcome: &'a Outcome) -> Option<StatusEvent<'a>> {
    let mut event = StatusEvent::of(message, 0);
    match outcome {
        Outcome::Sent { msgid, at } => {
            event.status = MessageStatus::Sent;
            event.errcode = None;
            event.errmsg = None;
            event.msgid = *msgid;
            event.at = *at;
        }
        Outcome::Failed {
            errcode,
            errmsg,
            at,
            ..
        } => {
            event.status = MessageStatus::Failed;
            event.errcode = *errcode;
            event.errmsg = Some(errmsg);
            event.at = *at;
        }
        Outcome::Unknown { at } => {
            event.status = MessageStatus::Unknown;
            event.at = *at;
        }
        Outcome::Retry { .. } | Outcome::Requeue { .. } => return None,
    }
    Some(event)
}

/// How `outcome` is counted in `wxgate_outbox_sends_total`; a requeue is not.
fn send_result(outcome: &Outcome) -> Option<SendResult> {
    match outcome {
        Outcome::Sent { .. } => Some(SendResult::Sent),
        Outcome::Failed { .. } => Some(SendResult::Failed),
        Outcome::Unknown { .. } => Some(SendResult::Unknown),
        Outcome::Retry { .. } => Some(SendResult::Retried),
        Outcome::Requeue { .. } => None,
    }
}

/// The next midnight in Beijing (UTC+8, no daylight saving) after `now_ms`, in Unix
/// milliseconds: when WeChat's daily quotas reset.
pub fn next_beijing_midnight_ms(now_ms: i64) -> i64 {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const UTC_PLUS_8_MS: i64 = 8 * 60 * 60 * 1000;
    let local = now_ms.saturating_add(UTC_PLUS_8_MS);
    (local.div_euclid(DAY_MS) + 1) * DAY_MS - UTC_PLUS_8_MS
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(error) = done {
        if error.is_panic() {
            tracing::error!(%error, "an outbox send panicked; the message goes again after its lease");
        }
    }
}

/// Counts a message in hand for its account while it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> InFlight {
        count.fetch_add(1, Ordering::Relaxed);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where an account's calls take their tokens.
enum Limiter {
    /// A bucket in this instance.
    Local(Bucket),
    /// The account's bucket in Redis, shared by every instance; `local` while Redis does not
    /// answer.
    Shared {
        rate: AccountRate,
        /// This instance's callers ask Redis one at a time, in turn: one round trip per call
        /// (and one per wait), however many messages wait.
        turn: tokio::sync::Mutex<()>,
        local: Bucket,
    },
}

impl Limiter {
    /// Takes a token, waiting until there is one.
    async fn take(&self) {
        let (rate, turn, local) = match self {
            Limiter::Local(bucket) => return bucket.take().await,
            Limiter::Shared { rate, turn, local } => (rate, turn, local),
        };
        {
            let _turn = turn.lock().await;
            loop {
                match rate.take().await {
                    Ok(wait) if wait.is_zero() => return,
                    Ok(wait) => tokio::time::sleep(wait).await,
                    // Logged and counted by the Redis handle.
                    Err(_) => break,
                }
            }
        }
        local.take().await;
    }
}

/// A token bucket: `rate` calls a second, in bursts of at most `rate`. A caller takes its
/// token at once when there is one, else reserves the next and waits for it, so waiting callers
/// go in turn.
struct Bucket {
    rate: f64,
    capacity: f64,
    /// Tokens left (negative: reserved ahead), as of the instant.
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    fn new(rate: u32) -> Bucket {
        let rate = f64::from(rate.max(1));
        Bucket {
            rate,
            capacity: rate,
            state: Mutex::new((rate, Instant::now())),
        }
    }

    /// Takes a token, waiting until there is one.
    async fn take(&self) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let (tokens, last) = *state;
            let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate)
                .min(self.capacity)
                - 1.0;
            *state = (tokens, now);
            if tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-tokens / self.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Records WeChat's `TEMPLATESENDJOBFINISH` pushes (the delivery report of a template message)
/// in the outbox, off the callback's path.
#[derive(Clone)]
pub struct TemplateReports {
    store: Store,
    webhooks: Arc<Webhooks>,
}

impl fmt::Debug for TemplateReports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateReports").finish_non_exhaustive()
    }
}

impl TemplateReports {
    /// Reports go to `store`, with their webhook events for `webhooks`.
    pub fn new(store: Store, webhooks: Arc<Webhooks>) -> TemplateReports {
        TemplateReports { store, webhooks }
    }

    /// Starts recording `report`, pushed for `account`, in a task of its own: the template
    /// message with its msgid goes from `sent` to `delivered` (status `success`) or `failed`
    /// (WeChat's status text as errmsg). A msgid the outbox does not know is ignored.
    pub fn report(&self, account: &str, report: &TemplateSendJobFinishEvent) {
        let Ok(msgid) = report.msg_id.trim().parse::<i64>() else {
            tracing::debug!(
                account,
                "TEMPLATESENDJOBFINISH without a numeric MsgID; ignored"
            );
            return;
        };
        let reports = self.clone();
        let account = account.to_owned();
        let status = report.status.clone();
        tokio::spawn(async move { reports.record(&account, msgid, &status).await });
    }

    /// Records the report now; the message as it is after it (`None` for an unknown msgid).
    pub async fn record(&self, account: &str, msgid: i64, status: &str) -> Option<OutboxMessage> {
        let now = clock::unix_secs_i64();
        let webhooks = &self.webhooks;
        let result = self
            .store
            .template_finished(account, msgid, status, now, |message| {
                webhooks.body_for(&StatusEvent::of(message, now), &message.client_id)
            })
            .await;
        match result {
            Ok(Some(message)) => {
                if message.finished_at == Some(now) && webhooks.has(&message.client_id) {
                    webhooks.wake();
                }
                tracing::debug!(
                    account,
                    msgid,
                    status = message.status.as_str(),
                    "template delivery report recorded"
                );
                Some(message)
            }
            Ok(None) => {
                tracing::debug!(
                    account,
                    msgid,
                    "delivery report of a template message the outbox does not know; ignored"
                );
                None
            }
            Err(error) => {
                tracing::warn!(account, msgid, %error, "cannot record a template delivery report");
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "sender_test.rs"]
mod tests;
