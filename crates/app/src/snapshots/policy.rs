//! The analyst agent's rules: budget, message window, daily time and retry schedule.

use chrono::{Duration, NaiveTime};
use domain::snapshots::DEFAULT_MESSAGE_WINDOW;

/// Default `ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS`.
pub const DEFAULT_MIN_INTERVAL_HOURS: u32 = 12;

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
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        Self {
            min_interval: Duration::hours(i64::from(DEFAULT_MIN_INTERVAL_HOURS)),
            message_window: u32::try_from(DEFAULT_MESSAGE_WINDOW).unwrap_or(50),
            daily_at: NaiveTime::from_hms_opt(3, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}
