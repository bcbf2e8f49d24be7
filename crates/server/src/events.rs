//! Settings of the live event stream, and the event log's retention loop (docs/events.md).

use crate::config::{ConfigError, Source};
use app::events::StreamLimits;
use infra_postgres::events::PgEventLog;
use std::time::Duration;
use tokio::sync::watch;

/// `ATENDE_EVENTS_RETENTION_HOURS`, `ATENDE_EVENT_STREAMS_PER_MEMBER`,
/// `ATENDE_EVENT_STREAMS_PER_CLINIC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSettings {
    /// How long events are kept for reconnecting clients (default 72 h, 1–720).
    pub retention: Duration,
    /// Streams per member or token and per clinic, on one node.
    pub limits: StreamLimits,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(72 * 3600),
            limits: StreamLimits::default(),
        }
    }
}

fn ranged(
    src: &dyn Source,
    name: &'static str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(raw) = src.get(name) else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or(ConfigError {
            name,
            reason: format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        })
}

impl EventSettings {
    /// Reads the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let hours = ranged(src, "ATENDE_EVENTS_RETENTION_HOURS", 72, 1..=720)?;
        let defaults = StreamLimits::default();
        Ok(Self {
            retention: Duration::from_secs(u64::from(hours) * 3600),
            limits: StreamLimits {
                per_caller: ranged(
                    src,
                    "ATENDE_EVENT_STREAMS_PER_MEMBER",
                    defaults.per_caller,
                    1..=100,
                )?,
                per_clinic: ranged(
                    src,
                    "ATENDE_EVENT_STREAMS_PER_CLINIC",
                    defaults.per_clinic,
                    1..=100_000,
                )?,
            },
        })
    }
}

/// Deletes events older than `retention` now and then every hour, until `stopped` turns true.
pub async fn run_retention(
    log: PgEventLog,
    retention: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tick.tick() => match log.prune(retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old events deleted"),
                Err(e) => tracing::warn!(error = %e, "event retention failed"),
            },
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    struct Env(HashMap<&'static str, &'static str>);
    impl Source for Env {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_bounds_and_errors_that_name_the_setting() {
        let none = EventSettings::from_source(&Env(HashMap::new())).unwrap();
        assert_eq!(none, EventSettings::default());
        let set = EventSettings::from_source(&Env(HashMap::from([
            ("ATENDE_EVENTS_RETENTION_HOURS", "24"),
            ("ATENDE_EVENT_STREAMS_PER_MEMBER", "3"),
            ("ATENDE_EVENT_STREAMS_PER_CLINIC", "50"),
        ])))
        .unwrap();
        assert_eq!(set.retention, Duration::from_secs(24 * 3600));
        assert_eq!((set.limits.per_caller, set.limits.per_clinic), (3, 50));
        for (name, bad) in [
            ("ATENDE_EVENTS_RETENTION_HOURS", "0"),
            ("ATENDE_EVENTS_RETENTION_HOURS", "721"),
            ("ATENDE_EVENT_STREAMS_PER_MEMBER", "x"),
        ] {
            let err = EventSettings::from_source(&Env(HashMap::from([(name, bad)]))).unwrap_err();
            assert_eq!(err.name, name);
            assert!(!err.reason.contains(bad) || bad == "0");
        }
    }
}
