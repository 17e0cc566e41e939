//! The migration runner both backends share: which embedded migrations are applied, checked
//! against what the database already records. Each backend supplies the connection, already
//! inside a transaction that keeps other processes out (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
//! an advisory lock), and commits it.

use std::borrow::Cow;

use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType};

use super::StoreError;

/// One embedded migration: version, description, SQL text.
pub(super) type Embedded = (i64, &'static str, &'static str);

/// Applies every migration in `embedded` not applied yet, in order, recording each in sqlx's
/// `_sqlx_migrations` table with a checksum, so `sqlx migrate info` reads it and an applied
/// migration edited afterwards is reported. A database that records a migration this build does
/// not know (written by a newer build) is refused, as is one where a migration failed halfway.
///
/// `conn` must be inside a transaction that only one process at a time can hold; the caller
/// commits it.
pub(super) async fn run<C>(conn: &mut C, embedded: &[Embedded]) -> Result<(), StoreError>
where
    C: Migrate + ?Sized,
{
    let migrations = migrations(embedded);
    conn.ensure_migrations_table().await?;
    if let Some(version) = conn.dirty_version().await? {
        return Err(MigrateError::Dirty(version).into());
    }
    let applied = conn.list_applied_migrations().await?;
    for done in &applied {
        match migrations.iter().find(|m| m.version == done.version) {
            None => return Err(MigrateError::VersionMissing(done.version).into()),
            Some(m) if m.checksum != done.checksum => {
                return Err(MigrateError::VersionMismatch(done.version).into());
            }
            Some(_) => {}
        }
    }
    for migration in &migrations {
        if !applied.iter().any(|done| done.version == migration.version) {
            conn.apply(migration).await?;
            tracing::info!(
                version = migration.version,
                description = %migration.description,
                "admin store schema migrated"
            );
        }
    }
    Ok(())
}

/// The embedded migrations, as sqlx describes them (the checksum is computed from the text).
fn migrations(embedded: &[Embedded]) -> Vec<Migration> {
    embedded
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect()
}
