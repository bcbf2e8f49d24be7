//! The analyst agent's rules: budget, message window, daily time, concurrency, quota and retry
//! schedule.

use chrono::{Duration, NaiveTime};
use domain::snapshots::DEFAULT_MESSAGE_WINDOW;

/// Default `ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS`.
pub const DEFAULT_MIN_INTERVAL_HOURS: u32 = 12;

/// Default `ATENDE_SNAPSHOT_CONCURRENCY`: analyses of one clinic running at once.
pub const DEFAULT_MAX_CONCURRENT: u32 = 2;

/// Default `ATENDE_SNAPSHOT_DAILY_QUOTA`: analyses per clinic in 24 hours on the server's key.
pub const DEFAULT_SERVER_KEY_DAILY_QUOTA: u32 = 200;

/// Delays (seconds) before retrying a snapshot job whose analyzer was unavailable.
pub const RETRY_SCHEDULE: [u64; 4] = [60, 300, 1800, 7200];

/// How the analyst spends its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// At most one snapshot per patient within this interval
    /// (`ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS`, default 12 h).
    pub min_interval: Duration,
    /// How many recent messages an analysis reads (`ATENDE_SNAPSHOT_MESSAGES`, default 50).
    pub message_window: u32,
    /// Local time of each clinic's daily run (`ATENDE_SNAPSHOT_DAILY_AT`, default 03:00).
    pub daily_at: NaiveTime,
    /// Analyses of one clinic running at once, whatever started them
    /// (`ATENDE_SNAPSHOT_CONCURRENCY`, default 2).
    pub max_concurrent: u32,
    /// Analyses per clinic in 24 hours on the server's `OPENAI_API_KEY`
    /// (`ATENDE_SNAPSHOT_DAILY_QUOTA`, default 200); a clinic's own key has no quota here.
    pub server_key_daily_quota: u32,
    /// A reservation whose process died is given up after this long (longer than the slowest
    /// analysis the OpenAI adapter allows).
    pub run_lease: Duration,
    /// How long a generation waits for the patient's analysis already running before it
    /// answers `InProgress`.
    pub in_flight_wait: std::time::Duration,
    /// When the clinic is at its limit: the `Retry-After` of the API and the delay of a
    /// deferred job.
    pub busy_retry: Duration,
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        Self {
            min_interval: Duration::hours(i64::from(DEFAULT_MIN_INTERVAL_HOURS)),
            message_window: u32::try_from(DEFAULT_MESSAGE_WINDOW).unwrap_or(50),
            daily_at: NaiveTime::from_hms_opt(3, 0, 0).unwrap_or(NaiveTime::MIN),
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            server_key_daily_quota: DEFAULT_SERVER_KEY_DAILY_QUOTA,
            run_lease: Duration::minutes(5),
            in_flight_wait: std::time::Duration::from_secs(150),
            busy_retry: Duration::seconds(10),
        }
    }
}
