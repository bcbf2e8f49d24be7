//! Typed settings, read once from the environment (and a `.env` file when present).
//!
//! A missing or malformed setting stops start-up with one line naming it (exit code 2).

use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;

/// `ATENDE_ENV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local development (default): pretty logs, non-`Secure` cookies.
    Development,
    /// Production: JSON logs, `Secure` cookies, refuses the demo seed without `--force`.
    Production,
}

/// `ATENDE_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Pretty,
}

/// A setting that is missing or malformed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    /// The environment variable.
    pub name: &'static str,
    /// What is wrong with it (never its value, which may be a secret).
    pub reason: String,
}

/// Settings needed by every subcommand.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL` (required): the server's connection.
    pub database_url: SecretString,
    /// `MIGRATION_DATABASE_URL`: the owner connection for `atende migrate` (default: `DATABASE_URL`).
    pub migration_database_url: SecretString,
    /// `ATENDE_BIND` (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// `ATENDE_ENV` (default `development`).
    pub env: Environment,
    /// `ATENDE_LOG_FORMAT` (default `json` in production, `pretty` otherwise).
    pub log_format: LogFormat,
    /// `RUST_LOG` (default `info`).
    pub log_filter: String,
    /// `ATENDE_DB_POOL_SIZE` (default 16).
    pub db_pool_size: usize,
    /// `ATENDE_DB_STATEMENT_TIMEOUT_SECS` (default 15).
    pub db_statement_timeout: Duration,
}

/// Reads a variable through `get` (the process environment in production, a map in tests).
pub trait Source {
    /// The value of `name`, if set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn parse<T: std::str::FromStr>(
    src: &dyn Source,
    name: &'static str,
    default: T,
    what: &str,
) -> Result<T, ConfigError> {
    match src.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError {
            name,
            reason: format!("must be {what}"),
        }),
    }
}

impl Config {
    /// Reads every setting from `src`.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let database_url = src.get("DATABASE_URL").ok_or(ConfigError {
            name: "DATABASE_URL",
            reason: "is required (e.g. postgres://postgres@127.0.0.1:5432/atende)".into(),
        })?;
        check_postgres_url("DATABASE_URL", &database_url)?;
        let migration_database_url = match src.get("MIGRATION_DATABASE_URL") {
            Some(url) => {
                check_postgres_url("MIGRATION_DATABASE_URL", &url)?;
                url
            }
            None => database_url.clone(),
        };
        let bind = parse(
            src,
            "ATENDE_BIND",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            "an address like 127.0.0.1:8080",
        )?;
        let env = match src.get("ATENDE_ENV").as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(_) => {
                return Err(ConfigError {
                    name: "ATENDE_ENV",
                    reason: "must be development or production".into(),
                });
            }
        };
        let log_format = match src.get("ATENDE_LOG_FORMAT").as_deref().map(str::trim) {
            None if env == Environment::Production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => {
                return Err(ConfigError {
                    name: "ATENDE_LOG_FORMAT",
                    reason: "must be json or pretty".into(),
                });
            }
        };
        let log_filter = src.get("RUST_LOG").unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|_| ConfigError {
            name: "RUST_LOG",
            reason: "is not a valid filter (e.g. info,atende=debug)".into(),
        })?;
        let db_pool_size: usize = parse(src, "ATENDE_DB_POOL_SIZE", 16, "a number from 2 to 1000")?;
        if !(2..=1000).contains(&db_pool_size) {
            return Err(ConfigError {
                name: "ATENDE_DB_POOL_SIZE",
                reason: "must be a number from 2 to 1000".into(),
            });
        }
        let timeout: u64 = parse(
            src,
            "ATENDE_DB_STATEMENT_TIMEOUT_SECS",
            15,
            "a number of seconds",
        )?;
        Ok(Self {
            database_url: SecretString::from(database_url),
            migration_database_url: SecretString::from(migration_database_url),
            bind,
            env,
            log_format,
            log_filter,
            db_pool_size,
            db_statement_timeout: Duration::from_secs(timeout),
        })
    }
}

fn check_postgres_url(name: &'static str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(())
    } else {
        Err(ConfigError {
            name,
            reason: "must be a postgres:// URL".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn defaults() {
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.env, Environment::Development);
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(
            c.migration_database_url.expose_secret(),
            "postgres://u@h/db"
        );
    }

    #[test]
    fn production_logs_json() {
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_ENV", "production"),
        ])
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn errors_name_the_setting_and_never_echo_its_value() {
        let e = Config::from_source(&[("ATENDE_BIND", "x")]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        let e = Config::from_source(&[("DATABASE_URL", "mysql://secret-pass@h")]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        assert!(!e.to_string().contains("secret-pass"));
        for (name, value) in [
            ("ATENDE_BIND", "nope"),
            ("ATENDE_ENV", "staging"),
            ("ATENDE_LOG_FORMAT", "xml"),
            ("ATENDE_DB_POOL_SIZE", "1"),
            ("RUST_LOG", "info,[bad"),
        ] {
            let e = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(e.name, name, "{e}");
        }
    }
}
