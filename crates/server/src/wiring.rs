//! The composition root: the only place adapters are chosen and plugged into ports.

use crate::config::Config;
use anyhow::Context;
use api_http::AppState;
use infra_postgres::health::PgHealthProbe;
use infra_postgres::{Database, PoolSettings};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

/// The pool for the server's `DATABASE_URL`.
///
/// # Errors
/// When the pool cannot be built.
pub fn database(config: &Config) -> anyhow::Result<Database> {
    let settings = PoolSettings {
        max_size: config.db_pool_size,
        statement_timeout: config.db_statement_timeout,
        ..PoolSettings::default()
    };
    Database::connect(config.database_url.expose_secret(), &settings)
        .context("building the database pool")
}

/// Every port the HTTP layer needs, wired to its adapter.
#[must_use]
pub fn app_state(db: &Database) -> AppState {
    AppState {
        health: Arc::new(PgHealthProbe::new(db.clone(), Duration::from_secs(2))),
    }
}
