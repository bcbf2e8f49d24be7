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
    /// `ATENDE_DB_PREPARED` (default `auto`): keep statements prepared per connection.
    pub db_prepared: infra_postgres::PreparedMode,
    /// `DATABASE_REPLICA_URL` and `ATENDE_DB_REPLICA_MAX_LAG_SECS`: the streaming replica of the
    /// reads that opt in (`Database::replica_tx`), when one is set.
    pub db_replica: Option<ReplicaConfig>,
    /// Sign-in, session, cookie, CSRF and CORS settings.
    pub auth: AuthSettings,
    /// `ATENDE_MASTER_KEY` and `ATENDE_MASTER_KEY_PREVIOUS`: the keys of integration secrets.
    pub master_keys: MasterKeySettings,
    /// The legacy webhook secret and the webhook rate limits.
    pub traffic: crate::traffic::TrafficSettings,
    /// The background worker.
    pub jobs: crate::traffic::JobSettings,
    /// The outbox: fallback relay, public URL, retry schedule.
    pub outbox: crate::outbox::OutboxSettings,
    /// The analyst agent (OpenAI endpoint, budget, window, daily time).
    pub snapshots: crate::snapshots::SnapshotSettings,
    /// `GET /metrics`: its bearer token and its separate listener.
    pub metrics: MetricsSettings,
    /// The live event stream: retention and caps.
    pub events: crate::events::EventSettings,
}

/// A streaming replica of the primary for heavy reads (`docs/operations.md`, "Read replica").
#[derive(Debug, Clone)]
pub struct ReplicaConfig {
    /// `DATABASE_REPLICA_URL`: the same database on a hot standby, with `ATENDE_DB_SSLMODE` as
    /// its default `sslmode`, as for `DATABASE_URL`.
    pub url: SecretString,
    /// `ATENDE_DB_REPLICA_MAX_LAG_SECS` (default 10, 1–3600): reads go to the primary while the
    /// replica may be further behind.
    pub max_lag: Duration,
}

impl ReplicaConfig {
    /// Reads the replica settings; `None` without `DATABASE_REPLICA_URL`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable (never echoing the URL).
    pub fn from_source(src: &dyn Source) -> Result<Option<Self>, ConfigError> {
        let secs: u64 = parse(
            src,
            "ATENDE_DB_REPLICA_MAX_LAG_SECS",
            10,
            "a number of seconds from 1 to 3600",
        )?;
        if !(1..=3600).contains(&secs) {
            return Err(ConfigError {
                name: "ATENDE_DB_REPLICA_MAX_LAG_SECS",
                reason: "must be a number of seconds from 1 to 3600".into(),
            });
        }
        let Some(url) = src.get("DATABASE_REPLICA_URL") else {
            return Ok(None);
        };
        check_postgres_url("DATABASE_REPLICA_URL", &url)?;
        let url = match src.get("ATENDE_DB_SSLMODE") {
            None => url,
            Some(mode) => {
                let mode = mode.trim().parse().map_err(|_| ConfigError {
                    name: "ATENDE_DB_SSLMODE",
                    reason: "must be disable, prefer, require, verify-ca or verify-full".into(),
                })?;
                infra_postgres::connect::with_default_sslmode(&url, mode)
            }
        };
        infra_postgres::connect::ConnectSpec::parse(&url).map_err(|e| ConfigError {
            name: "DATABASE_REPLICA_URL",
            reason: e.to_string(),
        })?;
        Ok(Some(Self {
            url: SecretString::from(url),
            max_lag: Duration::from_secs(secs),
        }))
    }
}

/// `ATENDE_METRICS_TOKEN` and `ATENDE_METRICS_BIND`: who may read `GET /metrics`, and where.
/// With neither, `/metrics` is not served (metrics are never public). See `docs/metrics.md`.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    /// `ATENDE_METRICS_TOKEN` (16–256 visible characters): required as
    /// `Authorization: Bearer <token>` wherever `/metrics` is served. A secret: never logged.
    pub token: Option<SecretString>,
    /// `ATENDE_METRICS_BIND` (e.g. `127.0.0.1:9464`): serve `/metrics` only on this separate
    /// listener (and not on `ATENDE_BIND`).
    pub bind: Option<SocketAddr>,
}

