-- The OpenID Connect provider's signing keys on PostgreSQL, shared by every instance on the
-- database.
--
-- Timestamps are Unix seconds. The same table and index as migrations/sqlite/, in the same words.
-- Once released, this file must not change: its checksum is recorded in _sqlx_migrations.

-- Every signing key not yet dropped: the active one (retired_at NULL), which signs, and those
-- retired since, still published so that the tokens they signed verify until they expire.
CREATE TABLE signing_keys (
    kid         TEXT   NOT NULL PRIMARY KEY,  -- the JWK `kid`, derived from the public key
    private_key TEXT   NOT NULL,              -- RSA private key, PKCS#8 PEM
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT                        -- NULL for the active key
);

-- At most one active key: instances that start at once on a database without a key each try
-- to insert one, and all but the first insert find this index in the way.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((retired_at IS NULL))
    WHERE retired_at IS NULL;
