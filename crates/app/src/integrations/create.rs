//! `POST /api/integrations`.

use super::{Integrations, validate};
use crate::crm::FieldIssue;
use domain::IntegrationId;
use domain::auth::Principal;
use domain::integration_admin::{IntegrationRecord, NewIntegration};
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider};
use domain::ports::integration_store::StoreIntegrationError;

/// A new integration, as the admin sent it.
#[derive(Debug, Clone)]
pub struct CreateIntegration {
    /// What it connects to (immutable afterwards).
    pub provider: Provider,
    /// The WhatsApp `phone_number_id`, the Instagram account id, or a name (n8n, openai).
    pub account_id: String,
    /// Non-secret configuration (a JSON object).
    pub config: serde_json::Value,
    /// Its secrets (`Debug` redacted).
    pub secrets: IntegrationSecrets,
}

/// Why an integration could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateIntegrationError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// Some fields are invalid.
    #[error("invalid integration")]
    Invalid(Vec<FieldIssue>),
    /// `(provider, account_id)` exists already, in this clinic or another (never said which).
    #[error("integration exists")]
    AccountTaken,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Integrations {
    /// Creates an active integration in the caller's clinic, its secrets sealed at rest.
    ///
    /// # Errors
    /// [`CreateIntegrationError`].
    pub async fn create(
        &self,
        caller: Principal,
        cmd: CreateIntegration,
    ) -> Result<IntegrationRecord, CreateIntegrationError> {
        if !caller.is_admin() {
            return Err(CreateIntegrationError::Forbidden);
        }
        let mut issues = Vec::new();
        validate::account_id(&cmd.account_id, &mut issues);
        validate::config(cmd.provider, &cmd.config, &mut issues);
        validate::secrets(&cmd.secrets, &mut issues);
        if !issues.is_empty() {
            return Err(CreateIntegrationError::Invalid(issues));
        }
        let new = NewIntegration {
            id: IntegrationId::new(),
            provider: cmd.provider,
            account_id: cmd.account_id,
            config: cmd.config,
            secrets: cmd.secrets,
            status: IntegrationStatus::Active,
        };
        match self.repo.create(caller.tenant(), new).await {
            Ok(record) => Ok(record),
            Err(StoreIntegrationError::AccountTaken) => Err(CreateIntegrationError::AccountTaken),
            Err(StoreIntegrationError::Other(e)) => Err(e.into()),
        }
    }
}
