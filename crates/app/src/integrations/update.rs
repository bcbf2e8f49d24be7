//! `PATCH /api/integrations/{id}`.

use super::{Integrations, validate};
use crate::crm::FieldIssue;
use domain::IntegrationId;
use domain::auth::Principal;
use domain::integration_admin::{IntegrationPatch, IntegrationRecord};

/// Why an integration could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateIntegrationError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such integration in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// Some fields are invalid; nothing was changed.
    #[error("invalid change")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Integrations {
    /// Changes an integration's configuration (replaced whole, checked against its provider),
    /// secrets (given ones rotate, removed ones go, the rest stay) or status.
    ///
    /// # Errors
    /// [`UpdateIntegrationError`].
    pub async fn update(
        &self,
        caller: Principal,
        id: IntegrationId,
        patch: IntegrationPatch,
    ) -> Result<IntegrationRecord, UpdateIntegrationError> {
        if !caller.is_admin() {
            return Err(UpdateIntegrationError::Forbidden);
        }
        let tenant = caller.tenant();
        let mut issues = Vec::new();
        validate::secrets_patch(&patch.secrets, &mut issues);
        if let Some(config) = &patch.config {
            // The provider is immutable, so reading it outside the update's transaction is safe.
            let current = self
                .repo
                .get(tenant, id)
                .await?
                .ok_or(UpdateIntegrationError::NotFound)?;
            validate::config(current.provider, config, &mut issues);
        }
        if !issues.is_empty() {
            return Err(UpdateIntegrationError::Invalid(issues));
        }
        self.repo
            .update(tenant, id, patch)
            .await?
            .ok_or(UpdateIntegrationError::NotFound)
    }
}
