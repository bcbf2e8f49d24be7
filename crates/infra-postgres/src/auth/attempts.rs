//! [`AttemptRepository`] over `auth_attempts`.

use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::auth_attempts as a;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{Array, Double, Integer, Text, Timestamptz};
use diesel::{ExpressionMethods, QueryDsl, QueryableByName};
use diesel_async::RunQueryDsl;
use domain::auth::AttemptCounter;
use domain::ports::accounts::AttemptRepository;

/// Sign-in attempt counters in PostgreSQL (shared by every node).
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
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Timestamptz)]
    window_started_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// One statement for every key, so concurrent attempts on several nodes never lose a count
/// (each row is updated under its lock): a window that is over restarts at `now` with one.
const COUNT: &str = "INSERT INTO auth_attempts AS t (key, window_started_at, failures)
     SELECT k, $2, 1 FROM unnest($1::text[]) AS k
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_started_at + make_interval(secs => $3) <= $2
                       THEN 1 ELSE t.failures + 1 END,
       window_started_at = CASE WHEN t.window_started_at + make_interval(secs => $3) <= $2
                                THEN $2 ELSE t.window_started_at END
     RETURNING key, window_started_at, failures";

#[async_trait]
impl AttemptRepository for PgAttempts {
    async fn count(
        &self,
        keys: Vec<String>,
        now: DateTime<Utc>,
        window: Duration,
    ) -> anyhow::Result<Vec<AttemptCounter>> {
        #[allow(clippy::cast_precision_loss)]
        let secs = window.num_milliseconds() as f64 / 1000.0;
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        let rows: Vec<Counter> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(COUNT)
                            .bind::<Array<Text>, _>(distinct)
                            .bind::<Timestamptz, _>(now)
                            .bind::<Double, _>(secs)
                            .prepared()
                            .load(conn)
                            .await?,
                    )
                })
            })
            .await?;
        keys.iter()
            .map(|key| {
                rows.iter()
                    .find(|r| &r.key == key)
                    .map(|r| AttemptCounter {
                        window_started_at: r.window_started_at,
                        failures: u32::try_from(r.failures).unwrap_or_default(),
                    })
                    .ok_or_else(|| anyhow::anyhow!("attempt counter missing after counting"))
            })
            .collect()
    }

    async fn refund(&self, key: String) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::update(a::table.find(key).filter(a::failures.gt(0)))
                        .set(a::failures.eq(a::failures - 1))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
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
