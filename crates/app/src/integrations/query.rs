//! `GET /api/integrations` and `GET /api/integrations/{id}`.

use super::Integrations;
use domain::IntegrationId;
use domain::auth::Principal;
use domain::integration_admin::IntegrationRecord;
use domain::page::{Page, PageRequest};

/// Why the integrations could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListIntegrationsError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Why an integration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetIntegrationError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such integration in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Integrations {
    /// A page of the caller's clinic's integrations, in id order (never a secret).
    ///
    /// # Errors
    /// [`ListIntegrationsError`].
    pub async fn list(
        &self,
        caller: Principal,
        page: PageRequest,
    ) -> Result<Page<IntegrationRecord>, ListIntegrationsError> {
        if !caller.is_admin() {
            return Err(ListIntegrationsError::Forbidden);
        }
        Ok(self.repo.list(caller.tenant(), page).await?)
    }

    /// One integration of the caller's clinic; another clinic's id is not found.
    ///
    /// # Errors
    /// [`GetIntegrationError`].
    pub async fn get(
        &self,
        caller: Principal,
        id: IntegrationId,
    ) -> Result<IntegrationRecord, GetIntegrationError> {
        if !caller.is_admin() {
            return Err(GetIntegrationError::Forbidden);
        }
        self.repo
            .get(caller.tenant(), id)
            .await?
            .ok_or(GetIntegrationError::NotFound)
    }
}
