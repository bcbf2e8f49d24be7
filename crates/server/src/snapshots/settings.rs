//! The analyst agent's settings: the OpenAI-compatible endpoint and the budget, window and daily
//! time.

use app::snapshots::SnapshotPolicy;
use chrono::{Duration, NaiveTime};
use secrecy::SecretString;

use crate::config::{ConfigError, Source};

/// `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `ATENDE_OPENAI_MODEL`,
/// `ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS`, `ATENDE_SNAPSHOT_DAILY_AT`, `ATENDE_SNAPSHOT_MESSAGES`,
/// `ATENDE_SNAPSHOT_CONCURRENCY`, `ATENDE_SNAPSHOT_DAILY_QUOTA`.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`; any OpenAI-compatible server).
    pub openai_base_url: String,
    /// `OPENAI_API_KEY`: the server-wide key, used when a clinic has no `openai` integration.
    /// Without it (and without a clinic key) snapshots are made by `heuristic-v1`.
    pub openai_api_key: Option<SecretString>,
    /// `ATENDE_OPENAI_MODEL` (default `gpt-4o-mini`).
    pub openai_model: String,
    /// Budget, window, daily time, concurrency and quota.
    pub policy: SnapshotPolicy,
    /// Where model calls may connect (set from `ATENDE_ENV` and `ATENDE_OUTBOUND_ALLOW_CIDRS`
    /// by the configuration; the default allows local servers, as in development).
    pub egress: domain::egress::EgressPolicy,
}

impl Default for SnapshotSettings {
    fn default() -> Self {
        Self {
            openai_base_url: infra_openai::DEFAULT_BASE_URL.to_owned(),
            openai_api_key: None,
            openai_model: infra_openai::DEFAULT_MODEL.to_owned(),
            policy: SnapshotPolicy::default(),
            egress: domain::egress::EgressPolicy::development(),
        }
    }
}

impl SnapshotSettings {
    /// Reads the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let d = Self::default();
        let openai_base_url = src
            .get("OPENAI_BASE_URL")
            .map_or(d.openai_base_url, |v| v.trim().to_owned());
        let openai_model = src
            .get("ATENDE_OPENAI_MODEL")
            .map_or(d.openai_model, |v| v.trim().to_owned());
        let probe = infra_openai::OpenAiConfig::new().with_base_url(openai_base_url.clone());
        if let Err(e) = infra_openai::OpenAiAnalyzer::new(probe.clone()) {
            return Err(ConfigError {
                name: "OPENAI_BASE_URL",
                reason: format!("must be an http(s) URL ({e})"),
            });
        }
        if infra_openai::OpenAiAnalyzer::new(probe.with_model(openai_model.clone())).is_err() {
            return Err(ConfigError {
                name: "ATENDE_OPENAI_MODEL",
                reason: "must be a model name".into(),
            });
        }
        let hours = match src.get("ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS") {
            None => d.policy.min_interval,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|h| *h <= 24 * 30)
                .map(|h| Duration::hours(i64::from(h)))
                .ok_or(ConfigError {
                    name: "ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS",
                    reason: "must be a number of hours from 0 to 720".into(),
                })?,
        };
        let daily_at = match src.get("ATENDE_SNAPSHOT_DAILY_AT") {
            None => d.policy.daily_at,
            Some(raw) => {
                NaiveTime::parse_from_str(raw.trim(), "%H:%M").map_err(|_| ConfigError {
                    name: "ATENDE_SNAPSHOT_DAILY_AT",
                    reason: "must be a time like 03:00 (HH:MM)".into(),
                })?
            }
        };
        let window = match src.get("ATENDE_SNAPSHOT_MESSAGES") {
            None => d.policy.message_window,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or(ConfigError {
                    name: "ATENDE_SNAPSHOT_MESSAGES",
                    reason: "must be a number from 1 to 500".into(),
                })?,
        };
        let bounded = |name: &'static str, default: u32, max: u32| match src.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or(ConfigError {
                    name,
                    reason: format!("must be a number from 1 to {max}"),
                }),
        };
        let max_concurrent = bounded("ATENDE_SNAPSHOT_CONCURRENCY", d.policy.max_concurrent, 100)?;
        let quota = bounded(
            "ATENDE_SNAPSHOT_DAILY_QUOTA",
            d.policy.server_key_daily_quota,
            1_000_000,
        )?;
        Ok(Self {
            openai_base_url,
            openai_api_key: src
                .get("OPENAI_API_KEY")
                .map(|k| SecretString::from(k.trim().to_owned())),
            openai_model,
            policy: SnapshotPolicy {
                min_interval: hours,
                message_window: window,
                daily_at,
                max_concurrent,
                server_key_daily_quota: quota,
                ..d.policy
            },
            egress: d.egress,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn defaults_and_errors_name_the_variable() {
        let s = SnapshotSettings::from_source(&[("X", "y")]).unwrap();
        assert_eq!(s.policy.min_interval, Duration::hours(12));
        assert_eq!(s.policy.message_window, 50);
        assert_eq!(s.policy.daily_at, NaiveTime::from_hms_opt(3, 0, 0).unwrap());
        assert!(s.openai_api_key.is_none());
        assert_eq!(s.policy.max_concurrent, 2);
        assert_eq!(s.policy.server_key_daily_quota, 200);
        for (name, bad) in [
            ("OPENAI_BASE_URL", "ftp://x"),
            ("ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS", "soon"),
            ("ATENDE_SNAPSHOT_DAILY_AT", "25:00"),
            ("ATENDE_SNAPSHOT_DAILY_AT", "3am"),
            ("ATENDE_SNAPSHOT_MESSAGES", "0"),
            ("ATENDE_OPENAI_MODEL", " "),
            ("ATENDE_SNAPSHOT_CONCURRENCY", "0"),
            ("ATENDE_SNAPSHOT_DAILY_QUOTA", "lots"),
        ] {
            let src = [(name, bad)];
            match SnapshotSettings::from_source(&src) {
                Err(e) => assert_eq!(e.name, name, "{name}={bad}"),
                Ok(_) if name == "ATENDE_OPENAI_MODEL" => {} // blank counts as unset
                Ok(_) => panic!("{name}={bad} accepted"),
            }
        }
        let s = SnapshotSettings::from_source(&[
            ("ATENDE_SNAPSHOT_DAILY_AT", "22:30"),
            ("ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS", "0"),
            ("ATENDE_SNAPSHOT_MESSAGES", "20"),
            ("OPENAI_API_KEY", "sk-test"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("ATENDE_SNAPSHOT_CONCURRENCY", "4"),
            ("ATENDE_SNAPSHOT_DAILY_QUOTA", "1000"),
        ])
        .unwrap();
        assert_eq!(s.policy.max_concurrent, 4);
        assert_eq!(s.policy.server_key_daily_quota, 1000);
        assert_eq!(
            s.policy.daily_at,
            NaiveTime::from_hms_opt(22, 30, 0).unwrap()
        );
        assert_eq!(s.policy.min_interval, Duration::zero());
        assert_eq!(s.policy.message_window, 20);
        assert!(s.openai_api_key.is_some());
    }
}
