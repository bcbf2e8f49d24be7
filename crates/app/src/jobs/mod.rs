//! Running background jobs: each kind has a handler; the worker loop (in `server`) claims jobs
//! and hands them to the handler of their kind.

use async_trait::async_trait;
use domain::jobs::{Job, JobOutcome};

/// Runs the jobs of one kind.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Does the work of `job`. Must be idempotent: a job whose worker died mid-way runs again.
    async fn run(&self, job: Job) -> JobOutcome;
}

/// Exponential backoff with a cap from a list of delays (`ATENDE_OUTBOX_BACKOFF`): the delay
/// before attempt `n + 1` after `n` failed attempts, with ±20 % jitter from `jitter` in [0, 1).
#[must_use]
pub fn backoff_delay(schedule: &[u64], failed_attempts: u32, jitter: f64) -> std::time::Duration {
    let idx = (failed_attempts.max(1) as usize - 1).min(schedule.len().saturating_sub(1));
    let base = schedule.get(idx).copied().unwrap_or(60) as f64;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    std::time::Duration::from_secs_f64((base * factor).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_with_bounded_jitter_and_a_cap() {
        let s = [5, 30, 120, 600, 1800];
        assert_eq!(backoff_delay(&s, 1, 0.5).as_secs(), 5);
        assert_eq!(backoff_delay(&s, 2, 0.5).as_secs(), 30);
        assert_eq!(backoff_delay(&s, 5, 0.5).as_secs(), 1800);
        assert_eq!(
            backoff_delay(&s, 9, 0.5).as_secs(),
            1800,
            "capped at the last delay"
        );
        assert_eq!(backoff_delay(&s, 2, 0.0).as_secs_f64(), 24.0);
        assert_eq!(backoff_delay(&s, 2, 0.999_999).as_secs_f64().round(), 36.0);
    }
}
