//! The durable outbox behind the send API: the messages apps asked to send, the idempotency keys
//! they were accepted under, and the webhook events that tell the apps what became of them.
//!
//! - **Accepting**: [`Store::accept_messages`] stores a whole batch of messages, and their keys,
//!   in one transaction (one commit, one fsync, for many requests: `crate::outbox::accept`
//!   gathers them). A key is remembered for [`IDEMPOTENCY_KEY_TTL_SECS`] per client and account;
//!   while it is, the same key finds the message stored first.
//! - **Sending**: senders on every instance share the queue through leases. A sender claims due
//!   messages ([`Store::claim_messages`]): each gets the sender's name (`lease_owner`) and an end
//!   (`lease_until_ms`), and no other sender can claim it before that end. Every later change of
//!   a claimed message ([`Store::mark_sending`], [`Store::renew_lease`],
//!   [`Store::record_outcome`]) names the owner and changes nothing once another sender holds
//!   the lease. A sender that dies mid-call leaves its message `sending` with a lease that ends;
//!   another sender then claims it and decides between sending again and `unknown`.
//!   On PostgreSQL a claim locks the rows it takes with `FOR UPDATE SKIP LOCKED`, so two
//!   instances claiming at the same moment take different messages instead of waiting on each
//!   other; on SQLite a claim runs under the write lock (`BEGIN IMMEDIATE`), which also keeps
//!   gateways in other processes sharing the file out.
//! - **Webhook events**: each status change an app is told about (`sent`, `delivered`, `failed`,
//!   `unknown`) is queued as an event in the same transaction as the change
//!   ([`Store::record_outcome`], [`Store::template_finished`]), and delivered in order per
//!   message ([`Store::claim_webhooks`]).
//!
//! Times are Unix seconds (`created_at`, `sent_at`, `finished_at`, `claimed_at`), except when a
//! message or event is next due and when a lease ends, which are Unix milliseconds (`*_ms`).
//! All of them are chosen by the caller (`crate::clock`).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::backend::{BeginWrite, Pool, with_pool};
use super::{Store, StoreError};

/// How long an idempotency key is remembered, in seconds (24 hours): within this time of the
/// first request, the same key finds the same message; after it, the key stores a new message.
pub const IDEMPOTENCY_KEY_TTL_SECS: i64 = 24 * 60 * 60;

/// The most messages or webhook events one claim takes, whatever limit it is given.
const MAX_CLAIM: u32 = 1000;

/// Kind of a message: "template" | "subscribe" | "custom".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// A template message of an official account (`message/template/send`).
    Template,
    /// A subscribe message (`message/subscribe/bizsend` or the mini program's
    /// `message/subscribe/send`).
    Subscribe,
    /// A customer-service message (`message/custom/send`).
    Custom,
}

impl MessageKind {
    /// The kind as stored and as the API writes it: `template`, `subscribe` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Template => "template",
            MessageKind::Subscribe => "subscribe",
            MessageKind::Custom => "custom",
        }
    }
}

impl FromStr for MessageKind {
    type Err = String;

    /// Reads what [`MessageKind::as_str`] writes.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "template" => Ok(MessageKind::Template),
            "subscribe" => Ok(MessageKind::Subscribe),
            "custom" => Ok(MessageKind::Custom),
            other => Err(format!("unknown message kind `{other}`")),
        }
    }
}

/// "queued" | "sending" | "sent" | "delivered" | "failed" | "unknown"
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Waiting for a sender (at first, and between attempts).
    Queued,
    /// A sender is calling WeChat (or was, when it died).
    Sending,
    /// WeChat accepted it.
    Sent,
    /// WeChat reported a template message delivered (`TEMPLATESENDJOBFINISH` "success").
    Delivered,
    /// WeChat refused it, a delivery report said it failed, or every attempt was spent.
    Failed,
    /// A sender died during the call and the message cannot be sent again safely.
    Unknown,
}

impl MessageStatus {
    /// Every status, in the order a message goes through them.
    pub const ALL: [MessageStatus; 6] = [
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Failed,
        MessageStatus::Unknown,
    ];

    /// The status as stored and as the API writes it: `queued`, `sending`, `sent`,
    /// `delivered`, `failed` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Unknown => "unknown",
        }
    }

    /// Whether apps are told of a change to this status by webhook: every status after
    /// `queued` and `sending`.
    fn is_reported(self) -> bool {
        !matches!(self, MessageStatus::Queued | MessageStatus::Sending)
    }
}