impl MetricsSettings {
    /// Reads the settings; `main` is `ATENDE_BIND`, which the metrics listener may not reuse.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable (never echoing the token).
    pub fn from_source(src: &dyn Source, main: SocketAddr) -> Result<Self, ConfigError> {
        let token = match src.get("ATENDE_METRICS_TOKEN") {
            None => None,
            Some(t) => {
                let n = t.chars().count();
                if !(16..=256).contains(&n) || !t.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(ConfigError {
                        name: "ATENDE_METRICS_TOKEN",
                        reason: "must be 16 to 256 visible ASCII characters (e.g. `openssl rand \
                                 -hex 32`)"
                            .into(),
                    });
                }
                Some(SecretString::from(t))
            }
        };
        let bind = match src.get("ATENDE_METRICS_BIND") {
            None => None,
            Some(raw) => {
                let addr: SocketAddr = raw.trim().parse().map_err(|_| ConfigError {
                    name: "ATENDE_METRICS_BIND",
                    reason: "must be an address like 127.0.0.1:9464".into(),
                })?;
                if addr == main {
                    return Err(ConfigError {
                        name: "ATENDE_METRICS_BIND",
                        reason: "must differ from ATENDE_BIND".into(),
                    });
                }
                Some(addr)
            }
        };
        Ok(Self { token, bind })
    }
}

/// The master keys integration secrets are sealed with (32 bytes each, standard base64).
///
/// Without `ATENDE_MASTER_KEY`, production refuses to serve (see [`MasterKeySettings::require`]),
/// and development uses a key generated once and kept outside the repository (see
/// [`crate::master_key`]).
#[derive(Debug, Clone, Default)]
pub struct MasterKeySettings {
    /// `ATENDE_MASTER_KEY`: seals new secrets and opens them.
    pub current: Option<infra_crypto::MasterKey>,
    /// `ATENDE_MASTER_KEY_PREVIOUS`: only opens (during a rotation; `atende keys rotate`).
    pub previous: Option<infra_crypto::MasterKey>,
}

impl MasterKeySettings {
    /// Reads the keys from `src` (values are never echoed in errors).
    ///
    /// # Errors
    /// A malformed key, or a previous key without a current one.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let key = |name: &'static str| {
            src.get(name)
                .map(|v| {
                    infra_crypto::MasterKey::from_base64(&v).map_err(|_| ConfigError {
                        name,
                        reason: "must be 32 bytes in standard base64 (e.g. `openssl rand -base64 32` or `atende keys generate`)".into(),
                    })
                })
                .transpose()
        };
        let current = key("ATENDE_MASTER_KEY")?;
        let previous = key("ATENDE_MASTER_KEY_PREVIOUS")?;
        if previous.is_some() && current.is_none() {
            return Err(ConfigError {
                name: "ATENDE_MASTER_KEY_PREVIOUS",
                reason: "is only used together with ATENDE_MASTER_KEY (the new key)".into(),
            });
        }
        Ok(Self { current, previous })
    }

    /// Production needs `ATENDE_MASTER_KEY`: integration secrets must never depend on a key
    /// generated on one machine.
    ///
    /// # Errors
    /// `ATENDE_MASTER_KEY` is missing and `env` is production.
    pub fn require(&self, env: Environment) -> Result<(), ConfigError> {
        if env == Environment::Production && self.current.is_none() {
            return Err(ConfigError {
                name: "ATENDE_MASTER_KEY",
                reason: "is required in production (32 bytes, standard base64; e.g. `openssl rand -base64 32`)".into(),
            });
        }
        Ok(())
    }
}

/// `ATENDE_AUTH_PROVIDER`: where passwords are checked.
#[derive(Debug, Clone, Default)]
pub enum AuthProvider {
    /// Atende's own accounts (argon2id in PostgreSQL). The default.
    #[default]
    Local,
    /// Supabase Auth (`SUPABASE_URL`, `SUPABASE_ANON_KEY`, optional `SUPABASE_JWT_SECRET`):
    /// passwords are checked by Supabase, Bearer Supabase access tokens are accepted, and our
    /// own session cookie is issued at sign-in. The client is built (no network) at start-up,
    /// so a bad setting stops start-up.
    Supabase(infra_supabase::SupabaseAuth),
}

