//! The analyst agent's store and its model endpoints.

use crate::ports::analyzer::ContextAnalyzer;
use crate::snapshots::{
    ClinicClock, NewSnapshot, Reservation, ReservationRules, Snapshot, SnapshotCursor,
    SnapshotMaterial, SnapshotRunId, Stored,
};
use crate::{ClientId, CompanyId, ConversationId, SnapshotId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Snapshots (append-only) and what they are made of.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// The patient's facts, the clinic's locale and the last `window` messages (oldest first);
    /// None when the clinic has no such client.
    ///
    /// # Errors
    /// When the store fails.
    async fn material(
        &self,
        company: CompanyId,
        client: ClientId,
        window: u32,
    ) -> anyhow::Result<Option<SnapshotMaterial>>;

    /// Whether `conversation` is a thread of `client` in `company`.
    ///
    /// # Errors
    /// When the store fails.
    async fn conversation_of(
        &self,
        company: CompanyId,
        client: ClientId,
        conversation: ConversationId,
    ) -> anyhow::Result<bool>;

    /// The patient's newest snapshot.
    ///
    /// # Errors
    /// When the store fails.
    async fn latest(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<Snapshot>>;

    /// In one short transaction, serialised per clinic (on any node): checks `rules` against
    /// the patient's newest snapshot, the patient's running analysis and the clinic's running
    /// and quota-counted analyses (see [`crate::snapshots::decide`]), and when they allow it
    /// stores the reservation `run` (`server_key`: the analysis uses the server's key and counts
    /// against the quota). Expired reservations are given up first.
    ///
    /// # Errors
    /// When the store fails.
    async fn reserve(
        &self,
        company: CompanyId,
        client: ClientId,
        run: SnapshotRunId,
        server_key: bool,
        rules: ReservationRules,
    ) -> anyhow::Result<Reservation>;

    /// In one short transaction, serialised per patient: stores `snapshot` made under the
    /// reservation `run` and closes the reservation, unless another snapshot of the patient was
    /// made within `min_interval` of `now` meanwhile (then that one is returned and nothing is
    /// stored).
    ///
    /// # Errors
    /// When the store fails.
    async fn complete(
        &self,
        company: CompanyId,
        run: SnapshotRunId,
        snapshot: NewSnapshot,
        now: DateTime<Utc>,
        min_interval: chrono::Duration,
    ) -> anyhow::Result<Stored>;

    /// Closes the reservation `run` without a snapshot (the analyzer failed).
    ///
    /// # Errors
    /// When the store fails.
    async fn release(&self, company: CompanyId, run: SnapshotRunId) -> anyhow::Result<()>;

    /// Waits, holding no connection between short looks, until the reservation `run` is no
    /// longer running (stored, released or expired) or `max_wait` passed; true when it ended.
    ///
    /// # Errors
    /// When the store fails.
    async fn wait_for(
        &self,
        company: CompanyId,
        run: SnapshotRunId,
        max_wait: std::time::Duration,
    ) -> anyhow::Result<bool>;

    /// One snapshot of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, company: CompanyId, id: SnapshotId) -> anyhow::Result<Option<Snapshot>>;

    /// The patient's snapshots, newest first, after `after`, at most `limit + 1` of them (the
    /// extra one says there is more); None when the clinic has no such client.
    ///
    /// # Errors
    /// When the store fails.
    async fn history(
        &self,
        company: CompanyId,
        client: ClientId,
        after: Option<SnapshotCursor>,
        limit: u32,
    ) -> anyhow::Result<Option<Vec<Snapshot>>>;

    /// Patients of the clinic with an inbound message at or after `since`.
    ///
    /// # Errors
    /// When the store fails.
    async fn clients_with_inbound_since(
        &self,
        company: CompanyId,
        since: DateTime<Utc>,
    ) -> anyhow::Result<Vec<ClientId>>;

    /// Every clinic's local date and time at the instant `now` (clinics whose time zone is
    /// unknown are left out). `now` comes from the caller's clock, never the database's, so
    /// tests can pin it.
    ///
    /// # Errors
    /// When the store fails.
    async fn clinic_clocks(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<ClinicClock>>;
}

/// OpenAI-compatible model analyzers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ModelAnalyzers: Send + Sync {
    /// Whether a server-wide key (`OPENAI_API_KEY`) is configured.
    fn has_default_key(&self) -> bool;

    /// The analyzer for a clinic's endpoint (`base_url` and `model` of its `openai` integration;
    /// None for either means the server's default).
    ///
    /// # Errors
    /// When the endpoint is not a usable URL or the model is empty.
    fn endpoint(
        &self,
        base_url: Option<String>,
        model: Option<String>,
    ) -> anyhow::Result<Arc<dyn ContextAnalyzer>>;
}
