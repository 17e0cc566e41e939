-- The admin store's first schema: menu versions and QR codes.
--
-- Timestamps are Unix seconds. Apart from `qr_codes.id` (on PostgreSQL:
-- BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY), PostgreSQL takes every statement as written.
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.
-- Later changes go in new files (0002_...), listed in src/store/sqlite.rs.

-- Every menu ever saved for an account, numbered per account from 1, never overwritten.
CREATE TABLE menu_versions (
    account       TEXT    NOT NULL,
    version       BIGINT  NOT NULL,
    menu          TEXT    NOT NULL,  -- the menu as JSON text
    created_at    BIGINT  NOT NULL,
    published_at  BIGINT,            -- last successful publish to WeChat
    publish_error TEXT,              -- last failed publish, cleared by a successful one
    PRIMARY KEY (account, version)
);

-- The last version number handed out per account. Bumped in the same transaction that inserts
-- the version, so concurrent writers get consecutive numbers on every backend.
CREATE TABLE menu_counters (
    account      TEXT   NOT NULL PRIMARY KEY,
    last_version BIGINT NOT NULL
);

-- The menu WeChat currently shows: the version published last, NULL once the menu was deleted.
CREATE TABLE current_menus (
    account    TEXT   NOT NULL PRIMARY KEY,
    version    BIGINT,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (account, version) REFERENCES menu_versions (account, version)
);

-- Every QR code created through the admin API. Integer scenes are kept as decimal text.
CREATE TABLE qr_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account      TEXT    NOT NULL,
    scene        TEXT    NOT NULL,
    scene_is_int BOOLEAN NOT NULL,
    permanent    BOOLEAN NOT NULL,
    ticket       TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT
);

CREATE INDEX qr_codes_by_account ON qr_codes (account, permanent);

-- Scans and subscribes per scene. Separate from qr_codes: codes that share a scene share its
-- counts, and counts for a scene arrive even before a code for it is recorded.
CREATE TABLE qr_counts (
    account    TEXT   NOT NULL,
    scene      TEXT   NOT NULL,
    scans      BIGINT NOT NULL DEFAULT 0,
    subscribes BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, scene)
);
