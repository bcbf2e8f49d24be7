//! Readiness: the database answers and every embedded migration is applied.

use crate::error::DbError;
use crate::migrate::MIGRATIONS;
use crate::pool::Database;
use crate::prepared::Prepare;
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use domain::ports::health::{HealthProbe, Readiness};
use std::collections::HashSet;
use std::time::Duration;

/// [`HealthProbe`] over the pool: one short query per probe, bounded by a timeout.
#[derive(Clone, Debug)]
pub struct PgHealthProbe {
    db: Database,
    embedded: Vec<String>,
    timeout: Duration,
}

#[derive(QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = Text)]
    version: String,
}

impl PgHealthProbe {
    /// A probe over `db` that waits at most `timeout` for the database.
    #[must_use]
    pub fn new(db: Database, timeout: Duration) -> Self {
        let embedded = MigrationSource::<Pg>::migrations(&MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
            .unwrap_or_default();
        Self {
            db,
            embedded,
            timeout,
        }
    }

    async fn applied(&self) -> Result<Vec<String>, DbError> {
        self.db
            .system_tx(|conn| {
                Box::pin(async move {
                    let rows: Vec<AppliedVersion> =
                        diesel::sql_query("SELECT version FROM public.__diesel_schema_migrations")
                            .prepared()
                            .load(conn)
                            .await?;
                    Ok::<_, DbError>(rows.into_iter().map(|r| r.version).collect())
                })
            })
            .await
    }
}

#[async_trait]
impl HealthProbe for PgHealthProbe {
    async fn readiness(&self) -> Readiness {
        match tokio::time::timeout(self.timeout, self.applied()).await {
            Ok(Ok(applied)) => {
                let applied: HashSet<String> = applied.into_iter().collect();
                let pending = self
                    .embedded
                    .iter()
                    .filter(|v| !applied.contains(*v))
                    .count();
                if pending == 0 {
                    Readiness::Ready
                } else {
                    Readiness::PendingMigrations { pending }
                }
            }
            // The migrations table itself missing means nothing was applied yet.
            Ok(Err(DbError::Query(diesel::result::Error::DatabaseError(_, info))))
                if info.message().contains("__diesel_schema_migrations") =>
            {
                Readiness::PendingMigrations {
                    pending: self.embedded.len(),
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness probe failed");
                Readiness::DatabaseUnavailable
            }
            Err(_) => Readiness::DatabaseUnavailable,
        }
    }
}