/// Sign-in and session settings.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `ATENDE_SESSION_IDLE_HOURS` (default 12): a session unused this long ends.
    pub session_idle: Duration,
    /// `ATENDE_SESSION_MAX_DAYS` (default 7): a session ends this long after sign-in.
    pub session_max: Duration,
    /// `ATENDE_COOKIE_SECURE` (default `true` in production, else `false`): `Secure` cookie named
    /// `__Host-atende_session`.
    pub cookie_secure: bool,
    /// `ATENDE_ALLOWED_ORIGINS` (comma-separated, default none): exact origins trusted for CORS
    /// with credentials and for the CSRF check.
    pub allowed_origins: Vec<String>,
    /// `ATENDE_TRUSTED_PROXIES` (comma-separated CIDRs, default none): the proxies in front of
    /// Atende; the client address (the sign-in throttle's and webhook limiter's key) is the
    /// right-most hop of `ATENDE_FORWARDED_HEADER` not in these ranges. Replaces
    /// `ATENDE_TRUST_FORWARDED`, which start-up refuses when `true`.
    pub trusted_proxies: api_http::auth::client::TrustedProxies,
    /// `ATENDE_FORWARDED_HEADER` (`x-forwarded-for` or `forwarded`, default `x-forwarded-for`):
    /// the header those proxies append to.
    pub forwarded_header: api_http::auth::client::ForwardedHeader,
    /// `ATENDE_PASSWORD_HASH_CONCURRENCY` (default: the number of cores, 1–256) and
    /// `ATENDE_PASSWORD_HASH_QUEUE` (default 8 per slot, 0–10000): argon2 runs at a time (19 MiB
    /// each) and callers allowed to wait; beyond them sign-ins get 503 with `Retry-After`.
    pub hash_limits: infra_crypto::password::gate::GateLimits,
    /// `ATENDE_AUTH_PROVIDER` (default `local`).
    pub provider: AuthProvider,
    /// `ATENDE_PRINCIPAL_CACHE_TTL_SECS` (default 30, 0–300; 0 turns the cache off): how long a
    /// node keeps a resolved session or API token without reading the store again. Changes are
    /// heard at once through `LISTEN`; the TTL bounds staleness when a notification is missed.
    pub principal_cache_ttl: Duration,
    /// `ATENDE_PRINCIPAL_CACHE_SIZE` (default 10000, 0–1000000; 0 turns the cache off): the most
    /// credentials a node keeps resolved (the oldest goes first).
    pub principal_cache_size: usize,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(12 * 3600),
            session_max: Duration::from_secs(7 * 24 * 3600),
            cookie_secure: false,
            allowed_origins: Vec::new(),
            trusted_proxies: api_http::auth::client::TrustedProxies::default(),
            forwarded_header: api_http::auth::client::ForwardedHeader::default(),
            hash_limits: infra_crypto::password::gate::GateLimits::default(),
            provider: AuthProvider::Local,
            principal_cache_ttl: Duration::from_secs(30),
            principal_cache_size: 10_000,
        }
    }
}