impl FromStr for MessageStatus {
    type Err = String;

    /// Reads what [`MessageStatus::as_str`] writes.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "queued" => Ok(MessageStatus::Queued),
            "sending" => Ok(MessageStatus::Sending),
            "sent" => Ok(MessageStatus::Sent),
            "delivered" => Ok(MessageStatus::Delivered),
            "failed" => Ok(MessageStatus::Failed),
            "unknown" => Ok(MessageStatus::Unknown),
            other => Err(format!("unknown message status `{other}`")),
        }
    }
}

/// A message to accept ([`Store::accept_messages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The message's id, unique among all messages (the API's `id`, and `client_msg_id` for
    /// templates).
    pub id: String,
    /// The account that sends it.
    pub account: String,
    /// The client (app) that asked for it.
    pub client_id: String,
    /// Its kind.
    pub kind: MessageKind,
    /// The openid it goes to.
    pub recipient: String,
    /// The JSON body sent to WeChat, ready.
    pub payload: String,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: String,
    /// SHA-256 hex of the canonical request JSON.
    pub body_hash: String,
    /// When it was accepted (Unix seconds); due at once.
    pub created_at: i64,
}

/// A stored message and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// The message's id.
    pub id: String,
    /// The account that sends it.
    pub account: String,
    /// The client that asked for it.
    pub client_id: String,
    /// Its kind.
    pub kind: MessageKind,
    /// The openid it goes to.
    pub recipient: String,
    /// The JSON body sent to WeChat.
    pub payload: String,
    /// Where it is.
    pub status: MessageStatus,
    /// WeChat calls counted so far.
    pub attempts: u32,
    /// WeChat's errcode of the last failure, if any.
    pub errcode: Option<i64>,
    /// WeChat's errmsg of the last failure, or the failed delivery report's status text.
    pub errmsg: Option<String>,
    /// WeChat's msgid, once sent (when WeChat gives one).
    pub msgid: Option<i64>,
    /// When it was accepted.
    pub created_at: i64,
    /// When WeChat accepted it.
    pub sent_at: Option<i64>,
    /// When it ended `delivered`, `failed` or `unknown`.
    pub finished_at: Option<i64>,
    /// When it is next due (Unix milliseconds).
    pub next_attempt_at_ms: i64,
    /// When it was last marked `sending`.
    pub claimed_at: Option<i64>,
}

/// What [`Store::accept_messages`] did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The message was stored, under its key.
    Created(OutboxMessage),
    /// The key already names a message (accepted less than 24 hours ago): that message, as it
    /// is now, and whether it was accepted with the same body hash.
    Existing {
        /// The message stored under the key.
        message: OutboxMessage,
        /// Whether the request's body hash is the stored one.
        same_body: bool,
    },
}

/// What became of a claimed message ([`Store::record_outcome`]). Each ends the sender's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The message reached WeChat at `at`: `sent`, with WeChat's msgid if it gave one, and one
    /// more attempt counted (the call that succeeded). Clears the errcode and errmsg of earlier
    /// attempts.
    Sent {
        /// WeChat's msgid (templates, and subscribe messages that return one).
        msgid: Option<i64>,
        /// When.
        at: i64,
    },
    /// WeChat refused the message for good, or every attempt was spent: `failed` at `at`, after
    /// `attempts` calls in all.
    Failed {
        /// WeChat's errcode, if it answered with one.
        errcode: Option<i64>,
        /// WeChat's errmsg, or what went wrong.
        errmsg: String,
        /// When.
        at: i64,
        /// Calls counted in all.
        attempts: u32,
    },
    /// Found `sending` after a sender died, and not safe to send again: `unknown` at `at`.
    Unknown {
        /// When.
        at: i64,
    },
    /// A transient failure: back to `queued`, due again at `next_attempt_at_ms`, after
    /// `attempts` calls in all.
    Retry {
        /// Calls counted in all.
        attempts: u32,
        /// WeChat's errcode, if it answered with one.
        errcode: Option<i64>,
        /// WeChat's errmsg, or what went wrong.
        errmsg: String,
        /// When it is due again (Unix milliseconds).
        next_attempt_at_ms: i64,
    },
    /// Back to `queued`, due again at `next_attempt_at_ms`, attempts unchanged (the account's
    /// daily quota is spent).
    Requeue {
        /// When it is due again (Unix milliseconds).
        next_attempt_at_ms: i64,
    },
}

