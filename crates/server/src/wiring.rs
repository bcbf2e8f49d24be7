//! The composition root: the only place adapters are chosen and plugged into ports.

use crate::config::{AuthProvider, AuthSettings, Config};
use crate::traffic::TrafficSettings;
use anyhow::Context;
use api_http::webhooks::limiter::WebhookLimits;
use api_http::{AppState, HttpSettings};
use app::crm::Crm;
use app::events::{EventStreams, StreamLimits};
use app::inbound::{Inbound, LegacyWebhook};
use app::integrations::Integrations;
use app::{AuthPolicy, Deps};
use chrono::{DateTime, Utc};
use domain::ports::clock::Clock;
use domain::ports::integrations::SecretCipher;
use infra_crypto::SecretBox;
use infra_crypto::adapters::{Argon2Passwords, RandomTokens};
use infra_crypto::password::PasswordHasher;
use infra_crypto::secret_cipher::{BoxCipher, NoKeyCipher};
use infra_crypto::verifier::HmacVerifier;
use infra_postgres::auth::{
    PgApiTokens, PgAttempts, PgCompanies, PgCredentialWatch, PgDirectory, PgIdentities, PgMembers,
    PgPasswordResets, PgSessions, WatchSettings,
};
use infra_postgres::availability::{PgAvailability, PgSchedules, PgTimeOff};
use infra_postgres::conversations::PgConversations;
use infra_postgres::crm::{PgAppointments, PgClients, PgPhoneRegion, PgServices};
use infra_postgres::events::{EventHub, HubSettings, PgEventLog};
use infra_postgres::health::PgHealthProbe;
use infra_postgres::inbound::PgInbound;
use infra_postgres::integrations::{PgIntegrationDirectory, PgIntegrations};
use infra_postgres::jobs::PgJobQueue;
use infra_postgres::payments::PgPayments;
use infra_postgres::reads::PgReads;
use infra_postgres::reports::PgReports;
use infra_postgres::{Database, PoolSettings};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

