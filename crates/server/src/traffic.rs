//! Settings of inbound traffic: the legacy shared webhook secret and the webhook rate limits
//! (per node, then shared by every node).

use crate::config::{ConfigError, Source};
use api_http::webhooks::limiter::{DEFAULT_HANDSHAKE_RATE, Rate};
use app::inbound::LegacyWebhook;
use domain::CompanyId;

/// `ATENDE_WEBHOOK_SECRET` + `ATENDE_DEFAULT_COMPANY_ID` and the webhook rate limits.
#[derive(Debug, Clone)]
pub struct TrafficSettings {
    /// The pre-integration shared secret and its clinic, used only when no integration matches a
    /// relay delivery (both variables or neither).
    pub legacy: Option<LegacyWebhook>,
    /// `ATENDE_WEBHOOK_RATE_PER_ACCOUNT` (default `50/s,200`).
    pub per_account: Rate,
    /// `ATENDE_WEBHOOK_RATE_PER_IP` (default `100/s,400`).
    pub per_ip: Rate,
    /// `ATENDE_WEBHOOK_RATE_HANDSHAKE` (default `1/s,10`): Meta's GET handshake per address.
    pub handshake: Rate,
    /// `ATENDE_WEBHOOK_RATE_SHARED` (`on` by default): whether the limits hold across every node
    /// (a second stage in PostgreSQL) or per node only (`off`: N nodes allow N times the rate).
    pub shared: bool,
}

impl Default for TrafficSettings {
    fn default() -> Self {
        Self {
            legacy: None,
            per_account: Rate {
                per_second: 50.0,
                burst: 200.0,
            },
            per_ip: Rate {
                per_second: 100.0,
                burst: 400.0,
            },
            handshake: DEFAULT_HANDSHAKE_RATE,
            shared: true,
        }
    }
}

impl TrafficSettings {
    /// Reads the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let rate = |name: &'static str, default: Rate| -> Result<Rate, ConfigError> {
            match src.get(name) {
                None => Ok(default),
                Some(raw) => Rate::parse(&raw).map_err(|e| ConfigError {
                    name,
                    reason: format!("must look like 50/s,200 ({e})"),
                }),
            }
        };
        let legacy = match (
            src.get("ATENDE_WEBHOOK_SECRET"),
            src.get("ATENDE_DEFAULT_COMPANY_ID"),
        ) {
            (None, None) => None,
            (Some(secret), Some(company)) => {
                if secret.len() < 16 {
                    return Err(ConfigError {
                        name: "ATENDE_WEBHOOK_SECRET",
                        reason: "must have at least 16 characters".into(),
                    });
                }
                let company = uuid::Uuid::parse_str(company.trim()).map_err(|_| ConfigError {
                    name: "ATENDE_DEFAULT_COMPANY_ID",
                    reason: "must be a clinic id (UUID)".into(),
                })?;
                Some(LegacyWebhook {
                    secret,
                    company: CompanyId(company),
                })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "ATENDE_DEFAULT_COMPANY_ID",
                    reason: "is required with ATENDE_WEBHOOK_SECRET".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "ATENDE_WEBHOOK_SECRET",
                    reason: "is required with ATENDE_DEFAULT_COMPANY_ID".into(),
                });
            }
        };
        let shared = match src
            .get("ATENDE_WEBHOOK_RATE_SHARED")
            .as_deref()
            .map(str::trim)
        {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => {
                return Err(ConfigError {
                    name: "ATENDE_WEBHOOK_RATE_SHARED",
                    reason: "must be on or off".into(),
                });
            }
        };
        Ok(Self {
            legacy,
            shared,
            per_account: rate("ATENDE_WEBHOOK_RATE_PER_ACCOUNT", defaults.per_account)?,
            per_ip: rate("ATENDE_WEBHOOK_RATE_PER_IP", defaults.per_ip)?,
            handshake: rate("ATENDE_WEBHOOK_RATE_HANDSHAKE", defaults.handshake)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let t = TrafficSettings::from_source(&[("X", "y")]).unwrap();
        assert!(t.legacy.is_none());
        assert_eq!(t.per_account.burst, 200.0);
        let e = TrafficSettings::from_source(&[("ATENDE_WEBHOOK_SECRET", "0123456789abcdef")])
            .unwrap_err();
        assert_eq!(e.name, "ATENDE_DEFAULT_COMPANY_ID");
        let e =
            TrafficSettings::from_source(&[("ATENDE_WEBHOOK_RATE_PER_IP", "lots")]).unwrap_err();
        assert_eq!(e.name, "ATENDE_WEBHOOK_RATE_PER_IP");
        assert_eq!(t.handshake.burst, 10.0);
        assert!(t.shared);
        let e =
            TrafficSettings::from_source(&[("ATENDE_WEBHOOK_RATE_SHARED", "maybe")]).unwrap_err();
        assert_eq!(e.name, "ATENDE_WEBHOOK_RATE_SHARED");
        let off = TrafficSettings::from_source(&[("ATENDE_WEBHOOK_RATE_SHARED", "off")]).unwrap();
        assert!(!off.shared);
        let e =
            TrafficSettings::from_source(&[("ATENDE_WEBHOOK_RATE_HANDSHAKE", "0")]).unwrap_err();
        assert_eq!(e.name, "ATENDE_WEBHOOK_RATE_HANDSHAKE");
        let t = TrafficSettings::from_source(&[
            ("ATENDE_WEBHOOK_SECRET", "0123456789abcdef"),
            (
                "ATENDE_DEFAULT_COMPANY_ID",
                "0193a000-0000-7000-8000-000000000001",
            ),
            ("ATENDE_WEBHOOK_RATE_PER_ACCOUNT", "5000/s,20000"),
        ])
        .unwrap();
        assert!(t.legacy.is_some());
        assert_eq!(t.per_account.per_second, 5000.0);
    }
}

/// `ATENDE_WORKER`, `ATENDE_JOB_LEASE_SECS` and the worker's capacities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    /// Whether `atende serve` runs the worker in-process (`ATENDE_WORKER=off` disables it).
    pub in_process: bool,
    /// Lease of a claimed job, in seconds (default 60).
    pub lease_secs: u32,
    /// `ATENDE_WORKER_DISPATCH`, `ATENDE_WORKER_ANALYSIS`, `ATENDE_WORKER_SWEEP`.
    pub capacities: crate::worker::Capacities,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            in_process: true,
            lease_secs: 60,
            capacities: crate::worker::Capacities::default(),
        }
    }
}

impl JobSettings {
    /// Reads the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let in_process = match src.get("ATENDE_WORKER").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => {
                return Err(ConfigError {
                    name: "ATENDE_WORKER",
                    reason: "must be on or off".into(),
                });
            }
        };
        let lease_secs = match src.get("ATENDE_JOB_LEASE_SECS") {
            None => 60,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|s| (5..=3600).contains(s))
                .ok_or(ConfigError {
                    name: "ATENDE_JOB_LEASE_SECS",
                    reason: "must be 5 to 3600 seconds".into(),
                })?,
        };
        Ok(Self {
            in_process,
            lease_secs,
            capacities: crate::worker::Capacities::from_source(src)?,
        })
    }
}
