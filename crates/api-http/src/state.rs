//! Shared state handed to every handler as `web::Data<AppState>`.

use std::sync::Arc;

use domain::ports::health::HealthProbe;

/// HTTP-level security settings (cookies, CSRF, CORS, client addresses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpSettings {
    /// `Secure` session cookie named `__Host-atende_session` (production or
    /// `ATENDE_COOKIE_SECURE=true`); otherwise `atende_session` without `Secure`.
    pub cookie_secure: bool,
    /// Exact origins (`https://app.example.com`) trusted for CORS with credentials and for the
    /// CSRF check, besides the server's own.
    pub allowed_origins: Vec<String>,
    /// The proxies in front of Atende (`ATENDE_TRUSTED_PROXIES`): the client address is the
    /// right-most hop of `forwarded_header` that is not one of them (see
    /// [`crate::auth::client`]); empty: the socket's peer address.
    pub trusted_proxies: crate::auth::client::TrustedProxies,
    /// The header those proxies append to (`ATENDE_FORWARDED_HEADER`).
    pub forwarded_header: crate::auth::client::ForwardedHeader,
}

/// Ports the handlers need, built once by the composition root (`server`).
#[derive(Clone)]
pub struct AppState {
    /// Readiness probe behind `GET /readyz`.
    pub health: Arc<dyn HealthProbe>,
    /// The use cases' ports and rules.
    pub deps: app::Deps,
    /// The ports of clients, services and appointments.
    pub crm: app::crm::Crm,
    /// Cookie, CSRF and CORS settings.
    pub http: HttpSettings,
    /// Conversation threads and messages.
    pub conversations: app::conversations::Conversations,
    /// The frontend's read models and the clinic's settings.
    pub reads: app::reads::Reads,
    /// Client profiles.
    pub profiles: app::reads::Profiles,
    /// Inbound webhooks (relay and Meta) and delivery statuses.
    pub inbound: app::inbound::Inbound,
    /// Per-node rate limits of `/webhooks/*`.
    pub webhook_limits: Arc<crate::webhooks::limiter::WebhookLimits>,
    /// The Integrations API's use cases, and the directory traffic resolves integrations with.
    pub integrations: app::integrations::Integrations,
    /// Replies through the n8n relay (send, retry).
    pub outbox: app::outbound::Outbox,
    /// The analyst agent's context snapshots.
    pub snapshots: app::snapshots::Snapshots,
    /// Free slots, members' schedules and time off.
    pub agenda: app::availability::Agenda,
    /// Payments.
    pub payments: app::payments::Payments,
    /// Conversation labels.
    pub labels: app::labels::Labels,
    /// The clinic's numbers.
    pub reports: app::reports::Reports,
    /// Message search.
    pub search: app::search::Search,
    /// The process's metrics registry (shared with the worker and the analyzer decorator).
    pub metrics: crate::metrics::Metrics,
    /// Whether and how `GET /metrics` is served on this listener.
    pub metrics_access: crate::metrics::MetricsAccess,
    /// The live event streams of `GET /api/events` (one per node).
    pub events: Arc<app::events::EventStreams>,
    /// Heartbeat, credential re-check and retry advice of event streams.
    pub event_timing: crate::events::StreamTiming,
}
