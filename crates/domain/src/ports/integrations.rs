//! Integration lookups used by traffic (webhooks, outbound dispatch, the analyst), and the cipher
//! that keeps secrets encrypted at rest.

use crate::integrations::{Provider, ResolvedIntegration, RouteCandidate};
use crate::{CompanyId, IntegrationId};
use async_trait::async_trait;

/// A decrypted secret blob.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenedSecret {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// It was sealed under the previous master key: re-encrypt it.
    pub with_previous_key: bool,
}

impl std::fmt::Debug for OpenedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedSecret")
            .field("with_previous_key", &self.with_previous_key)
            .finish()
    }
}

/// Authenticated encryption of integration secrets under a per-clinic key; the company and
/// integration ids are bound as associated data.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecretCipher: Send + Sync {
    /// Encrypts `plaintext` for this clinic and integration.
    ///
    /// # Errors
    /// When no randomness is available.
    fn seal(
        &self,
        company: CompanyId,
        integration: IntegrationId,
        plaintext: Vec<u8>,
    ) -> anyhow::Result<Vec<u8>>;

    /// Decrypts a blob sealed for this clinic and integration (with the current or the previous
    /// master key).
    ///
    /// # Errors
    /// When the blob is not authentic for this clinic and integration, or no key opens it.
    fn open(
        &self,
        company: CompanyId,
        integration: IntegrationId,
        blob: Vec<u8>,
    ) -> anyhow::Result<OpenedSecret>;
}

/// Resolves integrations for traffic, across clinics where the clinic is not known yet.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IntegrationDirectory: Send + Sync {
    /// In ONE unit of work (this is what an unauthenticated delivery may cost): the active
    /// integrations of `provider` holding any of `account_ids` (at most
    /// [`MAX_ROUTE_ACCOUNTS`](crate::integrations::MAX_ROUTE_ACCOUNTS)), in any clinic,
    /// decrypted. Per account, in the order of `account_ids`: the verified ones (earliest proof
    /// first), then the pending ones (newest first), at most
    /// [`MAX_ROUTE_CANDIDATES`](crate::integrations::MAX_ROUTE_CANDIDATES). Changes nothing.
    ///
    /// # Errors
    /// When the store fails or the secrets cannot be decrypted.
    async fn routes(
        &self,
        provider: Provider,
        account_ids: Vec<String>,
    ) -> anyhow::Result<Vec<RouteCandidate>>;

    /// An authenticated delivery reached `candidate`: in one unit of work of its clinic, marks it
    /// verified (the first time) and re-seals its secrets under the current master key when they
    /// were under the previous one.
    ///
    /// # Errors
    /// When the store fails.
    async fn record_delivery(&self, candidate: RouteCandidate) -> anyhow::Result<()>;

    /// The active integration of `provider` whose Meta verify token is `token` (compared by
    /// SHA-256), if any.
    ///
    /// # Errors
    /// When the store fails.
    async fn by_verify_token(
        &self,
        provider: Provider,
        token: String,
    ) -> anyhow::Result<Option<(IntegrationId, CompanyId)>>;

    /// The clinic's active integration of `provider` (the oldest when there are several),
    /// decrypted: the n8n relay for outbound messages, the OpenAI key for the analyst.
    ///
    /// # Errors
    /// When the store fails or the secrets cannot be decrypted.
    async fn active_for_company(
        &self,
        company: CompanyId,
        provider: Provider,
    ) -> anyhow::Result<Option<ResolvedIntegration>>;
}
