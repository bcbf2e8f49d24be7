//! What `GET /metrics` reads from PostgreSQL at scrape time: the job queue's depth and recent
//! failures by kind (through the `atende_job_queue_depth()` door: counts only, across every
//! clinic).

use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

/// Unfinished jobs of one kind.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct QueueDepth {
    /// The job kind (`outbound_dispatch`, `conversation_closed`, …).
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Queued and due now: waiting for a worker.
    #[diesel(sql_type = BigInt)]
    pub due: i64,
    /// Queued for later (a retry's backoff, a scheduled run).
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    /// Claimed by a worker whose lease has not ended.
    #[diesel(sql_type = BigInt)]
    pub running: i64,
    /// Failed for good in the last 24 hours (out of attempts, or rejected).
    #[diesel(sql_type = BigInt)]
    pub failed_24h: i64,
}

/// The depth of the job queue, one row per kind with unfinished jobs or failures in the last
/// 24 hours (kinds with neither are absent), ordered by kind.
///
/// # Errors
/// When the database fails.
pub async fn queue_depth(db: &Database) -> Result<Vec<QueueDepth>, DbError> {
    db.system_tx(|conn| {
        Box::pin(async move {
            let rows: Vec<QueueDepth> =
                diesel::sql_query("SELECT * FROM public.atende_job_queue_depth()")
                    .prepared()
                    .load(conn)
                    .await
                    .map_err(DbError::from)?;
            Ok::<_, DbError>(rows)
        })
    })
    .await
}