/// The pool for the server's `DATABASE_URL`, with the replica of `DATABASE_REPLICA_URL` when
/// one is set (used only by the reads that call `Database::replica_tx`).
///
/// # Errors
/// When the pool cannot be built.
pub fn database(config: &Config) -> anyhow::Result<Database> {
    let settings = PoolSettings {
        max_size: config.db_pool_size,
        statement_timeout: config.db_statement_timeout,
        prepared: config.db_prepared,
        ..PoolSettings::default()
    };
    let db = Database::connect(config.database_url.expose_secret(), &settings)
        .context("building the database pool")?;
    match &config.db_replica {
        None => Ok(db),
        Some(replica) => db
            .with_replica(
                replica.url.expose_secret(),
                &settings,
                infra_postgres::ReplicaSettings::new(replica.max_lag),
            )
            .context("building the replica's pool"),
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The use cases' ports over `db`, with the rules of `auth`.
#[must_use]
pub fn deps(db: &Database, auth: &AuthSettings) -> Deps {
    let policy = AuthPolicy {
        session_idle: chrono_duration(auth.session_idle),
        session_max: chrono_duration(auth.session_max),
        ..AuthPolicy::default()
    };
    let external: Option<Arc<dyn domain::ports::external_auth::ExternalAuthProvider>> =
        match &auth.provider {
            AuthProvider::Local => None,
            AuthProvider::Supabase(client) => Some(Arc::new(
                crate::supabase::SupabaseProvider::new(client.clone()),
            )),
        };
    Deps {
        clock: Arc::new(SystemClock),
        passwords: Arc::new(Argon2Passwords::with_limits(
            PasswordHasher::new(),
            auth.hash_limits,
        )),
        tokens: Arc::new(RandomTokens),
        identities: Arc::new(PgIdentities::new(db.clone())),
        sessions: Arc::new(PgSessions::new(db.clone())),
        attempts: Arc::new(PgAttempts::new(db.clone())),
        resets: Arc::new(PgPasswordResets::new(db.clone())),
        directory: Arc::new(PgDirectory::new(db.clone())),
        members: Arc::new(PgMembers::new(db.clone())),
        api_tokens: Arc::new(PgApiTokens::new(db.clone())),
        companies: Arc::new(PgCompanies::new(db.clone())),
        devices: None,
        external,
        policy,
        principals: Arc::new(app::auth::PrincipalCache::new(
            chrono_duration(auth.principal_cache_ttl),
            auth.principal_cache_size,
        )),
        credential_watch: Some(Arc::new(PgCredentialWatch::new(
            db.clone(),
            WatchSettings::default(),
        ))),
    }
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// An [`AppState`] with default settings and no master key (integrations can be neither created
/// nor resolved).
#[must_use]
pub fn app_state(db: &Database) -> AppState {
    app_state_with(db, &AuthSettings::default())
}

/// [`app_state`] with the given auth settings.
#[must_use]
pub fn app_state_with(db: &Database, auth: &AuthSettings) -> AppState {
    build_state(db, StateParts::defaults(db, auth, None))
}

/// What an [`AppState`] is made of besides the database: the settings and the parts a process
/// shares between its HTTP server and its worker. Each part is built once, in [`build_state`].
pub struct StateParts<'a> {
    /// Sign-in, cookies, origins, proxies.
    pub auth: &'a AuthSettings,
    /// The resolved master key(s) of integration secrets (`None`: integrations can be neither
    /// created nor resolved).
    pub keys: Option<SecretBox>,
    /// Webhook rate limits and the legacy secret.
    pub traffic: &'a TrafficSettings,
    /// How replies are queued.
    pub outbox: &'a crate::outbox::OutboxSettings,
    /// The process's metrics registry.
    pub metrics: api_http::metrics::Metrics,
    /// Who may read `GET /metrics`.
    pub metrics_access: api_http::metrics::MetricsAccess,
    /// The analyst's use cases when the process shares them with its worker (built from `keys`
    /// with default settings otherwise).
    pub snapshots: Option<app::snapshots::Snapshots>,
    /// The node's event streams when the process keeps their hub (built with default limits
    /// otherwise).
    pub events: Option<Arc<EventStreams>>,
}

impl<'a> StateParts<'a> {
    /// Default settings for `auth`, sealed with `keys`, with a registry of its own.
    #[must_use]
    pub fn defaults(db: &Database, auth: &'a AuthSettings, keys: Option<SecretBox>) -> Self {
        static TRAFFIC: std::sync::LazyLock<TrafficSettings> =
            std::sync::LazyLock::new(TrafficSettings::default);
        static OUTBOX: std::sync::LazyLock<crate::outbox::OutboxSettings> =
            std::sync::LazyLock::new(crate::outbox::OutboxSettings::default);
        Self {
            auth,
            keys,
            traffic: &TRAFFIC,
            outbox: &OUTBOX,
            metrics: crate::metrics::registry(db),
            // Not served until the configuration says how (see `MetricsSettings::access`).
            metrics_access: api_http::metrics::MetricsAccess::Off,
            snapshots: None,
            events: None,
        }
    }
}

/// The composition of an [`AppState`]: every use case and adapter built exactly once.
#[must_use]
pub fn build_state(db: &Database, parts: StateParts<'_>) -> AppState {
    let cipher: Arc<dyn SecretCipher> = match &parts.keys {
        Some(keys) => Arc::new(BoxCipher::new(keys.clone())),
        None => Arc::new(NoKeyCipher),
    };
    let snapshots = parts.snapshots.unwrap_or_else(|| {
        crate::snapshots::use_cases(
            db,
            cipher.clone(),
            &crate::snapshots::SnapshotSettings::default(),
            &parts.metrics,
        )
    });
    let events = parts
        .events
        .unwrap_or_else(|| event_streams(db, StreamLimits::default()).0);
    let traffic = parts.traffic;
    AppState {
        health: Arc::new(PgHealthProbe::new(db.clone(), Duration::from_secs(2))),
        deps: Deps {
            devices: parts.keys.as_ref().and_then(device_cookies),
            ..deps(db, parts.auth)
        },
        crm: crm(db),
        http: HttpSettings {
            cookie_secure: parts.auth.cookie_secure,
            allowed_origins: parts.auth.allowed_origins.clone(),
            trusted_proxies: parts.auth.trusted_proxies.clone(),
            forwarded_header: parts.auth.forwarded_header,
        },
        integrations: integrations(db, cipher.clone()),
        conversations: conversations(db),
        reads: reads(db),
        profiles: profiles(db),
        inbound: inbound(db, cipher, traffic.legacy.clone()),
        webhook_limits: Arc::new(webhook_limits(db, traffic)),
        outbox: outbox(db, parts.outbox),
        agenda: agenda(db),
        payments: payments(db),
        labels: app::labels::Labels::new(
            Arc::new(infra_postgres::labels::PgLabels::new(db.clone())),
            Arc::new(SystemClock),
        ),
        reports: app::reports::Reports::new(Arc::new(PgReports::new(db.clone()))),
        search: app::search::Search {
            messages: Arc::new(infra_postgres::search::PgMessageSearch::new(db.clone())),
        },
        snapshots,
        metrics_access: parts.metrics_access,
        metrics: parts.metrics,
        events,
        event_timing: api_http::events::StreamTiming::default(),
    }
}

/// Trusted-device cookies signed with a key derived from the master key (rotating the master key
/// retires them: the next sign-in of each browser takes the common lane once).
fn device_cookies(keys: &SecretBox) -> Option<Arc<dyn domain::ports::crypto::DeviceTrust>> {
    match keys.derive_key(b"atende/device-cookie/v1") {
        Ok(key) => Some(Arc::new(infra_crypto::device::DeviceCookies::new(key))),
        Err(e) => {
            tracing::warn!(error = %e, "no trusted-device cookies");
            None
        }
    }
}

/// The webhook rate limits of `traffic`: per node, then shared by every node through `db`
/// (unless `ATENDE_WEBHOOK_RATE_SHARED=off`).
#[must_use]
pub fn webhook_limits(db: &Database, traffic: &crate::traffic::TrafficSettings) -> WebhookLimits {
    let limits =
        WebhookLimits::new(traffic.per_account, traffic.per_ip).with_handshake(traffic.handshake);
    if traffic.shared {
        limits.shared_by_nodes(Arc::new(infra_postgres::rate_limits::PgRateLimiter::new(
            db.clone(),
        )))
    } else {
        limits
    }
}

/// The node's live event streams over the event log, and the hub feeding them (close it at
/// shutdown so every stream ends with a final event).
#[must_use]
pub fn event_streams(db: &Database, limits: StreamLimits) -> (Arc<EventStreams>, EventHub) {
    let hub = EventHub::new(db.clone(), HubSettings::default());
    let streams = EventStreams::new(
        Arc::new(PgEventLog::new(db.clone())),
        Arc::new(hub.clone()),
        limits,
    );
    (Arc::new(streams), hub)
}

/// The frontend's read use cases over `db`.
#[must_use]
pub fn reads(db: &Database) -> app::reads::Reads {
    let pg = Arc::new(PgReads::new(db.clone()));
    app::reads::Reads::new(pg.clone(), pg, Arc::new(SystemClock))
}

/// The client-profile use case over `db`.
#[must_use]
pub fn profiles(db: &Database) -> app::reads::Profiles {
    app::reads::Profiles::new(Arc::new(PgReads::new(db.clone())), Arc::new(SystemClock))
}

/// The conversation use cases over `db`.
#[must_use]
pub fn conversations(db: &Database) -> app::conversations::Conversations {
    app::conversations::Conversations::new(
        Arc::new(PgConversations::new(db.clone())),
        Arc::new(infra_postgres::notes::PgNotes::new(db.clone())),
        Arc::new(SystemClock),
    )
}

/// The inbound use cases over `db`, resolving integrations with `cipher`.
#[must_use]
pub fn inbound(
    db: &Database,
    cipher: Arc<dyn SecretCipher>,
    legacy: Option<LegacyWebhook>,
) -> Inbound {
    Inbound::new(
        Arc::new(PgIntegrationDirectory::new(db.clone(), cipher)),
        Arc::new(HmacVerifier),
        Arc::new(PgInbound::new(db.clone())),
        Arc::new(SystemClock),
        legacy,
    )
}

/// [`app_state_keyed`] with the traffic settings (legacy webhook secret, rate limits) of
/// `atende serve`.
#[must_use]
pub fn app_state_serving(
    db: &Database,
    auth: &AuthSettings,
    keys: SecretBox,
    traffic: &TrafficSettings,
) -> AppState {
    let mut parts = StateParts::defaults(db, auth, Some(keys));
    parts.traffic = traffic;
    build_state(db, parts)
}

/// [`app_state_with`] whose integration secrets are sealed and opened with `keys` (the resolved
/// master key(s): see [`crate::master_key`]; tests pass a fixed key).
#[must_use]
pub fn app_state_keyed(db: &Database, auth: &AuthSettings, keys: SecretBox) -> AppState {
    build_state(db, StateParts::defaults(db, auth, Some(keys)))
}

/// The ports of clients, services and appointments over `db`.
#[must_use]
pub fn crm(db: &Database) -> Crm {
    Crm {
        clients: Arc::new(PgClients::new(db.clone())),
        regions: Arc::new(PgPhoneRegion::new(db.clone())),
        services: Arc::new(PgServices::new(db.clone())),
        appointments: Arc::new(PgAppointments::new(db.clone())),
        clock: Arc::new(SystemClock),
    }
}

/// The availability, schedule and time-off ports over `db`.
#[must_use]
pub fn agenda(db: &Database) -> app::availability::Agenda {
    app::availability::Agenda {
        availability: Arc::new(PgAvailability::new(db.clone())),
        schedules: Arc::new(PgSchedules::new(db.clone())),
        time_off: Arc::new(PgTimeOff::new(db.clone())),
        clock: Arc::new(SystemClock),
    }
}

/// The payment ports over `db`.
#[must_use]
pub fn payments(db: &Database) -> app::payments::Payments {
    app::payments::Payments {
        payments: Arc::new(PgPayments::new(db.clone())),
        clock: Arc::new(SystemClock),
    }
}

/// The integration ports over `db`, sealing and opening secrets with `cipher`.
#[must_use]
pub fn integrations(db: &Database, cipher: Arc<dyn SecretCipher>) -> Integrations {
    Integrations::new(
        Arc::new(PgIntegrations::new(db.clone(), cipher.clone())),
        Arc::new(PgIntegrationDirectory::new(db.clone(), cipher)),
    )
}

/// The background worker over the job queue in `db`, with a per-process id and no handlers yet:
/// `snapshots::register` and [`with_outbound_dispatch`] add them.
#[must_use]
pub fn worker(db: &Database, jobs: &crate::traffic::JobSettings) -> crate::worker::Worker {
    let id = format!(
        "{}:{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "atende".to_owned()),
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    );
    let settings = crate::worker::WorkerSettings {
        lease_secs: jobs.lease_secs,
        capacities: jobs.capacities,
        ..Default::default()
    };
    crate::worker::Worker::new(id, Arc::new(PgJobQueue::new(db.clone())), settings)
}

/// The send and retry use cases over `db`; dispatch jobs get `settings.max_attempts` attempts.
#[must_use]
pub fn outbox(db: &Database, settings: &crate::outbox::OutboxSettings) -> app::outbound::Outbox {
    app::outbound::Outbox::new(
        Arc::new(infra_postgres::outbox::PgOutbox::new(db.clone())),
        Arc::new(SystemClock),
        settings.max_attempts,
    )
}

/// The `outbound_dispatch` job handler: signed calls to the clinic's n8n integration (opened
/// with `keys`) or, for the default clinic, the fallback relay, 10-second timeout, under
/// `settings.egress`.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn outbound_dispatch(
    db: &Database,
    keys: SecretBox,
    settings: &crate::outbox::OutboxSettings,
) -> anyhow::Result<app::outbound::OutboundDispatch> {
    let dispatcher =
        infra_n8n::N8nDispatcher::with_egress(infra_n8n::DEFAULT_TIMEOUT, settings.egress.clone())
            .context("building the n8n HTTP client")?;
    Ok(app::outbound::OutboundDispatch::new(
        Arc::new(infra_postgres::outbox::PgOutbox::new(db.clone())),
        Arc::new(PgInbound::new(db.clone())),
        Arc::new(PgIntegrationDirectory::new(
            db.clone(),
            Arc::new(BoxCipher::new(keys)),
        )),
        Arc::new(dispatcher),
        Arc::new(SystemClock),
        settings.dispatch(),
    ))
}

/// `worker` with the `outbound_dispatch` handler registered.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn with_outbound_dispatch(
    worker: crate::worker::Worker,
    db: &Database,
    keys: SecretBox,
    settings: &crate::outbox::OutboxSettings,
) -> anyhow::Result<crate::worker::Worker> {
    let handler = outbound_dispatch(db, keys, settings)?;
    Ok(worker.handle(domain::jobs::kinds::OUTBOUND_DISPATCH, Arc::new(handler)))
}
