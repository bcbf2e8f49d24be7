//! What makes snapshots besides the manual route: a closed conversation (a job queued in the
//! same transaction as the close) and each clinic's daily run (a scheduler tick queues one
//! `snapshot_daily` job per clinic and local date; the unique key makes it once per day however
//! many nodes tick).

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

/// Attempts of a daily job before it fails for good.
const DAILY_MAX_ATTEMPTS: u32 = 3;

/// Runs `conversation_closed` jobs: a snapshot of the thread's patient with trigger
/// `conversation_closed`. A spent budget is recorded in the job's result, not an error; an
/// unavailable analyzer is retried with backoff until the job's attempts run out.
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
            trigger: SnapshotTrigger::ConversationClosed,
        };
        match self
            .snapshots
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
            Err(e) => self.retry_or_fail(&job, &e),
        }
    }
}

impl ConversationClosedHandler {
    fn retry_or_fail(&self, job: &Job, e: &GenerateError) -> JobOutcome {
        let why = match e {
            GenerateError::Analyzer(_) => "analyzer_unavailable".to_owned(),
            other => format!("store failed: {other}"),
        };
        if job.attempts >= job.max_attempts {
            return JobOutcome::Failed(format!("{why} after {} attempts", job.attempts));
        }
        let delay = backoff_delay(&RETRY_SCHEDULE, job.attempts, jitter(job));
        let at = self.snapshots.clock().now()
            + Duration::from_std(delay).unwrap_or(Duration::minutes(5));
        JobOutcome::RetryAt { at, error: why }
    }
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
            "failed": self.failed,
        })
    }
}

/// The daily rule: `scheduled` snapshots for every patient of the clinic with an inbound
/// message in the last 24 hours, within the budget.
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
            Err(e) => {
                tracing::warn!(company_id = %company, client_id = %client, error = %e, "daily snapshot failed");
                counts.failed += 1;
            }
        }
    }
    Ok(counts)
}

/// Runs `snapshot_daily` jobs (payload `{local_date}`), recording the counts in the result.
pub struct DailySnapshotHandler {
    snapshots: Snapshots,
}

impl DailySnapshotHandler {
    /// A handler generating with `snapshots`.
    #[must_use]
    pub fn new(snapshots: Snapshots) -> Self {
        Self { snapshots }
    }
}

#[async_trait]
impl JobHandler for DailySnapshotHandler {
    async fn run(&self, job: Job) -> JobOutcome {
        match run_daily(&self.snapshots, job.company_id).await {
            Ok(counts) => {
                let mut result = counts.to_json();
                if let (Some(obj), Some(date)) =
                    (result.as_object_mut(), job.payload.get("local_date"))
                {
                    obj.insert("local_date".into(), date.clone());
                }
                JobOutcome::Done(Some(result))
            }
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
