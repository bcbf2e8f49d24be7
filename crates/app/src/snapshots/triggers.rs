//! What makes snapshots besides the manual route: a closed conversation (a job queued in the
//! same transaction as the close) and each clinic's daily sweep (a scheduler tick queues one
//! `snapshot_daily` job per clinic and local date; the unique key makes it once per day however
//! many nodes tick; the sweep queues one `snapshot_client` job per recently active patient, so
//! the analyses run as separate, fairly claimed jobs).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use domain::auth::Tenant;
use domain::jobs::{Job, JobOutcome, NewJob, kinds};
use domain::ports::jobs::JobQueue;
use domain::snapshots::SnapshotTrigger;
use domain::{ClientId, CompanyId, ConversationId};
use serde_json::{Value, json};

use super::policy::RETRY_SCHEDULE;
use super::service::{GenerateError, GenerateRequest, Snapshots};
use crate::jobs::{JobHandler, backoff_delay};

/// Attempts of a daily sweep before it fails for good.
const DAILY_MAX_ATTEMPTS: u32 = 3;
/// Attempts of one patient's scheduled snapshot before it fails for good.
const CLIENT_MAX_ATTEMPTS: u32 = 3;

/// Runs `conversation_closed` jobs: a snapshot of the thread's patient with trigger
/// `conversation_closed`. A spent budget or quota is recorded in the job's result, not an error;
/// a clinic at its analysis limit defers the job (the attempt is not counted); an unavailable
/// analyzer is retried with backoff until the job's attempts run out.
pub struct ConversationClosedHandler {
    snapshots: Snapshots,
}

impl ConversationClosedHandler {
    /// A handler generating with `snapshots`.
    #[must_use]
    pub fn new(snapshots: Snapshots) -> Self {
        Self { snapshots }
    }
}

#[async_trait]
impl JobHandler for ConversationClosedHandler {
    async fn run(&self, job: Job) -> JobOutcome {
        snapshot_job(&self.snapshots, &job, SnapshotTrigger::ConversationClosed).await
    }
}

/// Runs `snapshot_client` jobs (payload `{client_id, local_date}`, queued by the daily sweep): a
/// `scheduled` snapshot of the patient, recorded like [`ConversationClosedHandler`]'s.
pub struct ClientSnapshotHandler {
    snapshots: Snapshots,
}

impl ClientSnapshotHandler {
    /// A handler generating with `snapshots`.
    #[must_use]
    pub fn new(snapshots: Snapshots) -> Self {
        Self { snapshots }
    }
}

#[async_trait]
impl JobHandler for ClientSnapshotHandler {
    async fn run(&self, job: Job) -> JobOutcome {
        snapshot_job(&self.snapshots, &job, SnapshotTrigger::Scheduled).await
    }
}

/// One patient's snapshot for a job whose payload names `client_id` (and maybe
/// `conversation_id`).
async fn snapshot_job(snapshots: &Snapshots, job: &Job, trigger: SnapshotTrigger) -> JobOutcome {
    let id = |name: &str| {
        job.payload
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
    };
    let (Some(client), conversation) = (id("client_id"), id("conversation_id")) else {
        return JobOutcome::Failed("payload has no client_id".into());
    };
    let req = GenerateRequest {
        client_id: ClientId(client),
        source_conversation_id: conversation.map(ConversationId),
        trigger,
    };
    let now = || snapshots.clock().now();
    match snapshots
        .generate(Tenant::company(job.company_id), req)
        .await
    {
        Ok(g) if g.reused => JobOutcome::Done(Some(json!({
            "outcome": "skipped_budget",
            "snapshot_id": g.snapshot.data.id,
            "next_allowed_at": g.next_allowed_at,
        }))),
        Ok(g) => JobOutcome::Done(Some(json!({
            "outcome": "created",
            "snapshot_id": g.snapshot.data.id,
            "analyzer": g.snapshot.data.analyzer,
        }))),
        Err(GenerateError::ClientNotFound | GenerateError::ConversationNotFound) => {
            JobOutcome::Done(Some(json!({ "outcome": "skipped_not_found" })))
        }
        Err(GenerateError::QuotaExceeded { until }) => JobOutcome::Done(Some(json!({
            "outcome": "skipped_quota",
            "quota_resets_at": until,
        }))),
        Err(GenerateError::Busy { retry_after }) => JobOutcome::Deferred {
            at: now() + retry_after,
            reason: "the clinic's analyses are at their limit".into(),
        },
        Err(GenerateError::InProgress) => JobOutcome::Deferred {
            at: now() + snapshots.policy().busy_retry,
            reason: "an analysis of this patient is running".into(),
        },
        Err(e) => retry_or_fail(snapshots, job, &e),
    }
}

fn retry_or_fail(snapshots: &Snapshots, job: &Job, e: &GenerateError) -> JobOutcome {
    let why = match e {
        GenerateError::Analyzer(_) => "analyzer_unavailable".to_owned(),
        other => format!("store failed: {other}"),
    };
    if job.attempts >= job.max_attempts {
        return JobOutcome::Failed(format!("{why} after {} attempts", job.attempts));
    }
    let delay = backoff_delay(&RETRY_SCHEDULE, job.attempts, jitter(job));
    let at = snapshots.clock().now() + Duration::from_std(delay).unwrap_or(Duration::minutes(5));
    JobOutcome::RetryAt { at, error: why }
}

/// A deterministic jitter in [0, 1) from the job id (no randomness port needed).
fn jitter(job: &Job) -> f64 {
    f64::from(job.id.0.as_bytes()[15]) / 256.0
}