impl AuthSettings {
    /// Reads the auth settings from `src` for the environment `env`.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn from_source(src: &dyn Source, env: Environment) -> Result<Self, ConfigError> {
        let idle_hours: u64 = parse(src, "ATENDE_SESSION_IDLE_HOURS", 12, "a number of hours")?;
        let max_days: u64 = parse(src, "ATENDE_SESSION_MAX_DAYS", 7, "a number of days")?;
        if !(1..=24 * 30).contains(&idle_hours) {
            return Err(ConfigError {
                name: "ATENDE_SESSION_IDLE_HOURS",
                reason: "must be from 1 to 720 hours".into(),
            });
        }
        if !(1..=90).contains(&max_days) {
            return Err(ConfigError {
                name: "ATENDE_SESSION_MAX_DAYS",
                reason: "must be from 1 to 90 days".into(),
            });
        }
        let cookie_secure =
            parse_bool(src, "ATENDE_COOKIE_SECURE", env == Environment::Production)?;
        if parse_bool(src, "ATENDE_TRUST_FORWARDED", false)? {
            return Err(ConfigError {
                name: "ATENDE_TRUST_FORWARDED",
                reason: "was replaced by ATENDE_TRUSTED_PROXIES (the proxies' CIDRs, e.g. \
                         10.0.0.0/8): trusting every sender's Forwarded header let clients choose \
                         their own address; remove it and list your proxies"
                    .into(),
            });
        }
        let trusted_proxies = match src.get("ATENDE_TRUSTED_PROXIES") {
            None => api_http::auth::client::TrustedProxies::default(),
            Some(list) => {
                api_http::auth::client::TrustedProxies::parse(&list).map_err(|_| ConfigError {
                    name: "ATENDE_TRUSTED_PROXIES",
                    reason: "must be comma-separated CIDRs like 10.0.0.0/8, 192.0.2.7/32".into(),
                })?
            }
        };
        let forwarded_header = match src.get("ATENDE_FORWARDED_HEADER") {
            None => api_http::auth::client::ForwardedHeader::default(),
            Some(v) => v.parse().map_err(|reason| ConfigError {
                name: "ATENDE_FORWARDED_HEADER",
                reason,
            })?,
        };
        let defaults = infra_crypto::password::gate::GateLimits::default();
        let concurrency: usize = parse(
            src,
            "ATENDE_PASSWORD_HASH_CONCURRENCY",
            defaults.concurrency,
            "a number from 1 to 256",
        )?;
        if !(1..=256).contains(&concurrency) {
            return Err(ConfigError {
                name: "ATENDE_PASSWORD_HASH_CONCURRENCY",
                reason: "must be a number from 1 to 256".into(),
            });
        }
        let queue: usize = parse(
            src,
            "ATENDE_PASSWORD_HASH_QUEUE",
            concurrency * 8,
            "a number from 0 to 10000",
        )?;
        if queue > 10_000 {
            return Err(ConfigError {
                name: "ATENDE_PASSWORD_HASH_QUEUE",
                reason: "must be a number from 0 to 10000".into(),
            });
        }
        let allowed_origins = match src.get("ATENDE_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| check_origin(o).map(|()| o.trim_end_matches('/').to_ascii_lowercase()))
                .collect::<Result<_, _>>()?,
        };
        let cache_ttl: u64 = parse(
            src,
            "ATENDE_PRINCIPAL_CACHE_TTL_SECS",
            30,
            "a number of seconds from 0 to 300",
        )?;
        if cache_ttl > 300 {
            return Err(ConfigError {
                name: "ATENDE_PRINCIPAL_CACHE_TTL_SECS",
                reason: "must be a number of seconds from 0 to 300".into(),
            });
        }
        let cache_size: usize = parse(
            src,
            "ATENDE_PRINCIPAL_CACHE_SIZE",
            10_000,
            "a number from 0 to 1000000",
        )?;
        if cache_size > 1_000_000 {
            return Err(ConfigError {
                name: "ATENDE_PRINCIPAL_CACHE_SIZE",
                reason: "must be a number from 0 to 1000000".into(),
            });
        }
        let provider = match src.get("ATENDE_AUTH_PROVIDER").as_deref().map(str::trim) {
            None | Some("local") => AuthProvider::Local,
            Some("supabase") => AuthProvider::Supabase(supabase(src)?),
            Some(_) => {
                return Err(ConfigError {
                    name: "ATENDE_AUTH_PROVIDER",
                    reason: "must be local or supabase".into(),
                });
            }
        };
        Ok(Self {
            session_idle: Duration::from_secs(idle_hours * 3600),
            session_max: Duration::from_secs(max_days * 24 * 3600),
            cookie_secure,
            allowed_origins,
            trusted_proxies,
            forwarded_header,
            hash_limits: infra_crypto::password::gate::GateLimits { concurrency, queue },
            provider,
            principal_cache_ttl: Duration::from_secs(cache_ttl),
            principal_cache_size: cache_size,
        })
    }
}

/// The Supabase Auth client from `SUPABASE_URL`, `SUPABASE_ANON_KEY` and the optional
/// `SUPABASE_JWT_SECRET` (legacy HS256 projects only).
fn supabase(src: &dyn Source) -> Result<infra_supabase::SupabaseAuth, ConfigError> {
    let url = src.get("SUPABASE_URL").ok_or(ConfigError {
        name: "SUPABASE_URL",
        reason: "is required with ATENDE_AUTH_PROVIDER=supabase".into(),
    })?;
    let anon_key = src.get("SUPABASE_ANON_KEY").ok_or(ConfigError {
        name: "SUPABASE_ANON_KEY",
        reason: "is required with ATENDE_AUTH_PROVIDER=supabase".into(),
    })?;
    let mut config = infra_supabase::SupabaseConfig::new(
        url.trim().to_owned(),
        SecretString::from(anon_key.trim().to_owned()),
    );
    if let Some(secret) = src.get("SUPABASE_JWT_SECRET") {
        config = config.with_jwt_secret(SecretString::from(secret));
    }
    infra_supabase::SupabaseAuth::new(config).map_err(|_| ConfigError {
        name: "SUPABASE_URL",
        reason: "must be the project URL, e.g. https://abc.supabase.co (and SUPABASE_ANON_KEY a \
                 valid key)"
            .into(),
    })
}

