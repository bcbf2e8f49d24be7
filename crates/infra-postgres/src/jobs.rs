//! The durable job queue over the `jobs` table, and the LISTEN/NOTIFY wake-up of workers.

use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use domain::jobs::{Job, JobOutcome, NewJob};
use domain::ports::jobs::JobQueue;
use domain::{CompanyId, JobId};
use futures_util::StreamExt;
use std::time::Duration;
use uuid::Uuid;

/// The channel workers LISTEN on; enqueuing notifies it in the same transaction.
pub const CHANNEL: &str = "atende_jobs";

/// Queues a job inside the caller's tenant transaction (so it commits, or not, with the work that
/// caused it) and notifies the workers on commit. Returns None when `unique_key` already exists.
///
/// # Errors
/// When the insert fails.
pub async fn enqueue_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    job: NewJob,
) -> diesel::QueryResult<Option<JobId>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let id: Option<Id> = diesel::sql_query(
        "INSERT INTO jobs (id, company_id, kind, payload, run_at, unique_key, max_attempts)
         VALUES ($1, $2, $3, $4, coalesce($5, now()), $6, coalesce($7, 6))
         ON CONFLICT (company_id, kind, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(company.0)
    .bind::<Text, _>(&job.kind)
    .bind::<Jsonb, _>(&job.payload)
    .bind::<Nullable<Timestamptz>, _>(job.run_at)
    .bind::<Nullable<Text>, _>(job.unique_key.as_deref())
    .bind::<Nullable<Integer>, _>(job.max_attempts.and_then(|m| i32::try_from(m).ok()))
    .prepared()
    .get_result(conn)
    .await
    .optional_row()?;
    if id.is_some() {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(&job.kind)
            .prepared()
            .execute(conn)
            .await?;
    }
    Ok(id.map(|i| JobId(i.id)))
}

trait OptionalRow<T> {
    fn optional_row(self) -> diesel::QueryResult<Option<T>>;
}

impl<T> OptionalRow<T> for diesel::QueryResult<T> {
    fn optional_row(self) -> diesel::QueryResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(diesel::result::Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// [`JobQueue`] over PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgJobQueue {
    db: Database,
}

impl PgJobQueue {
    /// A queue over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    max_attempts: i32,
}

#[async_trait]
impl JobQueue for PgJobQueue {
    async fn enqueue(&self, company: CompanyId, job: NewJob) -> anyhow::Result<Option<JobId>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(
                    async move { Ok::<_, anyhow::Error>(enqueue_in(conn, company, job).await?) },
                )
            })
            .await
    }

    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        limit: u32,
        lease_secs: u32,
    ) -> anyhow::Result<Vec<Job>> {
        let rows: Vec<ClaimedRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    let rows =
                        diesel::sql_query("SELECT * FROM public.atende_claim_jobs($1, $2, $3, $4)")
                            .bind::<Text, _>(worker)
                            .bind::<Array<Text>, _>(kinds)
                            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
                            .bind::<Integer, _>(i32::try_from(lease_secs).unwrap_or(i32::MAX))
                            .prepared()
                            .load(conn)
                            .await?;
                    Ok::<_, anyhow::Error>(rows)
                })
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Job {
                id: JobId(r.id),
                company_id: CompanyId(r.company_id),
                kind: r.kind,
                payload: r.payload,
                attempts: u32::try_from(r.attempts).unwrap_or(0),
                max_attempts: u32::try_from(r.max_attempts).unwrap_or(1),
            })
            .collect())
    }

    async fn finish(
        &self,
        company: CompanyId,
        id: JobId,
        outcome: JobOutcome,
    ) -> anyhow::Result<()> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    match outcome {
                        JobOutcome::Done(result) => diesel::sql_query(
                            "UPDATE jobs SET status = 'done', result = $3, finished_at = now(), locked_by = NULL,
                                    locked_until = NULL WHERE company_id = $1 AND id = $2",
                        )
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<SqlUuid, _>(id.0)
                        .bind::<Nullable<Jsonb>, _>(result)
                        .prepared()
                        .execute(conn)
                        .await?,
                        JobOutcome::RetryAt { at, error } => diesel::sql_query(
                            "UPDATE jobs SET status = 'queued', run_at = $3, last_error = left($4, 2000),
                                    locked_by = NULL, locked_until = NULL WHERE company_id = $1 AND id = $2",
                        )
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<SqlUuid, _>(id.0)
                        .bind::<Timestamptz, _>(at)
                        .bind::<Text, _>(error)
                        .prepared()
                        .execute(conn)
                        .await?,
                        JobOutcome::Failed(error) => diesel::sql_query(
                            "UPDATE jobs SET status = 'failed', last_error = left($3, 2000), finished_at = now(),
                                    locked_by = NULL, locked_until = NULL WHERE company_id = $1 AND id = $2",
                        )
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<SqlUuid, _>(id.0)
                        .bind::<Text, _>(error)
                        .prepared()
                        .execute(conn)
                        .await?,
                    };
                    Ok::<_, anyhow::Error>(())
                })
            })
            .await
    }
}

/// A dedicated connection LISTENing on [`CHANNEL`]: [`JobListener::wait`] returns when a job was
/// queued (on any node) or the timeout passed, so new jobs are picked up at once and polling
/// is only a fallback.
pub struct JobListener {
    url: String,
    conn: Option<AsyncPgConnection>,
}

impl JobListener {
    /// A listener connecting (lazily, and again after a failure) to `url`.
    #[must_use]
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            conn: None,
        }
    }

    /// Waits for a notification or `timeout`, whichever comes first. Connection failures are
    /// swallowed (logged) and degrade to sleeping for `timeout`: polling still picks jobs up.
    pub async fn wait(&mut self, timeout: Duration) {
        if self.conn.is_none() {
            match crate::connect::establish(&self.url).await {
                Ok(mut c) => match c.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => self.conn = Some(c),
                    Err(e) => tracing::warn!(error = %e, "job listener could not LISTEN"),
                },
                Err(e) => tracing::warn!(error = %e, "job listener could not connect"),
            }
        }
        let Some(conn) = self.conn.as_mut() else {
            tokio::time::sleep(timeout).await;
            return;
        };
        let lost = {
            let stream = conn.notifications_stream();
            tokio::pin!(stream);
            match tokio::time::timeout(timeout, stream.next()).await {
                Ok(Some(Ok(_))) | Err(_) => false,
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, "job listener lost its connection");
                    true
                }
                Ok(None) => true,
            }
        };
        if lost {
            self.conn = None;
        }
    }
}

/// When a failed attempt should be retried: `now + delay`.
#[must_use]
pub fn retry_at(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(60))
}
