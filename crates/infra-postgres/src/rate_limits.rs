//! [`SharedRateLimiter`] over the UNLOGGED `rate_buckets` table: one token bucket per key, taken
//! with one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement (the row lock orders
//! concurrent takes from every node), refilled from the database's clock so nodes with skewed
//! clocks agree.

use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Double, Text};
use diesel_async::RunQueryDsl;
use domain::ports::rate_limits::{BucketRate, SharedRateLimiter};
use sha2::{Digest, Sha256};

/// Token buckets in PostgreSQL, shared by every node.
#[derive(Debug, Clone)]
pub struct PgRateLimiter {
    db: Database,
}

impl PgRateLimiter {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Deletes the buckets that are full again (a full bucket and no bucket mean the same);
    /// returns how many. Run it now and then (every node's `serve` does, every minute).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn prune(&self) -> Result<usize, DbError> {
        self.db
            .system_tx(|conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query("DELETE FROM rate_buckets WHERE full_at < now()")
                            .execute(conn)
                            .await?,
                    )
                })
            })
            .await
    }
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    allowed: bool,
    #[diesel(sql_type = Double)]
    tokens: f64,
}

/// `$1` key, `$2` tokens per second, `$3` burst. A new bucket starts full and gives one token;
/// an existing one is refilled for the time since its last take (capped at the burst), then
/// gives a token if it has one. `full_at` says when it will be full again (then it is pruned).
const TAKE: &str = "INSERT INTO rate_buckets AS b (key, tokens, allowed, updated_at, full_at)
     VALUES ($1, $3 - 1, true, now(), now() + make_interval(secs => 1 / $2))
     ON CONFLICT (key) DO UPDATE SET (tokens, allowed, updated_at, full_at) = (
       SELECT CASE WHEN r >= 1 THEN r - 1 ELSE r END, r >= 1, now(),
              now() + make_interval(secs => ($3 - CASE WHEN r >= 1 THEN r - 1 ELSE r END) / $2)
         FROM (SELECT least($3, b.tokens
                     + greatest(0, extract(epoch FROM now() - b.updated_at)::float8) * $2) AS r) AS s)
     RETURNING allowed, tokens";

/// The stored key: a digest, so the table holds no address, account or clinic id.
fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[async_trait]
impl SharedRateLimiter for PgRateLimiter {
    async fn take(&self, key: &str, rate: BucketRate) -> anyhow::Result<Option<u64>> {
        let key = digest(key);
        let BucketRate { per_second, burst } = rate;
        let burst = burst.max(1.0);
        let taken: Taken = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(TAKE)
                            .bind::<Text, _>(key)
                            .bind::<Double, _>(per_second)
                            .bind::<Double, _>(burst)
                            .prepared()
                            .get_result(conn)
                            .await?,
                    )
                })
            })
            .await?;
        if taken.allowed {
            return Ok(None);
        }
        let wait = ((1.0 - taken.tokens) / per_second).ceil().max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Some(wait.min(86_400.0) as u64))
    }
}
