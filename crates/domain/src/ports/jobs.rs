//! The durable job queue.

use crate::jobs::{ClaimRequest, FailedJob, Job, JobFence, JobOutcome, NewJob};
use crate::{CompanyId, JobId};
use async_trait::async_trait;

/// The durable job queue (PostgreSQL `jobs`, claimed with `FOR UPDATE SKIP LOCKED`, leased so a
/// job whose worker died is claimed again when its lease expires, and failed for good when that
/// happens after its last attempt).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Queues a job for `company` and wakes the workers. Returns None when a job of the same kind
    /// and `unique_key` already exists for the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn enqueue(&self, company: CompanyId, job: NewJob) -> anyhow::Result<Option<JobId>>;

    /// Queues `jobs` for `company` in one transaction (a job whose kind and `unique_key` exist
    /// already is skipped) and wakes the workers; returns how many were newly queued.
    ///
    /// # Errors
    /// When the store fails.
    async fn enqueue_many(&self, company: CompanyId, jobs: Vec<NewJob>) -> anyhow::Result<u32>;

    /// Claims up to `request.limit` due jobs of `request.kinds`, fairly across clinics: no clinic
    /// gets more than `request.per_company` running jobs of these kinds, and each clinic's oldest
    /// due job comes before any clinic's second. Jobs whose lease expired after their last
    /// attempt are failed instead of claimed.
    ///
    /// # Errors
    /// When the store fails.
    async fn claim(&self, request: ClaimRequest) -> anyhow::Result<Vec<Job>>;

    /// Extends the lease of a job still held by `fence` to `lease_secs` from now; false when the
    /// job is no longer this worker's attempt (its lease ran out and another worker took it).
    ///
    /// # Errors
    /// When the store fails.
    async fn renew(
        &self,
        company: CompanyId,
        id: JobId,
        fence: JobFence,
        lease_secs: u32,
    ) -> anyhow::Result<bool>;

    /// Records how a claimed job ended (done, retry later, deferred, failed), only if the job is
    /// still held by `fence`; false (and nothing written) otherwise.
    ///
    /// # Errors
    /// When the store fails.
    async fn finish(
        &self,
        company: CompanyId,
        id: JobId,
        fence: JobFence,
        outcome: JobOutcome,
    ) -> anyhow::Result<bool>;

    /// The clinic's jobs that failed for good, newest first, at most `limit`.
    ///
    /// # Errors
    /// When the store fails.
    async fn failed(&self, company: CompanyId, limit: u32) -> anyhow::Result<Vec<FailedJob>>;
}
