//! Inbound traffic: signed deliveries from the n8n relay and straight from Meta, normalised into
//! messages and delivery statuses and stored one transaction per message.
//!
//! The clinic is found from the delivery itself (the relay's `account_id`, Meta's
//! `phone_number_id` / Instagram account id) through the integration directory, and the
//! signature is checked with that integration's secret over the exact bytes received before
//! anything is stored. Several clinics may hold the same account id: a delivery belongs to the
//! one whose own secret verifies it (docs/integrations.md). Unknown, inactive and foreign
//! accounts all answer the same 401, and a delivery costs one directory lookup before it is
//! authenticated, whatever it names (docs/webhooks.md).

mod meta;
mod meta_instagram;
mod meta_whatsapp;
mod receive;
mod relay;
#[cfg(test)]
mod tests;
mod text;
mod unknown;

pub use meta::{AuthenticatedMeta, MAX_META_ACCOUNTS, MAX_META_ENTRIES, MAX_SECRETS_BEFORE_AUTH};
pub use receive::{AuthenticatedRelay, InboundError, MetaOutcome, RelayResult};
pub use unknown::{MAX_UNKNOWN_ROUTES, UNKNOWN_ROUTE_TTL_SECS};

use domain::CompanyId;
use domain::integrations::Provider;
use domain::ports::clock::Clock;
use domain::ports::inbound::{InboundStore, SignatureVerifier};
use domain::ports::integrations::IntegrationDirectory;
use std::sync::Arc;
use unknown::UnknownAccounts;

/// The pre-integration shared secret: used only when no integration matches a relay delivery.
#[derive(Clone)]
pub struct LegacyWebhook {
    /// `ATENDE_WEBHOOK_SECRET`.
    pub secret: String,
    /// `ATENDE_DEFAULT_COMPANY_ID`.
    pub company: CompanyId,
}

impl std::fmt::Debug for LegacyWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyWebhook")
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

/// A field of a delivery that is not acceptable (the one shape, in `domain`).
pub use domain::validation::FieldIssue;

/// The inbound use cases.
#[derive(Clone)]
pub struct Inbound {
    directory: Arc<dyn IntegrationDirectory>,
    verifier: Arc<dyn SignatureVerifier>,
    store: Arc<dyn InboundStore>,
    clock: Arc<dyn Clock>,
    legacy: Option<LegacyWebhook>,
    tolerance_secs: i64,
    unknown: Arc<UnknownAccounts>,
}

impl Inbound {
    /// Builds the use cases; `legacy` enables the environment-variable fallback.
    #[must_use]
    pub fn new(
        directory: Arc<dyn IntegrationDirectory>,
        verifier: Arc<dyn SignatureVerifier>,
        store: Arc<dyn InboundStore>,
        clock: Arc<dyn Clock>,
        legacy: Option<LegacyWebhook>,
    ) -> Self {
        Self {
            directory,
            verifier,
            store,
            clock,
            legacy,
            tolerance_secs: 300,
            unknown: Arc::new(UnknownAccounts::default()),
        }
    }

    /// Forgets that `account_id` routed nowhere (call it when an integration for it was created
    /// or activated, so its deliveries are not refused from memory on this node).
    pub fn forget_unknown_account(&self, provider: Provider, account_id: &str) {
        self.unknown.forget(provider, account_id);
    }
}
