//! Read models of the frontend and the clinic's settings.

use crate::ClientId;
use crate::CompanyId;
use crate::conversations::SortCursor;
use crate::reads::{
    ClinicSettings, HomeCounts, InboxFilter, InboxItem, ProfileActivity, SettingsPatch,
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

    /// A client's recent messages, threads, upcoming appointments and appointment stats, in one
    /// transaction.
    ///
    /// # Errors
    /// When the store fails.
    async fn profile_activity(
        &self,
        company: CompanyId,
        client: ClientId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<ProfileActivity>;
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
