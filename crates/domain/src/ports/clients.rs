//! Storage of clients and their identities, and the clinic setting that reads phone numbers.

use crate::ClientId;
use crate::auth::Tenant;
use crate::clients::{Client, ClientCursor, ClientFilter, ClientUpdate, NewClient};
use crate::page::Page;
use crate::phone::Region;
use async_trait::async_trait;

/// Why a client could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ClientWriteError {
    /// Another client of the clinic has this phone (or its WhatsApp identity).
    #[error("another client of the clinic has this phone number")]
    PhoneTaken {
        /// That client.
        existing: ClientId,
    },
    /// No such client in the clinic.
    #[error("client not found")]
    NotFound,
    /// The client changed since it was read.
    #[error("the client was changed concurrently")]
    Stale,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The clinic's clients, each with its identities.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client and its identities in one unit of work.
    ///
    /// # Errors
    /// [`ClientWriteError::PhoneTaken`] when the phone or an identity belongs to another client.
    async fn create(&self, tenant: Tenant, client: NewClient) -> Result<Client, ClientWriteError>;

    /// One client of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: ClientId) -> anyhow::Result<Option<Client>>;

    /// Replaces the client's fields if it is unchanged since `update.expected_updated_at`; when
    /// the phone changes, the WhatsApp identity of the previous phone is replaced by the new one.
    ///
    /// # Errors
    /// [`ClientWriteError::NotFound`], [`ClientWriteError::Stale`],
    /// [`ClientWriteError::PhoneTaken`].
    async fn update(
        &self,
        tenant: Tenant,
        id: ClientId,
        update: ClientUpdate,
    ) -> Result<Client, ClientWriteError>;

    /// A page of the clinic's clients matching `filter`, newest first, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        filter: ClientFilter,
        after: Option<ClientCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Client, ClientCursor>>;
}

/// The region national phone numbers are read in (the clinic's `settings.default_region`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PhoneRegion: Send + Sync {
    /// The clinic's default region ([`Region::BR`] when it has no settings row).
    ///
    /// # Errors
    /// When the store fails.
    async fn default_region(&self, tenant: Tenant) -> anyhow::Result<Region>;
}
