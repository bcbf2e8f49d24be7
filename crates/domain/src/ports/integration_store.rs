//! Tenant-scoped storage of a clinic's integrations, for the admin API. Secrets are sealed with
//! the [`SecretCipher`](super::integrations::SecretCipher) before they reach the store.

use crate::IntegrationId;
use crate::auth::Tenant;
use crate::integration_admin::{IntegrationPatch, IntegrationRecord, NewIntegration};
use crate::page::{Page, PageRequest};
use async_trait::async_trait;

/// Why an integration could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreIntegrationError {
    /// This clinic already has an integration with this `(provider, account_id)` (another
    /// clinic's never counts: account ids are unique per clinic).
    #[error("this clinic already has an integration with this provider and account id")]
    AccountTaken,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A clinic's integrations.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IntegrationRepository: Send + Sync {
    /// Stores a new integration with its secrets encrypted, the names of the secrets set, and the
    /// SHA-256 of its verify token.
    ///
    /// # Errors
    /// [`StoreIntegrationError::AccountTaken`] when the clinic already has `(provider,
    /// account_id)`; whether another clinic has it is never looked at.
    async fn create(
        &self,
        tenant: Tenant,
        new: NewIntegration,
    ) -> Result<IntegrationRecord, StoreIntegrationError>;

    /// A page of the clinic's integrations, in id order.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> anyhow::Result<Page<IntegrationRecord>>;

    /// One integration of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(
        &self,
        tenant: Tenant,
        id: IntegrationId,
    ) -> anyhow::Result<Option<IntegrationRecord>>;

    /// Applies `patch` in one transaction (the row is locked, its secrets opened, changed and
    /// sealed again); `None` when the clinic has no such integration.
    ///
    /// # Errors
    /// When the store fails or the stored secrets cannot be decrypted.
    async fn update(
        &self,
        tenant: Tenant,
        id: IntegrationId,
        patch: IntegrationPatch,
    ) -> anyhow::Result<Option<IntegrationRecord>>;
}