fn parse_bool(src: &dyn Source, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match src.get(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(_) => Err(ConfigError {
            name,
            reason: "must be true or false".into(),
        }),
    }
}

/// An exact origin: `http(s)://host[:port]`, no path, no wildcard.
fn check_origin(origin: &str) -> Result<(), ConfigError> {
    let bad = || ConfigError {
        name: "ATENDE_ALLOWED_ORIGINS",
        reason: "must be comma-separated origins like https://app.example.com (no paths, no *)"
            .into(),
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    let ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok { Ok(()) } else { Err(bad()) }
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
        let (database_url, migration_database_url) =
            database_tls(src, database_url, migration_database_url)?;
        let db_prepared = parse(
            src,
            "ATENDE_DB_PREPARED",
            infra_postgres::PreparedMode::Auto,
            "auto, on or off",
        )?;
        let db_replica = ReplicaConfig::from_source(src)?;
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
        let auth = AuthSettings::from_source(src, env)?;
        let master_keys = MasterKeySettings::from_source(src)?;
        let traffic = crate::traffic::TrafficSettings::from_source(src)?;
        let jobs = crate::traffic::JobSettings::from_source(src)?;
        let mut outbox = crate::outbox::OutboxSettings::from_source(src, bind)?;
        let mut snapshots = crate::snapshots::SnapshotSettings::from_source(src)?;
        // ATENDE_OUTBOUND_ALLOW_CIDRS: where n8n and OpenAI calls may connect.
        outbox.egress = crate::outbox::egress_from_source(src, env)?;
        snapshots.egress = outbox.egress.clone();
        let metrics = MetricsSettings::from_source(src, bind)?;
        let events = crate::events::EventSettings::from_source(src)?;
        Ok(Self {
            database_url: SecretString::from(database_url),
            migration_database_url: SecretString::from(migration_database_url),
            bind,
            env,
            log_format,
            log_filter,
            db_pool_size,
            db_statement_timeout: Duration::from_secs(timeout),
            db_prepared,
            db_replica,
            auth,
            master_keys,
            traffic,
            jobs,
            outbox,
            snapshots,
            metrics,
            events,
        })
    }
}

