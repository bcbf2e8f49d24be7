//! Durable background jobs (the `jobs` table): outbound dispatch, snapshots, daily runs.

use crate::{CompanyId, JobId};
use chrono::{DateTime, Utc};

/// Job kinds.
pub mod kinds {
    /// A thread was closed (payload `{conversation_id, client_id, reason, closed_at}`): the
    /// analyst refreshes the patient's snapshot.
    pub const CONVERSATION_CLOSED: &str = "conversation_closed";
    /// Send an outbound message through the clinic's n8n relay (payload `{interaction_id}`).
    pub const OUTBOUND_DISPATCH: &str = "outbound_dispatch";
    /// The daily snapshot run of one clinic (unique per clinic and local day).
    pub const SNAPSHOT_DAILY: &str = "snapshot_daily";
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
    /// Failed for good.
    Failed(String),
}
