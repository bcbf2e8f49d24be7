//! The connection pool.

use crate::connect::ConnectSpec;
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
    /// Whether statements stay prepared per connection (`ATENDE_DB_PREPARED`).
    pub prepared: PreparedMode,
}

/// `ATENDE_DB_PREPARED`: whether statements stay prepared on each server connection.
///
/// Prepared statements live in one server session; a transaction-mode pooler (PgBouncer before
/// 1.21, or without `max_prepared_statements`; Supabase's pooler on port 6543) hands each
/// transaction to any server connection, where they do not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreparedMode {
    /// `off` when the URL names a pooler (`pgbouncer=true`, or port 6543), else `on`.
    #[default]
    Auto,
    /// Keep statements prepared (a direct connection, or PgBouncer ≥ 1.21 with
    /// `max_prepared_statements`).
    On,
    /// Prepare nothing beyond one statement inside one transaction.
    Off,
}

impl std::str::FromStr for PreparedMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            _ => Err("must be auto, on or off".to_owned()),
        }
    }
}

impl PreparedMode {
    /// Whether statements stay prepared for a connection made with `spec`.
    #[must_use]
    pub fn resolve(self, spec: &ConnectSpec) -> bool {
        match self {
            Self::Auto => !spec.behind_pooler(),
            Self::On => true,
            Self::Off => false,
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(15),
            application_name: "atende".to_owned(),
            prepared: PreparedMode::Auto,
        }
    }
}

/// The database handle shared by every adapter: a deadpool of diesel-async connections.
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: Pool<AsyncPgConnection>,
    /// Session settings that cannot live in the connection because a pooler would carry them
    /// to other clients: added, transaction-local, to every unit of work's first round trip.
    pub(crate) tx_settings: Option<String>,
    /// For connections outside the pool (LISTEN).
    url: std::sync::Arc<str>,
    /// The URL names a transaction-mode pooler (where `LISTEN` never hears anything).
    behind_pooler: bool,
    /// The streaming replica of [`Database::replica_tx`], when one is configured.
    pub(crate) replica: Option<std::sync::Arc<crate::replica::Replica>>,
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
    /// The URL's `sslmode`/`sslrootcert` apply to every connection ([`crate::connect`]).
    ///
    /// # Errors
    /// [`DbError::Unavailable`] when the pool cannot be built (invalid settings, an unusable
    /// URL, unreadable root certificates).
    pub fn connect(url: &str, settings: &PoolSettings) -> Result<Self, DbError> {
        let spec = ConnectSpec::parse(url).map_err(|e| DbError::unavailable(e.to_string()))?;
        let tls = spec
            .tls()
            .map_err(|e| DbError::unavailable(e.to_string()))?;
        let prepared = settings.prepared.resolve(&spec);
        let behind_pooler = spec.behind_pooler();
        // Recycling checks the connection without a round trip: no open transaction and the
        // socket not closed (a `SELECT 1` per checkout was one extra round trip in every unit of
        // work). A connection the server dropped while idle is seen closed and discarded.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        config.custom_setup = crate::connect::setup_callback(spec, tls, prepared);
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        let setup = connection_setup_sql(settings, prepared);
        let tx_settings = (!prepared).then(|| {
            format!(
                ", set_config('statement_timeout', '{}', true)",
                settings.statement_timeout.as_millis()
            )
        });
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
            .map_err(|e| DbError::unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            tx_settings,
            url: url.into(),
            behind_pooler,
            replica: None,
        })
    }

    /// A connection of its own, outside the pool, to the same database with the same connection
    /// settings (for `LISTEN`, which must outlive any unit of work).
    ///
    /// # Errors
    /// [`DbError`] when the connection cannot be made.
    pub async fn dedicated(&self) -> Result<AsyncPgConnection, DbError> {
        crate::connect::establish(&self.url)
            .await
            .map_err(|e| DbError::unavailable(e.to_string()))
    }

    /// Whether the URL names a transaction-mode pooler (`pgbouncer=true`, or port 6543): a
    /// `LISTEN` through it hears nothing.
    #[must_use]
    pub fn behind_pooler(&self) -> bool {
        self.behind_pooler
    }

    /// Connections currently open and idle, for metrics and debugging.
    #[must_use]
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let s = self.pool.status();
        (s.size, s.available, s.max_size)
    }
}

/// The session settings of a new connection. Behind a pooler (`prepared` false) only what
/// PgBouncer tracks per client (`application_name`, `TimeZone`) is set here; the statement
/// timeout goes into each transaction instead.
fn connection_setup_sql(settings: &PoolSettings, prepared: bool) -> String {
    let name: String = settings
        .application_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(60)
        .collect();
    if prepared {
        format!(
            "SET application_name = '{name}'; SET statement_timeout = {}; SET TIME ZONE 'UTC';",
            settings.statement_timeout.as_millis()
        )
    } else {
        format!("SET application_name = '{name}'; SET TIME ZONE 'UTC';")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_sql_cannot_be_injected_through_the_application_name() {
        let sql = connection_setup_sql(
            &PoolSettings {
                application_name: "x'; DROP TABLE users; --".into(),
                ..PoolSettings::default()
            },
            true,
        );
        assert!(
            sql.starts_with("SET application_name = 'xDROPTABLEusers--';"),
            "{sql}"
        );
    }
}
