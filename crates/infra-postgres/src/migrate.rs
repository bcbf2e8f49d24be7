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
        tokio::runtime::Handle::try_current().map_err(|e| DbError::Unavailable(e.to_string()))?;
    handle
        .block_on(crate::connect::establish(url))
        .map(SyncConn::from)
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

/// Applies the pending migrations as the owner role at `url`; returns the versions applied.
/// Idempotent: a second run applies nothing.
///
/// # Errors
/// [`DbError::Unavailable`] when the database cannot be reached, [`DbError::Migration`] when a
/// migration fails (it is rolled back).
pub async fn run_pending(url: &str) -> Result<Vec<String>, DbError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&url)?;
        conn.run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| DbError::Migration(e.to_string()))
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
