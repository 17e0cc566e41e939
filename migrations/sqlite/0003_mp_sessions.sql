-- Mini-program sessions: the opaque bearers handed to mini programs at login, and the
-- session_keys behind them, sealed.
--
-- Timestamps are Unix seconds. The same tables and indexes as migrations/postgres/, in the same
-- words.
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.

-- One row per live mini-program session. The bearer the app holds is never stored: only its
-- SHA-256, so a copied database gives no usable session. The session_key WeChat gave at login
-- is stored sealed (AES-256-GCM under [sessions] key, which is not in the database, bound to the
-- account and openid), so a copied database reveals no session_key either.
CREATE TABLE mp_sessions (
    bearer_hash     TEXT   NOT NULL PRIMARY KEY,  -- sha256(bearer), lower-case hex
    account         TEXT   NOT NULL,
    openid          TEXT   NOT NULL,
    unionid         TEXT,                         -- when WeChat gave one
    sealed_key      TEXT   NOT NULL,              -- base64(nonce || ciphertext || tag)
    key_fingerprint TEXT   NOT NULL,              -- HMAC-SHA256 of the session_key, hex
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- Expired sessions are purged every few minutes.
CREATE INDEX mp_sessions_expires_at ON mp_sessions (expires_at);

-- The fingerprint of the session_key of each user's latest login: a session whose own
-- fingerprint differs holds a session_key WeChat has since replaced. Written in the same
-- transaction as the session; kept as long as the user's longest-lived session.
CREATE TABLE mp_current_keys (
    account         TEXT   NOT NULL,
    openid          TEXT   NOT NULL,
    key_fingerprint TEXT   NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,  -- the latest expiry of the user's sessions
    PRIMARY KEY (account, openid)
);

CREATE INDEX mp_current_keys_expires_at ON mp_current_keys (expires_at);
