-- The durable outbox behind the send API: messages accepted from apps, the idempotency keys
-- they were accepted under, and the webhook events that report their progress to the apps.
--
-- Times are Unix seconds, but `*_ms` columns (when a message or event is due, when a lease
-- ends), which are Unix milliseconds. The same tables and indexes as migrations/postgres/, in
-- the same words, apart from the two ids (on PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY
-- PRIMARY KEY).
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.

-- Every message accepted, in the order it was accepted (seq). A sender claims due messages with
-- a lease (lease_owner, lease_until_ms): another sender may take a message only once its lease
-- has ended, and every change of state names the lease's owner.
CREATE TABLE outbox_messages (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,  -- acceptance order
    id                 TEXT    NOT NULL UNIQUE,
    account            TEXT    NOT NULL,
    client_id          TEXT    NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('template', 'subscribe', 'custom')),
    recipient          TEXT    NOT NULL,
    payload            TEXT    NOT NULL,  -- the JSON body sent to WeChat
    status             TEXT    NOT NULL CHECK (status IN
                           ('queued', 'sending', 'sent', 'delivered', 'failed', 'unknown')),
    attempts           BIGINT  NOT NULL DEFAULT 0,  -- WeChat calls counted so far
    errcode            BIGINT,
    errmsg             TEXT,
    msgid              BIGINT,            -- WeChat's msgid, once sent
    created_at         BIGINT  NOT NULL,
    sent_at            BIGINT,
    finished_at        BIGINT,            -- delivered, failed or unknown
    next_attempt_at_ms BIGINT  NOT NULL,  -- not claimed before
    claimed_at         BIGINT,            -- when it was last marked sending
    lease_owner        TEXT,              -- the sender holding it, NULL when none does
    lease_until_ms     BIGINT
);

-- The messages still to send, in acceptance order: what claims scan, and what the queue depth
-- counts. Finished messages leave the index.
CREATE INDEX outbox_messages_active ON outbox_messages (seq)
    WHERE status IN ('queued', 'sending');

-- TEMPLATESENDJOBFINISH pushes find their message by account and msgid.
CREATE INDEX outbox_messages_msgid ON outbox_messages (account, msgid)
    WHERE msgid IS NOT NULL;

-- The Idempotency-Key of each accepted message, per client and account, with the hash of the
-- request it came with. A key is remembered for 24 hours; after that the same key stores a new
-- message, and the row points at it.
CREATE TABLE outbox_idempotency_keys (
    client_id       TEXT   NOT NULL,
    account         TEXT   NOT NULL,
    idempotency_key TEXT   NOT NULL,
    message_id      TEXT   NOT NULL,
    body_hash       TEXT   NOT NULL,  -- SHA-256 hex of the canonical request JSON
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (client_id, account, idempotency_key)
);

-- Keys older than 24 hours are purged.
CREATE INDEX outbox_idempotency_keys_created_at ON outbox_idempotency_keys (created_at);

-- Webhook events still to deliver, each the body of one POST to the message's client. An event
-- is deleted once delivered; one waits while an earlier event of its message is here.
CREATE TABLE outbox_webhooks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id         TEXT    NOT NULL REFERENCES outbox_messages (id),
    client_id          TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    attempts           BIGINT  NOT NULL DEFAULT 0,
    created_at         BIGINT  NOT NULL,
    next_attempt_at_ms BIGINT  NOT NULL,
    lease_owner        TEXT,
    lease_until_ms     BIGINT
);

-- The earlier events of a message, which hold its later ones back.
CREATE INDEX outbox_webhooks_by_message ON outbox_webhooks (message_id, id);
