//! The analyst agent's store and its model endpoints.

use crate::ports::analyzer::ContextAnalyzer;
use crate::snapshots::{
    ClinicClock, LockedOutcome, LockedWork, Snapshot, SnapshotCursor, SnapshotMaterial,
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

    /// Runs `work` while holding the patient's lock (one holder per clinic and patient, on any
    /// node), giving it the newest snapshot read under the lock, and stores what it decides in
    /// the same transaction. Concurrent callers for one patient run one after the other.
    ///
    /// # Errors
    /// When the store fails or the lock is not acquired in time.
    async fn run_locked(
        &self,
        company: CompanyId,
        client: ClientId,
        work: LockedWork,
    ) -> anyhow::Result<LockedOutcome>;

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
