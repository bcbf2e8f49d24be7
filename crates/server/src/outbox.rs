//! Settings of the outbox: where replies go without an n8n integration, Atende's public URL for
//! callbacks, the retry schedule, and where outbound calls may connect (the egress policy).

use crate::config::{ConfigError, Environment, Source};
use app::outbound::{DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, DispatchSettings, FallbackRelay};
use domain::CompanyId;
use domain::egress::{Cidr, EgressPolicy};
use domain::ports::dispatcher::DispatchTarget;
use std::net::SocketAddr;

/// `N8N_OUTBOUND_URL`, `N8N_OUTBOUND_SECRET` (with `ATENDE_DEFAULT_COMPANY_ID`),
/// `ATENDE_PUBLIC_URL`, `ATENDE_OUTBOX_BACKOFF`, `ATENDE_OUTBOX_MAX_ATTEMPTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSettings {
    /// The fallback relay (both variables or neither) and the one clinic it serves
    /// (`ATENDE_DEFAULT_COMPANY_ID`); that clinic's n8n integration wins.
    pub fallback: Option<FallbackRelay>,
    /// Atende's public base URL (default `http://<ATENDE_BIND>`).
    pub public_url: String,
    /// Seconds between attempts (default `5,30,120,600,1800`; the last one repeats).
    pub backoff: Vec<u64>,
    /// Attempts per dispatch job (default 6).
    pub max_attempts: u32,
    /// Where relay calls may connect ([`egress_from_source`]; the default allows local relays,
    /// as in development).
    pub egress: EgressPolicy,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            fallback: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            backoff: DEFAULT_BACKOFF.to_vec(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            egress: EgressPolicy::development(),
        }
    }
}

/// The egress policy of outbound calls (n8n relays, OpenAI-compatible servers): in production
/// only public addresses, plus the blocks of `ATENDE_OUTBOUND_ALLOW_CIDRS` (comma-separated,
/// e.g. `10.20.0.0/16` for a self-hosted n8n on a private network); in development anything
/// but metadata, unspecified and multicast addresses.
///
/// # Errors
/// A [`ConfigError`] naming `ATENDE_OUTBOUND_ALLOW_CIDRS`.
pub fn egress_from_source(src: &dyn Source, env: Environment) -> Result<EgressPolicy, ConfigError> {
    let allow = match src.get("ATENDE_OUTBOUND_ALLOW_CIDRS") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConfigError {
                name: "ATENDE_OUTBOUND_ALLOW_CIDRS",
                reason: "must be comma-separated addresses or CIDRs, e.g. 10.20.0.0/16,fd00::/8"
                    .into(),
            })?,
    };
    Ok(match env {
        Environment::Production => EgressPolicy::production(allow),
        Environment::Development => EgressPolicy::development(),
    })
}

fn http_url(name: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !url.chars().any(char::is_whitespace) => {
            Ok(url.to_owned())
        }
        _ => Err(ConfigError {
            name,
            reason: "must be an http:// or https:// URL".into(),
        }),
    }
}

