-- The admin store's first schema on PostgreSQL: menu versions and QR codes.
--
-- The same tables, columns and keys as migrations/sqlite/0001_admin_store.sql, so the queries
-- in src/store/ run on both; only qr_codes.id differs (an identity column). Timestamps are Unix
-- seconds.
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.
-- Later changes go in new files (0002_...), listed in src/store/postgres.rs, with the same
-- change for SQLite in migrations/sqlite/.

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

-- The last version number handed out per account. Bumped as the first statement of the
-- transaction that inserts the version: the row lock it takes queues concurrent inserters (on
-- every instance) until commit, so they get consecutive numbers.
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
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