/// A webhook event to deliver: one POST of `body` to the webhook of the client `client_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The event's id, ascending in the order events were queued.
    pub id: i64,
    /// The message it reports on.
    pub message_id: String,
    /// The client to tell.
    pub client_id: String,
    /// The JSON body to POST, as given when the event was queued.
    pub body: String,
    /// Deliveries tried so far.
    pub attempts: u32,
    /// When the event was queued (Unix seconds).
    pub created_at: i64,
}

/// The columns of a [`MessageRow`], in its order.
const MESSAGE_COLUMNS: &str = "id, account, client_id, kind, recipient, payload, status, \
     attempts, errcode, errmsg, msgid, created_at, sent_at, finished_at, next_attempt_at_ms, \
     claimed_at";

/// A row of `outbox_messages` ([`MESSAGE_COLUMNS`]).
type MessageRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);

/// A row of `outbox_webhooks`: id, message_id, client_id, body, attempts, created_at.
type WebhookRow = (i64, String, String, String, i64, i64);

/// An idempotency key's row: message_id, body_hash.
type KeyRow = (String, String);

impl Store {
    /// Stores a batch of messages in one transaction (group commit: one fsync for many sends).
    /// For each item: when (client_id, account, idempotency_key) is unknown, or its record is
    /// [`IDEMPOTENCY_KEY_TTL_SECS`] old or older at the item's `created_at`, stores the message
    /// and the key -> [`Accepted::Created`]; otherwise -> [`Accepted::Existing`] with the stored
    /// message and whether `body_hash` matches. Two items of one batch with the same key: the
    /// first creates, the second is Existing. The answers are in the batch's order, and new
    /// messages are queued in that order.
    ///
    /// Concurrent batches (on other instances too) agree: a key is taken by exactly one of
    /// them, and the others find its message. Fails as a whole, storing nothing, for example
    /// when a message's id is already taken.
    pub async fn accept_messages(&self, batch: &[NewMessage]) -> Result<Vec<Accepted>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Keys are taken in one order by every batch, so two batches on PostgreSQL waiting for
        // each other's keys cannot deadlock. The sort is stable: of two items with one key, the
        // first of the batch still comes first.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by_key(|&index| {
            let m = &batch[index];
            (
                m.client_id.as_str(),
                m.account.as_str(),
                m.idempotency_key.as_str(),
            )
        });
        self.io(async move {
            let mut answers: Vec<Option<Accepted>> = vec![None; batch.len()];
            with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                // First the keys: each free or expired one is taken, and its message will be
                // stored. On PostgreSQL, a key another transaction is inserting makes this wait
                // for that transaction, then find the key taken.
                let mut taken = vec![false; batch.len()];
                for &index in &order {
                    let new = &batch[index];
                    let row: Option<String> = sqlx::query_scalar(
                        "INSERT INTO outbox_idempotency_keys \
                         (client_id, account, idempotency_key, message_id, body_hash, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (client_id, account, idempotency_key) DO UPDATE SET \
                         message_id = excluded.message_id, body_hash = excluded.body_hash, \
                         created_at = excluded.created_at \
                         WHERE outbox_idempotency_keys.created_at <= $7 \
                         RETURNING message_id",
                    )
                    .bind(&new.client_id)
                    .bind(&new.account)
                    .bind(&new.idempotency_key)
                    .bind(&new.id)
                    .bind(&new.body_hash)
                    .bind(new.created_at)
                    .bind(new.created_at.saturating_sub(IDEMPOTENCY_KEY_TTL_SECS))
                    .fetch_optional(&mut *tx)
                    .await?;
                    taken[index] = row.is_some();
                }
                // Then the new messages, in the batch's order: the order senders take them.
                for (index, new) in batch.iter().enumerate().filter(|(i, _)| taken[*i]) {
                    sqlx::query(
                        "INSERT INTO outbox_messages (id, account, client_id, kind, recipient, \
                         payload, status, attempts, created_at, next_attempt_at_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8)",
                    )
                    .bind(&new.id)
                    .bind(&new.account)
                    .bind(&new.client_id)
                    .bind(new.kind.as_str())
                    .bind(&new.recipient)
                    .bind(&new.payload)
                    .bind(new.created_at)
                    .bind(new.created_at.saturating_mul(1000))
                    .execute(&mut *tx)
                    .await?;
                    answers[index] = Some(Accepted::Created(queued(new)));
                }
                // Last, the messages the other keys name (stored earlier, or just now for a key
                // that came twice in this batch).
                for (index, new) in batch.iter().enumerate().filter(|(i, _)| !taken[*i]) {
                    let (message_id, body_hash): KeyRow = sqlx::query_as(
                        "SELECT message_id, body_hash FROM outbox_idempotency_keys \
                         WHERE client_id = $1 AND account = $2 AND idempotency_key = $3",
                    )
                    .bind(&new.client_id)
                    .bind(&new.account)
                    .bind(&new.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await?;
                    let row: Option<MessageRow> = sqlx::query_as(&format!(
                        "SELECT {MESSAGE_COLUMNS} FROM outbox_messages WHERE id = $1"
                    ))
                    .bind(&message_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else {
                        return Err(StoreError::Database(format!(
                            "the idempotency key of message {message_id} names no stored \
                             message: the outbox tables were altered"
                        )));
                    };
                    answers[index] = Some(Accepted::Existing {
                        message: message_from_row(row)?,
                        same_body: body_hash == new.body_hash,
                    });
                }
                tx.commit().await?;
            });
            answers
                .into_iter()
                .map(|answer| {
                    answer.ok_or_else(|| {
                        StoreError::Database("a message of the batch was left unanswered".into())
                    })
                })
                .collect()
        })
        .await
    }

    /// The message `id` of `account` accepted from `client_id`; `None` if there is none (or it
    /// belongs to another account or client).
    pub async fn outbox_message(
        &self,
        account: &str,
        client_id: &str,
        id: &str,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        self.io(async move {
            let row: Option<MessageRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox_messages \
                     WHERE id = $1 AND account = $2 AND client_id = $3"
                ))
                .bind(id)
                .bind(account)
                .bind(client_id)
                .fetch_optional(pool)
                .await?
            });
            row.map(message_from_row).transpose()
        })
        .await
    }

    /// Claims up to `limit` (at most 1,000) due messages for `owner`, with a lease until
    /// `now_ms + lease_ms`: `queued` ones with `next_attempt_at_ms <= now_ms`, not of an account
    /// in `paused`; and `sending` ones (of any account) whose lease has ended (a sender died
    /// mid-call: the caller decides between sending again and [`Outcome::Unknown`]). Messages
    /// under another sender's lease are never taken. Oldest first (in the order they were
    /// accepted); the status of a claimed message is unchanged.
    ///
    /// PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` in one transaction, so concurrent claims
    /// on any instance take different messages; SQLite: under the write lock.
    pub async fn claim_messages(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
        paused: &[String],
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let limit = limit.min(MAX_CLAIM);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let not_paused = if paused.is_empty() {
            String::new()
        } else {
            format!("AND account NOT IN ({}) ", placeholders(3, paused.len()))
        };
        // The first condition is the index's (outbox_messages_active), word for word, so that
        // SQLite sees it can use it.
        let select = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox_messages \
             WHERE status IN ('queued', 'sending') \
             AND ((status = 'queued' AND next_attempt_at_ms <= $1 {not_paused}) \
             OR status = 'sending') \
             AND (lease_until_ms IS NULL OR lease_until_ms <= $1) \
             ORDER BY seq LIMIT $2{}",
            self.skip_locked()
        );
        let lease_until_ms = now_ms.saturating_add(lease_ms);
        self.io(async move {
            let rows: Vec<MessageRow> = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let mut query = sqlx::query_as(&select).bind(now_ms).bind(i64::from(limit));
                for account in paused {
                    query = query.bind(account);
                }
                let rows: Vec<MessageRow> = query.fetch_all(&mut *tx).await?;
                if !rows.is_empty() {
                    let update = format!(
                        "UPDATE outbox_messages SET lease_owner = $1, lease_until_ms = $2 \
                         WHERE id IN ({})",
                        placeholders(3, rows.len())
                    );
                    let mut query = sqlx::query(&update).bind(owner).bind(lease_until_ms);
                    for row in &rows {
                        query = query.bind(&row.0);
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                rows
            });
            if !rows.is_empty() {
                tracing::debug!(owner, claimed = rows.len(), "outbox messages claimed");
            }
            rows.into_iter().map(message_from_row).collect()
        })
        .await
    }

    /// Marks the claimed message `id` `sending`, with its lease until `lease_until_ms`, and
    /// sets `claimed_at` to `now` unless it was already `sending` (a message found `sending`
    /// after a crash keeps when it was first marked). Only while `owner` holds the lease;
    /// returns whether it did.
    pub async fn mark_sending(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        lease_until_ms: i64,
    ) -> Result<bool, StoreError> {
        self.io(async move {
            let updated = with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE outbox_messages SET status = 'sending', \
                     claimed_at = CASE WHEN status = 'sending' THEN COALESCE(claimed_at, $3) \
                     ELSE $3 END, lease_until_ms = $4 \
                     WHERE id = $1 AND lease_owner = $2 AND status IN ('queued', 'sending')",
                )
                .bind(id)
                .bind(owner)
                .bind(now)
                .bind(lease_until_ms)
                .execute(pool)
                .await?
                .rows_affected()
            });
            Ok(updated > 0)
        })
        .await
    }

    /// Gives up `owner`'s leases on the messages it claimed but has not started sending (a
    /// sender that stops): another sender, or this one restarted, may take them at once
    /// instead of after the lease. Messages already `sending` keep their lease: what happens to
    /// them is decided when the lease ends. Returns how many were released.
    pub async fn release_queued_leases(&self, owner: &str) -> Result<u64, StoreError> {
        self.io(async move {
            let released = with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE outbox_messages SET lease_owner = NULL, lease_until_ms = NULL \
                     WHERE lease_owner = $1 AND status = 'queued'",
                )
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
            });
            Ok(released)
        })
        .await
    }

    /// Extends `owner`'s lease on the message `id` until `lease_until_ms` (while a call is in
    /// flight). Only while `owner` holds the lease; returns whether it did.
    pub async fn renew_lease(
        &self,
        id: &str,
        owner: &str,
        lease_until_ms: i64,
    ) -> Result<bool, StoreError> {
        self.io(async move {
            let updated = with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE outbox_messages SET lease_until_ms = $3 \
                     WHERE id = $1 AND lease_owner = $2 AND status IN ('queued', 'sending')",
                )
                .bind(id)
                .bind(owner)
                .bind(lease_until_ms)
                .execute(pool)
                .await?
                .rows_affected()
            });
            Ok(updated > 0)
        })
        .await
    }

    /// Records `outcome` for the claimed message `id` and ends the lease, only while `owner`
    /// holds it; returns whether it did. In the same transaction, when `webhook_body` is given
    /// and the message's status changed to one apps are told of (`sent`, `failed`, `unknown`),
    /// queues a webhook event with that body for the message's client, due at once.
    pub async fn record_outcome(
        &self,
        id: &str,
        owner: &str,
        outcome: &Outcome,
        webhook_body: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let row: Option<MessageRow> = sqlx::query_as(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox_messages \
                     WHERE id = $1 AND lease_owner = $2"
                ))
                .bind(id)
                .bind(owner)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                let before = message_from_row(row)?;
                let after = apply(&before, outcome);
                let updated = sqlx::query(
                    "UPDATE outbox_messages SET status = $3, attempts = $4, errcode = $5, \
                     errmsg = $6, msgid = $7, sent_at = $8, finished_at = $9, \
                     next_attempt_at_ms = $10, lease_owner = NULL, lease_until_ms = NULL \
                     WHERE id = $1 AND lease_owner = $2",
                )
                .bind(id)
                .bind(owner)
                .bind(after.status.as_str())
                .bind(i64::from(after.attempts))
                .bind(after.errcode)
                .bind(&after.errmsg)
                .bind(after.msgid)
                .bind(after.sent_at)
                .bind(after.finished_at)
                .bind(after.next_attempt_at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                if after.status != before.status && after.status.is_reported() {
                    if let (Some(body), Some(at)) = (webhook_body, outcome_time(outcome)) {
                        sqlx::query(INSERT_WEBHOOK)
                            .bind(&after.id)
                            .bind(&after.client_id)
                            .bind(body)
                            .bind(at)
                            .bind(at.saturating_mul(1000))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
            });
            Ok(true)
        })
        .await
    }

    /// A `TEMPLATESENDJOBFINISH` push: the template message of `account` with `msgid` goes from
    /// `sent` to `delivered` (`status_text` "success") or `failed` (`errmsg` = `status_text`),
    /// `finished_at` = `now`; in the same transaction, queues a webhook event with the body
    /// `webhook_body` gives for the changed message, if it gives one. Returns the message as it
    /// is now: changed, or as it was when it was not `sent` (a push WeChat repeated); `None` for
    /// an unknown msgid.
    pub async fn template_finished(
        &self,
        account: &str,
        msgid: i64,
        status_text: &str,
        now: i64,
        webhook_body: impl Fn(&OutboxMessage) -> Option<String>,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        let select = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox_messages \
             WHERE account = $1 AND msgid = $2 AND msgid IS NOT NULL AND kind = 'template' \
             ORDER BY status = 'sent' DESC, seq LIMIT 1"
        );
        self.io(async move {
            with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                for _ in 0..2 {
                    let row: Option<MessageRow> = sqlx::query_as(&select)
                        .bind(account)
                        .bind(msgid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        tx.rollback().await?;
                        return Ok(None);
                    };
                    let mut message = message_from_row(row)?;
                    if message.status != MessageStatus::Sent {
                        tx.rollback().await?;
                        return Ok(Some(message));
                    }
                    if status_text == "success" {
                        message.status = MessageStatus::Delivered;
                    } else {
                        message.status = MessageStatus::Failed;
                        message.errmsg = Some(status_text.to_owned());
                    }
                    message.finished_at = Some(now);
                    let updated = sqlx::query(
                        "UPDATE outbox_messages SET status = $2, errmsg = $3, finished_at = $4 \
                         WHERE id = $1 AND status = 'sent'",
                    )
                    .bind(&message.id)
                    .bind(message.status.as_str())
                    .bind(&message.errmsg)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if updated == 0 {
                        // The same push, handled at this moment by another instance: read the
                        // message again as that one left it.
                        continue;
                    }
                    if let Some(body) = webhook_body(&message) {
                        sqlx::query(INSERT_WEBHOOK)
                            .bind(&message.id)
                            .bind(&message.client_id)
                            .bind(&body)
                            .bind(now)
                            .bind(now.saturating_mul(1000))
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    return Ok(Some(message));
                }
                tx.rollback().await?;
                Err(StoreError::Database(format!(
                    "the template message with msgid {msgid} kept changing while its delivery \
                     report was recorded"
                )))
            })
        })
        .await
    }

    /// Claims up to `limit` (at most 1,000) due webhook events for `owner`, with a lease until
    /// `now_ms + lease_ms`, oldest first: events due at `now_ms` and under no other lease, and
    /// only the earliest pending event of each message, so a message's events are delivered in
    /// order. PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: under the write lock.
    pub async fn claim_webhooks(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        let limit = limit.min(MAX_CLAIM);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let select = format!(
            "SELECT w.id, w.message_id, w.client_id, w.body, w.attempts, w.created_at \
             FROM outbox_webhooks w \
             WHERE w.next_attempt_at_ms <= $1 \
             AND (w.lease_until_ms IS NULL OR w.lease_until_ms <= $1) \
             AND NOT EXISTS (SELECT 1 FROM outbox_webhooks e \
             WHERE e.message_id = w.message_id AND e.id < w.id) \
             ORDER BY w.id LIMIT $2{}",
            self.skip_locked()
        );
        let lease_until_ms = now_ms.saturating_add(lease_ms);
        self.io(async move {
            let rows: Vec<WebhookRow> = with_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let rows: Vec<WebhookRow> = sqlx::query_as(&select)
                    .bind(now_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                if !rows.is_empty() {
                    let update = format!(
                        "UPDATE outbox_webhooks SET lease_owner = $1, lease_until_ms = $2 \
                         WHERE id IN ({})",
                        placeholders(3, rows.len())
                    );
                    let mut query = sqlx::query(&update).bind(owner).bind(lease_until_ms);
                    for row in &rows {
                        query = query.bind(row.0);
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                rows
            });
            rows.into_iter()
                .map(|(id, message_id, client_id, body, attempts, created_at)| {
                    Ok(WebhookEvent {
                        id,
                        message_id,
                        client_id,
                        body,
                        attempts: attempts_from(attempts)?,
                        created_at,
                    })
                })
                .collect()
        })
        .await
    }

    /// The webhook event `event_id` was delivered (or given up): it is deleted, which lets the
    /// message's next event be claimed.
    pub async fn webhook_done(&self, event_id: i64) -> Result<(), StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                sqlx::query("DELETE FROM outbox_webhooks WHERE id = $1")
                    .bind(event_id)
                    .execute(pool)
                    .await?;
            });
            Ok(())
        })
        .await
    }

    /// The webhook event `event_id` failed: it is due again at `next_at_ms`, after `attempts`
    /// deliveries in all, and its lease ends.
    pub async fn webhook_retry(
        &self,
        event_id: i64,
        attempts: u32,
        next_at_ms: i64,
    ) -> Result<(), StoreError> {
        self.io(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE outbox_webhooks SET attempts = $2, next_attempt_at_ms = $3, \
                     lease_owner = NULL, lease_until_ms = NULL WHERE id = $1",
                )
                .bind(event_id)
                .bind(i64::from(attempts))
                .bind(next_at_ms)
                .execute(pool)
                .await?;
            });
            Ok(())
        })
        .await
    }

    /// How many messages are `queued` or `sending`, per account (accounts with none are left
    /// out), by account name.
    pub async fn outbox_depth(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.io(async move {
            let rows: Vec<(String, i64)> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT account, COUNT(*) FROM outbox_messages \
                     WHERE status IN ('queued', 'sending') GROUP BY account ORDER BY account",
                )
                .fetch_all(pool)
                .await?
            });
            Ok(rows
                .into_iter()
                .map(|(account, count)| (account, u64::try_from(count).unwrap_or(0)))
                .collect())
        })
        .await
    }

    /// How many messages of `account` are in each status: every status, in the order
    /// [`MessageStatus::ALL`] lists them, with 0 for a status no message has.
    pub async fn outbox_status_counts(
        &self,
        account: &str,
    ) -> Result<Vec<(MessageStatus, u64)>, StoreError> {
        self.io(async move {
            let rows: Vec<(String, i64)> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT status, COUNT(*) FROM outbox_messages \
                     WHERE account = $1 GROUP BY status",
                )
                .bind(account)
                .fetch_all(pool)
                .await?
            });
            let mut counts: Vec<(MessageStatus, u64)> = MessageStatus::ALL
                .iter()
                .map(|status| (*status, 0))
                .collect();
            for (status, count) in rows {
                let status: MessageStatus = status.parse().map_err(|err: String| {
                    StoreError::Database(format!("{err}: the outbox was altered"))
                })?;
                if let Some(slot) = counts.iter_mut().find(|(known, _)| *known == status) {
                    slot.1 = u64::try_from(count).unwrap_or(0);
                }
            }
            Ok(counts)
        })
        .await
    }

    /// The `limit` (at most 1,000) messages of `account` accepted last, newest first.
    pub async fn recent_outbox_messages(
        &self,
        account: &str,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        self.io(async move {
            let rows: Vec<MessageRow> = with_pool!(self, |pool| {
                sqlx::query_as(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox_messages \
                     WHERE account = $1 ORDER BY seq DESC LIMIT $2"
                ))
                .bind(account)
                .bind(i64::from(limit.min(MAX_CLAIM)))
                .fetch_all(pool)
                .await?
            });
            rows.into_iter().map(message_from_row).collect()
        })
        .await
    }

    /// Deletes the idempotency keys recorded before `cutoff` (the caller passes now minus
    /// [`IDEMPOTENCY_KEY_TTL_SECS`]). The messages stay. Returns how many were deleted.
    pub async fn purge_idempotency_keys(&self, cutoff: i64) -> Result<u64, StoreError> {
        self.io(async move {
            let purged = with_pool!(self, |pool| {
                sqlx::query("DELETE FROM outbox_idempotency_keys WHERE created_at < $1")
                    .bind(cutoff)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            if purged > 0 {
                tracing::debug!(purged, "expired idempotency keys purged");
            }
            Ok(purged)
        })
        .await
    }

    /// What a claim's `SELECT` ends with: on PostgreSQL, a lock on the rows it returns that
    /// skips rows another transaction holds; nothing on SQLite, where the write lock keeps
    /// every other writer out.
    fn skip_locked(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(..) => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// Queues a webhook event: message_id, client_id, body, created_at, next_attempt_at_ms.
const INSERT_WEBHOOK: &str = "INSERT INTO outbox_webhooks \
     (message_id, client_id, body, attempts, created_at, next_attempt_at_ms) \
     VALUES ($1, $2, $3, 0, $4, $5)";

/// `count` placeholders numbered from `first`: `$3, $4, $5`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A message just accepted, as stored.
fn queued(new: &NewMessage) -> OutboxMessage {
    OutboxMessage {
        id: new.id.clone(),
        account: new.account.clone(),
        client_id: new.client_id.clone(),
        kind: new.kind,
        recipient: new.recipient.clone(),
        payload: new.payload.clone(),
        status: MessageStatus::Queued,
        attempts: 0,
        errcode: None,
        errmsg: None,
        msgid: None,
        created_at: new.created_at,
        sent_at: None,
        finished_at: None,
        next_attempt_at_ms: new.created_at.saturating_mul(1000),
        claimed_at: None,
    }
}

/// `message` after `outcome`.
fn apply(message: &OutboxMessage, outcome: &Outcome) -> OutboxMessage {
    let mut after = message.clone();
    match outcome {
        Outcome::Sent { msgid, at } => {
            after.status = MessageStatus::Sent;
            after.attempts = message.attempts.saturating_add(1);
            after.msgid = *msgid;
            after.sent_at = Some(*at);
            after.errcode = None;
            after.errmsg = None;
        }
        Outcome::Failed {
            errcode,
            errmsg,
            at,
            attempts,
        } => {
            after.status = MessageStatus::Failed;
            after.attempts = *attempts;
            after.errcode = *errcode;
            after.errmsg = Some(errmsg.clone());
            after.finished_at = Some(*at);
        }
        Outcome::Unknown { at } => {
            after.status = MessageStatus::Unknown;
            after.finished_at = Some(*at);
        }
        Outcome::Retry {
            attempts,
            errcode,
            errmsg,
            next_attempt_at_ms,
        } => {
            after.status = MessageStatus::Queued;
            after.attempts = *attempts;
            after.errcode = *errcode;
            after.errmsg = Some(errmsg.clone());
            after.next_attempt_at_ms = *next_attempt_at_ms;
        }
        Outcome::Requeue { next_attempt_at_ms } => {
            after.status = MessageStatus::Queued;
            after.next_attempt_at_ms = *next_attempt_at_ms;
        }
    }
    after
}

/// When an outcome apps are told of happened (Unix seconds).
fn outcome_time(outcome: &Outcome) -> Option<i64> {
    match outcome {
        Outcome::Sent { at, .. } | Outcome::Failed { at, .. } | Outcome::Unknown { at } => {
            Some(*at)
        }
        Outcome::Retry { .. } | Outcome::Requeue { .. } => None,
    }
}

/// A stored count of attempts, which is never negative.
fn attempts_from(attempts: i64) -> Result<u32, StoreError> {
    u32::try_from(attempts).map_err(|_| {
        StoreError::Database(format!(
            "a stored attempt count is out of range ({attempts}): the outbox tables were altered"
        ))
    })
}

/// The message of a row of [`MESSAGE_COLUMNS`].
fn message_from_row(row: MessageRow) -> Result<OutboxMessage, StoreError> {
    let (
        id,
        account,
        client_id,
        kind,
        recipient,
        payload,
        status,
        attempts,
        errcode,
        errmsg,
        msgid,
        created_at,
        sent_at,
        finished_at,
        next_attempt_at_ms,
        claimed_at,
    ) = row;
    let altered = |err: String| StoreError::Database(format!("{err}: the outbox was altered"));
    Ok(OutboxMessage {
        kind: kind.parse().map_err(altered)?,
        status: status.parse().map_err(altered)?,
        attempts: attempts_from(attempts)?,
        id,
        account,
        client_id,
        recipient,
        payload,
        errcode,
        errmsg,
        msgid,
        created_at,
        sent_at,
        finished_at,
        next_attempt_at_ms,
        claimed_at,
    })
}

#[cfg(test)]
#[path = "outbox_test.rs"]
mod tests;
