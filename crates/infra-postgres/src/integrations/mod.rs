//! Channel integrations in PostgreSQL, with their secrets sealed by a
//! [`SecretCipher`](domain::ports::integrations::SecretCipher):
//!
//! - [`PgIntegrations`]: the admin API's [`IntegrationRepository`](domain::ports::integration_store::IntegrationRepository)
//!   (tenant units of work only);
//! - [`PgIntegrationDirectory`]: the [`IntegrationDirectory`](domain::ports::integrations::IntegrationDirectory)
//!   used by traffic (webhook routing and Meta's handshake through the SECURITY DEFINER doors,
//!   a clinic's active integration through a tenant unit of work);
//! - [`reencrypt_all`]: `atende keys rotate`.
//!
//! Storage: `secrets` is ONE sealed JSON object of
//! [`IntegrationSecrets`](domain::integrations::IntegrationSecrets) (`NULL` when none is set),
//! `secret_names` the names of those set, `verify_token_hash` the SHA-256 of Meta's verify token.

mod directory;
mod repo;
mod rotate;
mod rows;
mod sealing;

pub use directory::PgIntegrationDirectory;
pub use repo::PgIntegrations;
pub use rotate::{RotationReport, reencrypt_all};
pub use sealing::verify_token_hash;
