//! The durable job queue.

use crate::jobs::{Job, JobOutcome, NewJob};
use crate::{CompanyId, JobId};
use async_trait::async_trait;

/// The durable job queue (PostgreSQL `jobs`, claimed with `FOR UPDATE SKIP LOCKED`, leased so a
/// job whose worker died is claimed again when its lease expires).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Queues a job for `company` and wakes the workers. Returns None when a job of the same kind
    /// and `unique_key` already exists for the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn enqueue(&self, company: CompanyId, job: NewJob) -> anyhow::Result<Option<JobId>>;

    /// Claims up to `limit` due jobs of `kinds` for `worker`, leased for `lease_secs`.
    ///
    /// # Errors
    /// When the store fails.
    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        limit: u32,
        lease_secs: u32,
    ) -> anyhow::Result<Vec<Job>>;

    /// Records how a claimed job ended (done, retry later, failed).
    ///
    /// # Errors
    /// When the store fails.
    async fn finish(
        &self,
        company: CompanyId,
        id: JobId,
        outcome: JobOutcome,
    ) -> anyhow::Result<()>;
}
