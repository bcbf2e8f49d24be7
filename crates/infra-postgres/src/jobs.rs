//! The durable job queue over the `jobs` table (fair, leased, fenced claims through the
//! `atende_claim_jobs` door), and the LISTEN/NOTIFY wake-up of workers.

use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use domain::jobs::{ClaimRequest, FailedJob, Job, JobFence, JobOutcome, NewJob};
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

#[derive(QueryableByName)]
struct FailedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    max_attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    finished_at: Option<DateTime<Utc>>,
}

fn int4(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Records `outcome` of the attempt held by `fence`; false when the job is no longer that
/// attempt (nothing written).
async fn finish_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: JobId,
    fence: JobFence,
    outcome: JobOutcome,
) -> diesel::QueryResult<bool> {
    // Every statement is fenced: still running, by this worker, on this attempt.
    const HELD: &str =
        "company_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3 AND attempts = $4";
    let (worker, attempt) = (fence.worker, int4(fence.attempt));
    let n = match outcome {
        JobOutcome::Done(result) => {
            diesel::sql_query(format!(
            "UPDATE jobs SET status = 'done', result = $5, finished_at = now(), locked_by = NULL,
                    locked_until = NULL WHERE {HELD}"
        ))
            .bind::<SqlUuid, _>(company.0)
            .bind::<SqlUuid, _>(id.0)
            .bind::<Text, _>(worker)
            .bind::<Integer, _>(attempt)
            .bind::<Nullable<Jsonb>, _>(result)
            .prepared()
            .execute(conn)
            .await?
        }
        JobOutcome::RetryAt { at, error } => {
            diesel::sql_query(format!(
                "UPDATE jobs SET status = 'queued', run_at = $5, last_error = left($6, 2000),
                    locked_by = NULL, locked_until = NULL WHERE {HELD}"
            ))
            .bind::<SqlUuid, _>(company.0)
            .bind::<SqlUuid, _>(id.0)
            .bind::<Text, _>(worker)
            .bind::<Integer, _>(attempt)
            .bind::<Timestamptz, _>(at)
            .bind::<Text, _>(error)
            .prepared()
            .execute(conn)
            .await?
        }
        // Not run: the claim's attempt is given back.
        JobOutcome::Deferred { at, reason } => {
            diesel::sql_query(format!(
                "UPDATE jobs SET status = 'queued', run_at = $5, last_error = left($6, 2000),
                    attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL
              WHERE {HELD}"
            ))
            .bind::<SqlUuid, _>(company.0)
            .bind::<SqlUuid, _>(id.0)
            .bind::<Text, _>(worker)
            .bind::<Integer, _>(attempt)
            .bind::<Timestamptz, _>(at)
            .bind::<Text, _>(reason)
            .prepared()
            .execute(conn)
            .await?
        }
        JobOutcome::Failed(error) => {
            diesel::sql_query(format!(
            "UPDATE jobs SET status = 'failed', last_error = left($5, 2000), finished_at = now(),
                    locked_by = NULL, locked_until = NULL WHERE {HELD}"
        ))
            .bind::<SqlUuid, _>(company.0)
            .bind::<SqlUuid, _>(id.0)
            .bind::<Text, _>(worker)
            .bind::<Integer, _>(attempt)
            .bind::<Text, _>(error)
            .prepared()
            .execute(conn)
            .await?
        }
    };
    Ok(n == 1)
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

    async fn enqueue_many(&self, company: CompanyId, jobs: Vec<NewJob>) -> anyhow::Result<u32> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let mut queued = 0;
                    for job in jobs {
                        if enqueue_in(conn, company, job).await?.is_some() {
                            queued += 1;
                        }
                    }
                    Ok::<_, anyhow::Error>(queued)
                })
            })
            .await
    }

    async fn claim(&self, request: ClaimRequest) -> anyhow::Result<Vec<Job>> {
        if request.limit == 0 || request.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ClaimedRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    let rows = diesel::sql_query(
                        "SELECT * FROM public.atende_claim_jobs($1, $2, $3, $4, $5)",
                    )
                    .bind::<Text, _>(request.worker)
                    .bind::<Array<Text>, _>(request.kinds)
                    .bind::<Integer, _>(int4(request.limit))
                    .bind::<Integer, _>(int4(request.lease_secs))
                    .bind::<Integer, _>(int4(request.per_company))
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

    async fn renew(
        &self,
        company: CompanyId,
        id: JobId,
        fence: JobFence,
        lease_secs: u32,
    ) -> anyhow::Result<bool> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let n = diesel::sql_query(
                        "UPDATE jobs SET locked_until = now() + make_interval(secs => $5)
                          WHERE company_id = $1 AND id = $2 AND status = 'running'
                            AND locked_by = $3 AND attempts = $4",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<Text, _>(fence.worker)
                    .bind::<Integer, _>(int4(fence.attempt))
                    .bind::<Integer, _>(int4(lease_secs))
                    .prepared()
                    .execute(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(n == 1)
                })
            })
            .await
    }

    async fn finish(
        &self,
        company: CompanyId,
        id: JobId,
        fence: JobFence,
        outcome: JobOutcome,
    ) -> anyhow::Result<bool> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    Ok::<_, anyhow::Error>(finish_in(conn, company, id, fence, outcome).await?)
                })
            })
            .await
    }

    async fn failed(&self, company: CompanyId, limit: u32) -> anyhow::Result<Vec<FailedJob>> {
        let rows: Vec<FailedRow> = self
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let rows = diesel::sql_query(
                        "SELECT id, company_id, kind, attempts, max_attempts, last_error, finished_at
                           FROM jobs WHERE company_id = $1 AND status = 'failed'
                          ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT $2",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<Integer, _>(int4(limit.clamp(1, 1000)))
                    .prepared()
                    .load(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(rows)
                })
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| FailedJob {
                id: JobId(r.id),
                company_id: CompanyId(r.company_id),
                kind: r.kind,
                attempts: u32::try_from(r.attempts).unwrap_or(0),
                max_attempts: u32::try_from(r.max_attempts).unwrap_or(1),
                last_error: r.last_error,
                finished_at: r.finished_at,
            })
            .collect())
    }
}

/// Every clinic's id (through the `atende_company_schedule()` door), for commands that go over
/// all clinics one tenant transaction at a time.
///
/// # Errors
/// When the database fails.
pub async fn clinic_ids(db: &Database) -> anyhow::Result<Vec<CompanyId>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        company_id: Uuid,
    }
    let rows: Vec<Row> = db
        .system_tx(|conn| {
            Box::pin(async move {
                let rows = diesel::sql_query(
                    "SELECT company_id FROM public.atende_company_schedule() ORDER BY company_id",
                )
                .prepared()
                .load(conn)
                .await?;
                Ok::<_, anyhow::Error>(rows)
            })
        })
        .await?;
    Ok(rows.into_iter().map(|r| CompanyId(r.company_id)).collect())
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
