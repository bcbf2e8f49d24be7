//! The Integrations API (admin only): a clinic's channel accounts and their secrets. Secrets go
//! in and are never returned; `(provider, account_id)` routes to exactly one clinic.

mod create;
mod query;
mod update;
pub mod validate;

#[cfg(test)]
mod tests;

pub use create::{CreateIntegration, CreateIntegrationError};
pub use query::{GetIntegrationError, ListIntegrationsError};
pub use update::UpdateIntegrationError;

use domain::ports::integration_store::IntegrationRepository;
use domain::ports::integrations::IntegrationDirectory;
use std::sync::Arc;

/// The ports behind integrations, built once by the composition root.
#[derive(Clone)]
pub struct Integrations {
    /// The clinic's integrations (admin CRUD), sealing secrets at rest.
    pub repo: Arc<dyn IntegrationRepository>,
    /// Lookups for traffic (webhook routing, Meta's handshake, outbound dispatch), decrypted.
    pub directory: Arc<dyn IntegrationDirectory>,
}

impl Integrations {
    /// The use cases over these ports.
    #[must_use]
    pub fn new(
        repo: Arc<dyn IntegrationRepository>,
        directory: Arc<dyn IntegrationDirectory>,
    ) -> Self {
        Self { repo, directory }
    }
}
