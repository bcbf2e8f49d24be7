//! The embedded migrations (`migrations/` at the workspace root).

use crate::error::DbError;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

/// A blocking connection (inside `spawn_blocking`) with the URL's TLS settings.
fn establish(url: &str) -> Result<SyncConn, DbError> {
    let handle =
        tokio::runtime::Handle::try_current().map_err(|e| DbError::unavailable(e.to_string()))?;
    handle
        .block_on(crate::connect::establish(url))
        .map(SyncConn::from)
        .map_err(|e| DbError::unavailable(e.to_string()))
}

/// Database-level privileges the schema cannot carry (a database made from a template, or
/// restored from a dump, starts with PostgreSQL's defaults): `atende_app` and PUBLIC get no
/// `TEMPORARY` (migration 0016). Idempotent; run after every migration run.
pub const HARDEN_SQL: &str = "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'atende_app') THEN \
     EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, atende_app', pg_catalog.current_database()); \
     END IF; END $$";

/// Applies the pending migrations as the owner role at `url`, then [`HARDEN_SQL`]; returns the
/// versions applied. Idempotent: a second run applies nothing.
///
/// # Errors
/// [`DbError::Unavailable`] when the database cannot be reached, [`DbError::Migration`] when a
/// migration fails (it is rolled back).
pub async fn run_pending(url: &str) -> Result<Vec<String>, DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| DbError::Migration(e.to_string()))?;
        diesel::connection::SimpleConnection::batch_execute(&mut conn, HARDEN_SQL)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied)
    })
    .await
    .map_err(|e| DbError::Migration(e.to_string()))?
}

/// Reverts every applied migration (newest first). Used by the schema-rule tests to prove that
/// each migration reverts cleanly.
///
/// # Errors
/// As [`run_pending`].
pub async fn revert_all(url: &str) -> Result<usize, DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&url)?;
        let mut reverted = 0;
        while !conn
            .applied_migrations()
            .map_err(|e| DbError::Migration(e.to_string()))?
            .is_empty()
        {
            conn.revert_last_migration(MIGRATIONS)
                .map_err(|e| DbError::Migration(e.to_string()))?;
            reverted += 1;
        }
        Ok(reverted)
    })
    .await
    .map_err(|e| DbError::Migration(e.to_string()))?
}

/// How many embedded migrations the database at `url` has not applied yet.
///
/// # Errors
/// As [`run_pending`].
pub async fn pending_count(url: &str) -> Result<usize, DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&url)?;
        conn.pending_migrations(MIGRATIONS)
            .map(|p| p.len())
            .map_err(|e| DbError::Migration(e.to_string()))
    })
    .await
    .map_err(|e| DbError::Migration(e.to_string()))?
}

/// The number of embedded migrations.
///
/// # Errors
/// [`DbError::Migration`] if the embedded set cannot be read (never in practice).
pub fn embedded_count() -> Result<usize, DbError> {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .map(|m| m.len())
        .map_err(|e| DbError::Migration(e.to_string()))
}
