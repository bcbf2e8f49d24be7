//! [`AttemptRepository`] over `auth_attempts`.

use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::auth_attempts as a;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{Double, Integer, Text, Timestamptz};
use diesel::{OptionalExtension, QueryDsl, QueryableByName};
use diesel_async::RunQueryDsl;
use domain::auth::AttemptCounter;
use domain::ports::accounts::AttemptRepository;

/// Failed sign-in counters in PostgreSQL (shared by every node).
#[derive(Debug, Clone)]
pub struct PgAttempts {
    db: Database,
}

impl PgAttempts {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Timestamptz)]
    window_started_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// One statement, so concurrent failures on several nodes never lose a count: a window that
/// is over restarts at `now` with one failure.
const RECORD_FAILURE: &str = "INSERT INTO auth_attempts AS t (key, window_started_at, failures)
     VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_started_at + make_interval(secs => $3) <= $2
                       THEN 1 ELSE t.failures + 1 END,
       window_started_at = CASE WHEN t.window_started_at + make_interval(secs => $3) <= $2
                                THEN $2 ELSE t.window_started_at END
     RETURNING window_started_at, failures";

fn counter(c: Counter) -> AttemptCounter {
    AttemptCounter {
        window_started_at: c.window_started_at,
        failures: u32::try_from(c.failures).unwrap_or_default(),
    }
}

#[async_trait]
impl AttemptRepository for PgAttempts {
    async fn get(&self, key: String) -> anyhow::Result<Option<AttemptCounter>> {
        let row: Option<(DateTime<Utc>, i32)> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        a::table
                            .find(key)
                            .select((a::window_started_at, a::failures))
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        Ok(row.map(|(window_started_at, failures)| {
            counter(Counter {
                window_started_at,
                failures,
            })
        }))
    }

    async fn record_failure(
        &self,
        key: String,
        now: DateTime<Utc>,
        window: Duration,
    ) -> anyhow::Result<AttemptCounter> {
        #[allow(clippy::cast_precision_loss)]
        let secs = window.num_milliseconds() as f64 / 1000.0;
        let row: Counter = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(RECORD_FAILURE)
                            .bind::<Text, _>(key)
                            .bind::<Timestamptz, _>(now)
                            .bind::<Double, _>(secs)
                            .prepared()
                            .get_result(conn)
                            .await?,
                    )
                })
            })
            .await?;
        Ok(counter(row))
    }

    async fn clear(&self, key: String) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::delete(a::table.find(key)).execute(conn).await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }
}