impl OutboxSettings {
    /// Reads the settings; `bind` is the default public address.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable (never echoing a secret).
    pub fn from_source(src: &dyn Source, bind: SocketAddr) -> Result<Self, ConfigError> {
        let fallback = match (src.get("N8N_OUTBOUND_URL"), src.get("N8N_OUTBOUND_SECRET")) {
            (None, None) => None,
            (Some(url), Some(secret)) => {
                if secret.chars().count() < 16 {
                    return Err(ConfigError {
                        name: "N8N_OUTBOUND_SECRET",
                        reason: "must have at least 16 characters".into(),
                    });
                }
                let company = src.get("ATENDE_DEFAULT_COMPANY_ID").ok_or(ConfigError {
                    name: "ATENDE_DEFAULT_COMPANY_ID",
                    reason: "is required with N8N_OUTBOUND_URL (the one clinic the fallback relay \
                             serves)"
                        .into(),
                })?;
                let company = uuid::Uuid::parse_str(company.trim()).map_err(|_| ConfigError {
                    name: "ATENDE_DEFAULT_COMPANY_ID",
                    reason: "must be a clinic id (UUID)".into(),
                })?;
                Some(FallbackRelay {
                    company: CompanyId(company),
                    target: DispatchTarget {
                        url: http_url("N8N_OUTBOUND_URL", &url)?,
                        secret,
                    },
                })
            }
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "N8N_OUTBOUND_SECRET",
                    reason: "is required with N8N_OUTBOUND_URL".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "N8N_OUTBOUND_URL",
                    reason: "is required with N8N_OUTBOUND_SECRET".into(),
                });
            }
        };
        let public_url = match src.get("ATENDE_PUBLIC_URL") {
            Some(raw) => http_url("ATENDE_PUBLIC_URL", &raw)?,
            None => format!("http://{bind}"),
        };
        let backoff = match src.get("ATENDE_OUTBOX_BACKOFF") {
            None => DEFAULT_BACKOFF.to_vec(),
            Some(raw) => raw
                .split(',')
                .map(|s| s.trim().parse::<u64>().ok().filter(|d| *d <= 86_400))
                .collect::<Option<Vec<u64>>>()
                .filter(|v| !v.is_empty() && v.len() <= 50)
                .ok_or(ConfigError {
                    name: "ATENDE_OUTBOX_BACKOFF",
                    reason:
                        "must be comma-separated seconds (0 to 86400 each), e.g. 5,30,120,600,1800"
                            .into(),
                })?,
        };
        let max_attempts = match src.get("ATENDE_OUTBOX_MAX_ATTEMPTS") {
            None => DEFAULT_MAX_ATTEMPTS,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or(ConfigError {
                    name: "ATENDE_OUTBOX_MAX_ATTEMPTS",
                    reason: "must be 1 to 100".into(),
                })?,
        };
        Ok(Self {
            fallback,
            public_url,
            backoff,
            max_attempts,
            egress: EgressPolicy::development(),
        })
    }

    /// What the dispatch job handler needs.
    #[must_use]
    pub fn dispatch(&self) -> DispatchSettings {
        DispatchSettings {
            backoff: self.backoff.clone(),
            public_url: self.public_url.clone(),
            fallback: self.fallback.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pairs(Vec<(&'static str, &'static str)>);

    impl Source for Pairs {
        fn get(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn bind() -> SocketAddr {
        SocketAddr::from(([0, 0, 0, 0], 9000))
    }

    #[test]
    fn defaults() {
        let s = OutboxSettings::from_source(&[("X", "y")], bind()).unwrap();
        assert_eq!(s.public_url, "http://0.0.0.0:9000");
        assert_eq!(s.backoff, [5, 30, 120, 600, 1800]);
        assert_eq!(s.max_attempts, 6);
        assert!(s.fallback.is_none());
    }

    #[test]
    fn values_and_errors_name_the_variable() {
        let s = OutboxSettings::from_source(
            &[
                ("N8N_OUTBOUND_URL", "https://n8n.test/webhook/out"),
                ("N8N_OUTBOUND_SECRET", "0123456789abcdef"),
                (
                    "ATENDE_DEFAULT_COMPANY_ID",
                    "0193a000-0000-7000-8000-000000000001",
                ),
                ("ATENDE_PUBLIC_URL", "https://atende.test/"),
                ("ATENDE_OUTBOX_BACKOFF", "0, 0,1"),
                ("ATENDE_OUTBOX_MAX_ATTEMPTS", "3"),
            ],
            bind(),
        )
        .unwrap();
        assert_eq!(s.public_url, "https://atende.test");
        assert_eq!(s.backoff, [0, 0, 1]);
        assert_eq!(s.max_attempts, 3);
        let fallback = s.fallback.unwrap();
        assert_eq!(fallback.target.url, "https://n8n.test/webhook/out");
        assert_eq!(
            fallback.company.0.to_string(),
            "0193a000-0000-7000-8000-000000000001"
        );
        for (pairs, name) in [
            (
                vec![("ATENDE_OUTBOX_BACKOFF", "5,soon")],
                "ATENDE_OUTBOX_BACKOFF",
            ),
            (vec![("ATENDE_OUTBOX_BACKOFF", "")], "ATENDE_OUTBOX_BACKOFF"),
            (
                vec![("ATENDE_OUTBOX_MAX_ATTEMPTS", "0")],
                "ATENDE_OUTBOX_MAX_ATTEMPTS",
            ),
            (
                vec![("ATENDE_PUBLIC_URL", "atende.test")],
                "ATENDE_PUBLIC_URL",
            ),
            (
                vec![("N8N_OUTBOUND_URL", "https://n8n.test")],
                "N8N_OUTBOUND_SECRET",
            ),
            (
                vec![("N8N_OUTBOUND_SECRET", "0123456789abcdef")],
                "N8N_OUTBOUND_URL",
            ),
            (
                vec![
                    ("N8N_OUTBOUND_URL", "ftp://x"),
                    ("N8N_OUTBOUND_SECRET", "0123456789abcdef"),
                    (
                        "ATENDE_DEFAULT_COMPANY_ID",
                        "0193a000-0000-7000-8000-000000000001",
                    ),
                ],
                "N8N_OUTBOUND_URL",
            ),
            (
                vec![
                    ("N8N_OUTBOUND_URL", "https://n8n.test"),
                    ("N8N_OUTBOUND_SECRET", "0123456789abcdef"),
                ],
                "ATENDE_DEFAULT_COMPANY_ID",
            ),
        ] {
            let e = OutboxSettings::from_source(&Pairs(pairs.clone()), bind()).unwrap_err();
            assert_eq!(e.name, name, "{pairs:?}");
            assert!(!e.reason.contains("0123456789abcdef"));
        }
    }
}

#[cfg(test)]
mod egress_tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn production_allows_only_public_addresses_and_the_listed_blocks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let dev = egress_from_source(&[("X", "y")], Environment::Development).unwrap();
        assert!(dev.check(ip("127.0.0.1")).is_ok());
        let prod = egress_from_source(&[("X", "y")], Environment::Production).unwrap();
        assert!(prod.check(ip("127.0.0.1")).is_err());
        assert!(prod.check(ip("10.20.1.1")).is_err());
        let allowing = egress_from_source(
            &[("ATENDE_OUTBOUND_ALLOW_CIDRS", " 10.20.0.0/16, fd00::/8 ")],
            Environment::Production,
        )
        .unwrap();
        assert!(allowing.check(ip("10.20.1.1")).is_ok());
        assert!(allowing.check(ip("fd00::5")).is_ok());
        assert!(allowing.check(ip("10.21.1.1")).is_err());
        for bad in ["10.0.0.0/40", "n8n.internal", "10.0.0.0/8;rm"] {
            let e = egress_from_source(
                &[("ATENDE_OUTBOUND_ALLOW_CIDRS", bad)],
                Environment::Production,
            )
            .unwrap_err();
            assert_eq!(e.name, "ATENDE_OUTBOUND_ALLOW_CIDRS");
        }
    }
}