/// `ATENDE_DB_SSLMODE` becomes the `sslmode` of both URLs that name none; then both must be
/// usable (`sslmode`, `sslrootcert`, … valid; the error never echoes the URL).
fn database_tls(
    src: &dyn Source,
    database_url: String,
    migration_database_url: String,
) -> Result<(String, String), ConfigError> {
    use infra_postgres::connect::{ConnectSpec, SslMode, with_default_sslmode};
    let mode: Option<SslMode> = match src.get("ATENDE_DB_SSLMODE") {
        None => None,
        Some(v) => Some(v.trim().parse().map_err(|_| ConfigError {
            name: "ATENDE_DB_SSLMODE",
            reason: "must be disable, prefer, require, verify-ca or verify-full".into(),
        })?),
    };
    let apply = |url: String| match mode {
        Some(m) => with_default_sslmode(&url, m),
        None => url,
    };
    let (app, owner) = (apply(database_url), apply(migration_database_url));
    for (name, url) in [("DATABASE_URL", &app), ("MIGRATION_DATABASE_URL", &owner)] {
        ConnectSpec::parse(url).map_err(|e| ConfigError {
            name,
            reason: e.to_string(),
        })?;
    }
    Ok((app, owner))
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
    fn auth_defaults_and_production_cookies() {
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(!c.auth.cookie_secure);
        assert_eq!(c.auth.session_idle, Duration::from_secs(12 * 3600));
        assert_eq!(c.auth.session_max, Duration::from_secs(7 * 86400));
        assert_eq!(c.auth.principal_cache_ttl, Duration::from_secs(30));
        assert_eq!(c.auth.principal_cache_size, 10_000);
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_ENV", "production"),
            (
                "ATENDE_ALLOWED_ORIGINS",
                "https://App.clinic.test/, http://localhost:5173",
            ),
            ("ATENDE_SESSION_IDLE_HOURS", "2"),
        ])
        .unwrap();
        assert!(c.auth.cookie_secure);
        assert_eq!(
            c.auth.allowed_origins,
            ["https://app.clinic.test", "http://localhost:5173"]
        );
        assert_eq!(c.auth.session_idle, Duration::from_secs(7200));
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_COOKIE_SECURE", "true"),
        ])
        .unwrap();
        assert!(c.auth.cookie_secure);
    }

    #[test]
    fn the_principal_cache_is_bounded_and_can_be_turned_off() {
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_PRINCIPAL_CACHE_TTL_SECS", "0"),
            ("ATENDE_PRINCIPAL_CACHE_SIZE", "500"),
        ])
        .unwrap();
        assert_eq!(c.auth.principal_cache_ttl, Duration::ZERO);
        assert_eq!(c.auth.principal_cache_size, 500);
        for (name, value) in [
            ("ATENDE_PRINCIPAL_CACHE_TTL_SECS", "301"),
            ("ATENDE_PRINCIPAL_CACHE_TTL_SECS", "-1"),
            ("ATENDE_PRINCIPAL_CACHE_SIZE", "1000001"),
        ] {
            let err = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(err.name, name);
        }
    }

    #[test]
    fn trusted_proxies_replace_trust_forwarded_and_hashing_is_bounded() {
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(c.auth.trusted_proxies.is_empty());
        assert!(c.auth.hash_limits.concurrency >= 1);
        assert_eq!(c.auth.hash_limits.queue, c.auth.hash_limits.concurrency * 8);
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7"),
            ("ATENDE_FORWARDED_HEADER", "Forwarded"),
            ("ATENDE_TRUST_FORWARDED", "false"),
            ("ATENDE_PASSWORD_HASH_CONCURRENCY", "3"),
        ])
        .unwrap();
        assert!(!c.auth.trusted_proxies.is_empty());
        assert_eq!(
            c.auth.forwarded_header,
            api_http::auth::client::ForwardedHeader::Forwarded
        );
        assert_eq!(
            (c.auth.hash_limits.concurrency, c.auth.hash_limits.queue),
            (3, 24)
        );
        // The old switch trusted the client's own claim: refused, with what replaces it.
        let e = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_TRUST_FORWARDED", "true"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "ATENDE_TRUST_FORWARDED");
        assert!(e.reason.contains("ATENDE_TRUSTED_PROXIES"), "{e}");
    }

    #[test]
    fn supabase_mode_needs_its_settings() {
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_AUTH_PROVIDER", "supabase"),
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_ANON_KEY", "anon"),
        ])
        .unwrap();
        assert!(matches!(c.auth.provider, AuthProvider::Supabase(_)));
        let e = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_AUTH_PROVIDER", "supabase"),
            ("SUPABASE_URL", "https://abc.supabase.co"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "SUPABASE_ANON_KEY");
        let e = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_AUTH_PROVIDER", "supabase"),
            ("SUPABASE_URL", "not a url"),
            ("SUPABASE_ANON_KEY", "anon"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "SUPABASE_URL");
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
    fn metrics_are_off_by_default_and_read_their_token_and_bind() {
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(c.metrics.token.is_none());
        assert!(c.metrics.bind.is_none());
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_METRICS_TOKEN", "scrape-token-0123456789"),
            ("ATENDE_METRICS_BIND", "127.0.0.1:9464"),
        ])
        .unwrap();
        assert_eq!(
            c.metrics.token.as_ref().map(|t| t.expose_secret()),
            Some("scrape-token-0123456789")
        );
        assert_eq!(
            c.metrics.bind,
            Some(SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
        assert!(
            !format!("{c:?}").contains("scrape-token-0123456789"),
            "the token is never printed"
        );
        for (name, value) in [
            ("ATENDE_METRICS_TOKEN", "short-token"),
            ("ATENDE_METRICS_TOKEN", "a token with spaces inside"),
            ("ATENDE_METRICS_BIND", "localhost"),
            ("ATENDE_METRICS_BIND", "127.0.0.1:8080"),
        ] {
            let e = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(e.name, name, "{e}");
            assert!(!e.reason.contains(value), "{e}");
        }
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
            ("ATENDE_SESSION_IDLE_HOURS", "0"),
            ("ATENDE_SESSION_MAX_DAYS", "x"),
            ("ATENDE_COOKIE_SECURE", "maybe"),
            ("ATENDE_ALLOWED_ORIGINS", "*"),
            ("ATENDE_ALLOWED_ORIGINS", "https://a.test/path"),
            ("ATENDE_AUTH_PROVIDER", "ldap"),
            ("ATENDE_TRUST_FORWARDED", "true"),
            ("ATENDE_TRUSTED_PROXIES", "10.0.0.0/8, secret-host"),
            ("ATENDE_FORWARDED_HEADER", "x-real-ip"),
            ("ATENDE_PASSWORD_HASH_CONCURRENCY", "0"),
            ("ATENDE_PASSWORD_HASH_QUEUE", "100000"),
        ] {
            let e = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(e.name, name, "{e}");
        }
    }

    #[test]
    fn the_replica_url_and_its_lag_bound_are_read_and_checked() {
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(c.db_replica.is_none(), "no replica unless one is set");
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DATABASE_REPLICA_URL", "postgres://u:pw@replica/db"),
            ("ATENDE_DB_SSLMODE", "verify-full"),
        ])
        .unwrap();
        let replica = c.db_replica.unwrap();
        assert_eq!(
            replica.url.expose_secret(),
            "postgres://u:pw@replica/db?sslmode=verify-full",
            "the same sslmode rule as DATABASE_URL"
        );
        assert_eq!(replica.max_lag, Duration::from_secs(10));
        assert!(!format!("{replica:?}").contains("pw@"), "{replica:?}");
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            (
                "DATABASE_REPLICA_URL",
                "postgres://u@replica/db?sslmode=disable",
            ),
            ("ATENDE_DB_SSLMODE", "require"),
            ("ATENDE_DB_REPLICA_MAX_LAG_SECS", "30"),
        ])
        .unwrap();
        let replica = c.db_replica.unwrap();
        assert_eq!(
            replica.url.expose_secret(),
            "postgres://u@replica/db?sslmode=disable",
            "the URL's own sslmode wins"
        );
        assert_eq!(replica.max_lag, Duration::from_secs(30));
        for (name, value) in [
            ("ATENDE_DB_REPLICA_MAX_LAG_SECS", "0"),
            ("ATENDE_DB_REPLICA_MAX_LAG_SECS", "3601"),
            ("ATENDE_DB_REPLICA_MAX_LAG_SECS", "ten"),
            ("DATABASE_REPLICA_URL", "mysql://secret-pass@h/db"),
            (
                "DATABASE_REPLICA_URL",
                "postgres://u:secret-pass@h/db?sslmode=verify-everything",
            ),
        ] {
            let e = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(e.name, name, "{e}");
            assert!(!e.to_string().contains("secret-pass"), "{e}");
        }
    }

    #[test]
    fn the_database_sslmode_and_prepared_settings_are_read_and_checked() {
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db?application_name=a"),
            (
                "MIGRATION_DATABASE_URL",
                "postgres://o@h/db?sslmode=disable",
            ),
            ("ATENDE_DB_SSLMODE", "verify-full"),
            ("ATENDE_DB_PREPARED", "off"),
        ])
        .unwrap();
        assert_eq!(
            c.database_url.expose_secret(),
            "postgres://u@h/db?application_name=a&sslmode=verify-full"
        );
        assert_eq!(
            c.migration_database_url.expose_secret(),
            "postgres://o@h/db?sslmode=disable",
            "the URL's own sslmode wins"
        );
        assert_eq!(c.db_prepared, infra_postgres::PreparedMode::Off);
        let c = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(c.db_prepared, infra_postgres::PreparedMode::Auto);
        assert_eq!(c.database_url.expose_secret(), "postgres://u@h/db");
        for (name, value) in [
            ("ATENDE_DB_SSLMODE", "allow"),
            ("ATENDE_DB_PREPARED", "sometimes"),
        ] {
            let e = Config::from_source(&[("DATABASE_URL", "postgres://u@h/db"), (name, value)])
                .unwrap_err();
            assert_eq!(e.name, name, "{e}");
        }
        let e = Config::from_source(&[(
            "DATABASE_URL",
            "postgres://u:secret-pass@h/db?sslmode=verify-everything",
        )])
        .unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        assert!(e.to_string().contains("sslmode"), "{e}");
        assert!(!e.to_string().contains("secret-pass"), "{e}");
    }
}
