//! Durable background jobs (the `jobs` table): outbound dispatch, snapshots, daily sweeps.

use crate::{CompanyId, JobId};
use chrono::{DateTime, Utc};

/// Job kinds.
pub mod kinds {
    /// A thread was closed (payload `{conversation_id, client_id, reason, closed_at}`): the
    /// analyst refreshes the patient's snapshot.
    pub const CONVERSATION_CLOSED: &str = "conversation_closed";
    /// Send an outbound message through the clinic's n8n relay (payload `{interaction_id}`).
    pub const OUTBOUND_DISPATCH: &str = "outbound_dispatch";
    /// The daily snapshot sweep of one clinic (unique per clinic and local day): it queues one
    /// [`SNAPSHOT_CLIENT`] job per recently active patient.
    pub const SNAPSHOT_DAILY: &str = "snapshot_daily";
    /// One patient's scheduled snapshot (payload `{client_id, local_date}`, unique per clinic,
    /// patient and local day), queued by the daily sweep.
    pub const SNAPSHOT_CLIENT: &str = "snapshot_client";
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The clinic it works for.
    pub company_id: CompanyId,
    /// What to do.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// This is attempt number `attempts` (1 for the first).
    pub attempts: u32,
    /// Attempts allowed before it fails for good.
    pub max_attempts: u32,
}

/// Who holds a claimed job: the worker that claimed it and the attempt it claimed. Renewing and
/// finishing a job are fenced by it, so a worker whose lease ran out (and whose job another
/// worker claimed again) can neither extend nor overwrite the newer attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFence {
    /// The worker's id.
    pub worker: String,
    /// The attempt it claimed ([`Job::attempts`]).
    pub attempt: u32,
}

/// What to claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The claiming worker's id.
    pub worker: String,
    /// The kinds it runs (one capacity class: the per-clinic share counts them together).
    pub kinds: Vec<String>,
    /// At most this many jobs (the worker's free slots).
    pub limit: u32,
    /// Lease of each claimed job, in seconds (renewed while it runs).
    pub lease_secs: u32,
    /// No clinic holds more than this many running jobs of these kinds (across all workers).
    pub per_company: u32,
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What to do.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// Not before (default now).
    pub run_at: Option<DateTime<Utc>>,
    /// Queued at most once per clinic and kind with this key (e.g. one daily run per day).
    pub unique_key: Option<String>,
    /// Attempts allowed (default 6).
    pub max_attempts: Option<u32>,
}

/// What running a job came to.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Done, with a record of what it did.
    Done(Option<serde_json::Value>),
    /// Try again at `at` (counts as an attempt).
    RetryAt {
        /// When.
        at: DateTime<Utc>,
        /// Why this attempt failed (no secrets, no message text).
        error: String,
    },
    /// Not run for lack of capacity (the clinic is at its limit of concurrent analyses, or the
    /// patient's analysis is already running): run it at `at`, without counting this attempt.
    Deferred {
        /// When.
        at: DateTime<Utc>,
        /// Why (no secrets).
        reason: String,
    },
    /// Failed for good.
    Failed(String),
}

/// A job that failed for good, as the operator lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedJob {
    /// Its id.
    pub id: JobId,
    /// The clinic.
    pub company_id: CompanyId,
    /// Its kind.
    pub kind: String,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Why its last attempt failed (no secrets, no message text).
    pub last_error: Option<String>,
    /// When it failed.
    pub finished_at: Option<DateTime<Utc>>,
}
