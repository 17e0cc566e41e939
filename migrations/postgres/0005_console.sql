-- The console: who saved each menu version, conditional menus, console sessions, the audit log.
--
-- Timestamps are Unix seconds. The same tables and indexes as migrations/sqlite/, in the same
-- words, but for audit_log.id (on SQLite: INTEGER PRIMARY KEY AUTOINCREMENT).
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.

-- Who saved a menu version: an admin's name, or `api` for the bearer-token JSON API. NULL for
-- versions saved before this migration.
ALTER TABLE menu_versions ADD COLUMN saved_by TEXT;

-- Conditional (personalized) menus WeChat accepted, by the menuid it gave. Deleted rows go.
CREATE TABLE conditional_menus (
    account    TEXT   NOT NULL,
    menuid     TEXT   NOT NULL,
    button     TEXT   NOT NULL,  -- the `button` array as JSON text
    matchrule  TEXT   NOT NULL,  -- the `matchrule` object as JSON text
    created_at BIGINT NOT NULL,
    created_by TEXT   NOT NULL,
    PRIMARY KEY (account, menuid)
);

-- Signed-in console sessions. The cookie's value is never stored: only its SHA-256, so a copied
-- database gives no usable session.
CREATE TABLE console_sessions (
    id_hash      TEXT   NOT NULL PRIMARY KEY,  -- sha256(cookie value), lower-case hex
    admin        TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen_at);

-- Every change an admin made and every sign-in, newest last. `actor` is the admin's name, `api`
-- for the bearer-token JSON API, or the name typed at a failed sign-in.
CREATE TABLE audit_log (
    id      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    ip      TEXT    NOT NULL,
    account TEXT,             -- NULL for sign-ins
    action  TEXT    NOT NULL, -- see src/store/audit.rs, AuditAction
    detail  TEXT    NOT NULL  -- e.g. "version 3", "menuid 208379533", "scene 42"
);

-- Failed sign-ins are counted by name and by address over the last minutes.
CREATE INDEX audit_log_by_actor ON audit_log (action, actor, at);
CREATE INDEX audit_log_by_ip ON audit_log (action, ip, at);
