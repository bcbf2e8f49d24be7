//! Read models of the frontend and the clinic's settings.

use crate::ClientId;
use crate::CompanyId;
use crate::auth::Tenant;
use crate::conversations::SortCursor;
use crate::reads::{
    ClientProfile, ClinicSettings, HomeCounts, InboxFilter, InboxItem, SettingsPatch,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Fast reads for the Home and inbox screens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReadModels: Send + Sync {
    /// The Home counts, "today" being the local day of `now` in the clinic's timezone; one round
    /// trip to the database.
    ///
    /// # Errors
    /// When the store fails.
    async fn home(&self, company: CompanyId, now: DateTime<Utc>) -> anyhow::Result<HomeCounts>;

    /// Active conversations, most recent message first, `limit + 1` rows from after `after`, in
    /// one query.
    ///
    /// # Errors
    /// When the store fails.
    async fn inbox(
        &self,
        company: CompanyId,
        filter: InboxFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Vec<InboxItem>>;

    /// A client's profile — the client with identities, the latest snapshot, recent messages,
    /// threads, upcoming appointments (from `now`), appointment stats and balances — in one
    /// transaction (one unit of work per read); `None` when the client is not this clinic's
    /// (nothing else is read).
    ///
    /// # Errors
    /// When the store fails.
    async fn profile(
        &self,
        tenant: Tenant,
        client: ClientId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<ClientProfile>>;
}

/// The clinic's settings row.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SettingsRepository: Send + Sync {
    /// The settings.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, company: CompanyId) -> anyhow::Result<ClinicSettings>;

    /// Applies a validated patch and returns the result.
    ///
    /// # Errors
    /// When the store fails.
    async fn update(
        &self,
        company: CompanyId,
        patch: SettingsPatch,
    ) -> anyhow::Result<ClinicSettings>;

    /// Whether `tz` is an IANA timezone the database knows.
    ///
    /// # Errors
    /// When the store fails.
    async fn timezone_exists(&self, tz: String) -> anyhow::Result<bool>;
}
