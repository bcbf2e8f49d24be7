//! The n8n outbound adapter: implements [`OutboundDispatcher`] by POSTing a signed JSON body to
//! the clinic's n8n webhook.
//!
//! # Wire contract
//!
//! `POST <target.url>` with
//!
//! ```text
//! Content-Type: application/json
//! X-Atende-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//! Idempotency-Key: <interaction_id>
//! User-Agent: atende/<version>
//!
//! {"interaction_id","company_id","conversation_id","channel","account_id",
//!  "to":{"external_id","phone"?,"username"?},"message":{"type":"text","text"},"callback_url"}
//! ```
//!
//! The body is serialised once and those exact bytes are signed and sent. `account_id` is
//! `null` when unknown; `phone` and `username` are omitted when unknown.
//!
//! # Outcomes
//!
//! - 2xx → `Sent`, with `message_id` from a JSON answer (an object, or the first element of an
//!   array) when present; an empty or non-JSON answer is still `Sent`.
//! - 408, 429, 5xx, timeouts, connection errors → `Retryable` (`Retry-After` seconds honoured).
//! - Other 4xx → `Rejected`, with up to 200 characters of n8n's `message`/`error` on one line.
//! - 3xx → `Rejected`: redirects are never followed (a redirect means a misconfigured URL).
//! - A request that cannot be built (invalid URL) → `Rejected` with status 0.
//! - A target the egress policy refuses (a loopback, private, link-local, CGNAT or metadata
//!   address, by literal or by what the name resolves to when connecting) → `Rejected` with
//!   status 0; nothing is sent. See [`infra_egress`].
//!
//! Nothing secret is logged: one INFO line per dispatch with the interaction id, HTTP status,
//! outcome and latency.

mod classify;
mod wire;

use async_trait::async_trait;
use domain::egress::EgressPolicy;
use domain::ports::dispatcher::{
    DispatchResult, DispatchTarget, OutboundDispatcher, OutboundMessage,
};
use reqwest::header::CONTENT_TYPE;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The default timeout of one dispatch (connect, send and read the answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `User-Agent` of every call: `atende/<crate version>`.
pub const USER_AGENT: &str = concat!("atende/", env!("CARGO_PKG_VERSION"));

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Atende-Signature";

/// The idempotency header's name (its value is the interaction id).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Sends outbound messages to n8n over HTTP(S). Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct N8nDispatcher {
    http: reqwest::Client,
    timeout: Duration,
    egress: EgressPolicy,
}

impl N8nDispatcher {
    /// A dispatcher under the strict (production) egress policy whose calls time out after
    /// `timeout` ([`DEFAULT_TIMEOUT`] in production) and never follow redirects.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (the TLS backend failed to initialise).
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        Self::with_egress(timeout, EgressPolicy::default())
    }

    /// [`N8nDispatcher::new`] under `egress` (the configured policy; development allows the
    /// loopback and private addresses of local relays).
    ///
    /// # Errors
    /// When the HTTP client cannot be built (the TLS backend failed to initialise).
    pub fn with_egress(timeout: Duration, egress: EgressPolicy) -> Result<Self, reqwest::Error> {
        let http = infra_egress::client_builder(&egress)
            .timeout(timeout)
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Self {
            http,
            timeout,
            egress,
        })
    }

    /// The configured timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// One attempt; also returns the HTTP status for the log (0 without an answer).
    async fn send(
        &self,
        target: &DispatchTarget,
        message: &OutboundMessage,
    ) -> (DispatchResult, u16) {
        if let Err(refused) = infra_egress::check_url(&self.egress, &target.url) {
            let error = refused.to_string();
            return (DispatchResult::Rejected { status: 0, error }, 0);
        }
        let Ok(body) = wire::encode(message) else {
            let error = "could not encode the request".to_owned();
            return (DispatchResult::Rejected { status: 0, error }, 0);
        };
        let signature = infra_crypto::webhook::sign(target.secret.as_bytes(), now_unix(), &body);
        let sent = self
            .http
            .post(target.url.as_str())
            .header(CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(IDEMPOTENCY_HEADER, message.interaction_id.to_string())
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                (classify::response(response).await, status)
            }
            Err(err) => (classify::transport_error(&err, self.timeout), 0),
        }
    }
}

#[async_trait]
impl OutboundDispatcher for N8nDispatcher {
    async fn dispatch(&self, target: DispatchTarget, message: OutboundMessage) -> DispatchResult {
        let started = Instant::now();
        let (result, status) = self.send(&target, &message).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (outcome, error) = match &result {
            DispatchResult::Sent { .. } => ("sent", ""),
            DispatchResult::Rejected { error, .. } => ("rejected", error.as_str()),
            DispatchResult::Retryable { error, .. } => ("retryable", error.as_str()),
        };
        tracing::info!(
            interaction_id = %message.interaction_id,
            company_id = %message.company_id,
            status,
            outcome,
            error,
            latency_ms,
            "n8n dispatch finished"
        );
        result
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