/// What one clinic's daily run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailyCounts {
    /// Patients with inbound messages in the last 24 h.
    pub clients: u32,
    /// Snapshots made.
    pub created: u32,
    /// Patients skipped because their budget was spent.
    pub skipped_budget: u32,
    /// Patients skipped because the clinic's daily quota on the server's key was spent.
    pub skipped_quota: u32,
    /// Patients whose analysis failed (nothing stored).
    pub failed: u32,
}

impl DailyCounts {
    /// As the job's result.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "clients": self.clients,
            "created": self.created,
            "skipped_budget": self.skipped_budget,
            "skipped_quota": self.skipped_quota,
            "failed": self.failed,
        })
    }
}

/// The daily rule run in-process, one patient after the other (`atende snapshots run-daily`):
/// `scheduled` snapshots for every patient of the clinic with an inbound message in the last 24
/// hours, within the budget. The worker runs the same rule as a sweep of per-patient jobs
/// instead ([`DailySnapshotHandler`]).
///
/// # Errors
/// When the store fails to list the patients.
pub async fn run_daily(snapshots: &Snapshots, company: CompanyId) -> anyhow::Result<DailyCounts> {
    let since = snapshots.clock().now() - Duration::hours(24);
    let clients = snapshots
        .store()
        .clients_with_inbound_since(company, since)
        .await?;
    let mut counts = DailyCounts {
        clients: u32::try_from(clients.len()).unwrap_or(u32::MAX),
        ..DailyCounts::default()
    };
    for client in clients {
        let req = GenerateRequest {
            client_id: client,
            source_conversation_id: None,
            trigger: SnapshotTrigger::Scheduled,
        };
        match snapshots.generate(Tenant::company(company), req).await {
            Ok(g) if g.reused => counts.skipped_budget += 1,
            Ok(_) => counts.created += 1,
            Err(GenerateError::QuotaExceeded { .. }) => counts.skipped_quota += 1,
            Err(e) => {
                tracing::warn!(company_id = %company, client_id = %client, error = %e, "daily snapshot failed");
                counts.failed += 1;
            }
        }
    }
    Ok(counts)
}

/// Runs `snapshot_daily` jobs (payload `{local_date}`): queues one `snapshot_client` job per
/// patient of the clinic with an inbound message in the last 24 hours (unique per patient and
/// local date, so a sweep run twice queues nothing new), recording
/// `{local_date, clients, queued}` in the result.
pub struct DailySnapshotHandler {
    snapshots: Snapshots,
    queue: Arc<dyn JobQueue>,
}

impl DailySnapshotHandler {
    /// A sweep over `snapshots`' store, queueing on `queue`.
    #[must_use]
    pub fn new(snapshots: Snapshots, queue: Arc<dyn JobQueue>) -> Self {
        Self { snapshots, queue }
    }

    async fn sweep(&self, job: &Job) -> anyhow::Result<Value> {
        let company = job.company_id;
        let date = job
            .payload
            .get("local_date")
            .and_then(Value::as_str)
            .unwrap_or("today")
            .to_owned();
        let since = self.snapshots.clock().now() - Duration::hours(24);
        let clients = self
            .snapshots
            .store()
            .clients_with_inbound_since(company, since)
            .await?;
        let jobs: Vec<NewJob> = clients
            .iter()
            .map(|client| NewJob {
                kind: kinds::SNAPSHOT_CLIENT.to_owned(),
                payload: json!({ "client_id": client, "local_date": date }),
                run_at: None,
                unique_key: Some(format!("{date}:{client}")),
                max_attempts: Some(CLIENT_MAX_ATTEMPTS),
            })
            .collect();
        let queued = self.queue.enqueue_many(company, jobs).await?;
        Ok(json!({ "local_date": date, "clients": clients.len(), "queued": queued }))
    }
}

#[async_trait]
impl JobHandler for DailySnapshotHandler {
    async fn run(&self, job: Job) -> JobOutcome {
        match self.sweep(&job).await {
            Ok(result) => JobOutcome::Done(Some(result)),
            Err(e) if job.attempts < job.max_attempts => JobOutcome::RetryAt {
                at: self.snapshots.clock().now() + Duration::minutes(5),
                error: format!("store failed: {e}"),
            },
            Err(e) => JobOutcome::Failed(format!("store failed: {e}")),
        }
    }
}

/// Queues each clinic's daily run once its local time reaches the daily time, once per local
/// date (`unique_key` = the date): run it every minute from every node; duplicates are refused by
/// the queue's unique index.
pub struct DailyScheduler {
    snapshots: Snapshots,
    queue: Arc<dyn JobQueue>,
}

impl DailyScheduler {
    /// A scheduler over `snapshots`' store and rules, queueing on `queue`.
    #[must_use]
    pub fn new(snapshots: Snapshots, queue: Arc<dyn JobQueue>) -> Self {
        Self { snapshots, queue }
    }

    /// Queues the due daily runs; returns how many were newly queued.
    ///
    /// # Errors
    /// When the store or the queue fails.
    pub async fn tick(&self) -> anyhow::Result<u32> {
        let daily_at = self.snapshots.policy().daily_at;
        let mut queued = 0;
        let now = self.snapshots.clock().now();
        for clinic in self.snapshots.store().clinic_clocks(now).await? {
            if clinic.local_now.time() < daily_at {
                continue;
            }
            let date = clinic.local_now.date().format("%Y-%m-%d").to_string();
            let job = NewJob {
                kind: kinds::SNAPSHOT_DAILY.to_owned(),
                payload: json!({ "local_date": date }),
                run_at: None,
                unique_key: Some(date),
                max_attempts: Some(DAILY_MAX_ATTEMPTS),
            };
            if self.queue.enqueue(clinic.company_id, job).await?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }
}
