//! The connection pool.

use crate::error::DbError;
use diesel_async::pooled_connection::deadpool::{Hook, HookError, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use std::time::Duration;

/// Pool tuning, from the environment in `server`.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Maximum open connections per node.
    pub max_size: usize,
    /// How long a request waits for a free connection before failing with 503.
    pub wait_timeout: Duration,
    /// `statement_timeout` set on every connection (0 disables it).
    pub statement_timeout: Duration,
    /// `application_name` shown in `pg_stat_activity`.
    pub application_name: String,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(15),
            application_name: "atende".to_owned(),
        }
    }
}

/// The database handle shared by every adapter: a deadpool of diesel-async connections.
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: Pool<AsyncPgConnection>,
    /// For connections outside the pool (LISTEN).
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("Database")
            .field("size", &status.size)
            .field("available", &status.available)
            .finish()
    }
}

impl Database {
    /// Builds a pool for `url`. Connections are opened lazily, so this succeeds while the
    /// database is down (readiness reports it).
    ///
    /// # Errors
    /// [`DbError::Unavailable`] when the pool cannot be built (invalid settings).
    pub fn connect(url: &str, settings: &PoolSettings) -> Result<Self, DbError> {
        // Recycling checks the connection without a round trip: no open transaction and the
        // socket not closed (a `SELECT 1` per checkout was one extra round trip in every unit of
        // work). A connection the server dropped while idle is seen closed and discarded.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        let setup = connection_setup_sql(settings);
        let pool = Pool::builder(manager)
            .max_size(settings.max_size.max(2))
            .wait_timeout(Some(settings.wait_timeout))
            .create_timeout(Some(settings.wait_timeout))
            .recycle_timeout(Some(Duration::from_secs(2)))
            .runtime(deadpool::Runtime::Tokio1)
            .post_create(Hook::async_fn(move |conn: &mut AsyncPgConnection, _| {
                let setup = setup.clone();
                Box::pin(async move {
                    conn.batch_execute(&setup)
                        .await
                        .map_err(|e| HookError::message(e.to_string()))
                })
            }))
            .build()
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            url: url.into(),
        })
    }

    /// A connection of its own, outside the pool, to the same database with the same connection
    /// settings (for `LISTEN`, which must outlive any unit of work).
    ///
    /// # Errors
    /// [`DbError`] when the connection cannot be made.
    pub async fn dedicated(&self) -> Result<AsyncPgConnection, DbError> {
        use diesel_async::AsyncConnection;
        AsyncPgConnection::establish(&self.url)
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// Connections currently open and idle, for metrics and debugging.
    #[must_use]
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let s = self.pool.status();
        (s.size, s.available, s.max_size)
    }
}

fn connection_setup_sql(settings: &PoolSettings) -> String {
    let name: String = settings
        .application_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(60)
        .collect();
    format!(
        "SET application_name = '{name}'; SET statement_timeout = {}; SET TIME ZONE 'UTC';",
        settings.statement_timeout.as_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_sql_cannot_be_injected_through_the_application_name() {
        let sql = connection_setup_sql(&PoolSettings {
            application_name: "x'; DROP TABLE users; --".into(),
            ..PoolSettings::default()
        });
        assert!(
            sql.starts_with("SET application_name = 'xDROPTABLEusers--';"),
            "{sql}"
        );
    }
}
