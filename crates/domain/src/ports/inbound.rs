//! Storage of inbound traffic and delivery statuses, and webhook signature checks.

use crate::inbound::{InboundMessage, Ingested, StatusApplied, StatusReport};
use crate::{Channel, CompanyId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Stores what channels deliver. Each call is one transaction of the clinic.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InboundStore: Send + Sync {
    /// In one transaction: finds the client by the channel identity, else by phone (ninth-digit
    /// aware), else creates a `lead` with its identity; finds the active thread or opens one by the
    /// reopen rule; stores the message once per `(clinic, channel, provider id)`; updates the
    /// thread's unread count and timestamps. Concurrent deliveries of one sender are serialised.
    ///
    /// `now` is the use case's clock: when the thread is touched and the reopen rule applies.
    ///
    /// # Errors
    /// When the store fails.
    async fn ingest(
        &self,
        company: CompanyId,
        message: InboundMessage,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Ingested>;

    /// The patient unsent a message: sets `deleted_at` and removes its text. Returns whether the
    /// message was found.
    ///
    /// # Errors
    /// When the store fails.
    async fn mark_unsent(
        &self,
        company: CompanyId,
        channel: Channel,
        provider_message_id: String,
        at: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Applies a delivery status to an outbound message: statuses only move forward
    /// (`queued < sent < delivered < read`; `failed` only from queued or sent); each status keeps
    /// its own timestamp; a `read` without `delivered` sets both.
    ///
    /// # Errors
    /// When the store fails.
    async fn apply_status(
        &self,
        company: CompanyId,
        report: StatusReport,
    ) -> anyhow::Result<StatusApplied>;
}

/// Why a webhook signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureFailure {
    /// No signature header.
    #[error("missing signature")]
    Missing,
    /// The header is not in the expected format.
    #[error("malformed signature")]
    Malformed,
    /// A valid signature, too far from now (replay protection).
    #[error("stale signature")]
    Stale,
    /// No secret produces this signature.
    #[error("invalid signature")]
    Invalid,
}

/// Constant-time webhook signature checks over the exact bytes received.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SignatureVerifier: Send + Sync {
    /// Atende's scheme: `X-Atende-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
    /// at most `tolerance_secs` away from `now_unix`; any of `secrets` may have signed it.
    ///
    /// # Errors
    /// [`SignatureFailure`].
    fn verify_atende(
        &self,
        secrets: Vec<String>,
        header: Option<String>,
        body: &[u8],
        now_unix: i64,
        tolerance_secs: i64,
    ) -> Result<(), SignatureFailure>;

    /// Meta's scheme: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`.
    ///
    /// # Errors
    /// [`SignatureFailure`].
    fn verify_meta(
        &self,
        app_secret: String,
        header: Option<String>,
        body: &[u8],
    ) -> Result<(), SignatureFailure>;
}
