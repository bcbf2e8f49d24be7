//! Storage of the clinic's services.

use crate::ServiceId;
use crate::auth::Tenant;
use crate::catalog::{Service, ServiceCursor, ServiceFields, ServiceFilter};
use crate::page::Page;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a service could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ServiceWriteError {
    /// The clinic has another service with this name (ignoring case and accents).
    #[error("the clinic already has a service with this name")]
    NameTaken {
        /// That service, when it could be found.
        existing: Option<ServiceId>,
    },
    /// No such service in the clinic.
    #[error("service not found")]
    NotFound,
    /// The service changed since it was read.
    #[error("the service was changed concurrently")]
    Stale,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The clinic's services.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ServiceRepository: Send + Sync {
    /// Stores a new service.
    ///
    /// # Errors
    /// [`ServiceWriteError::NameTaken`].
    async fn create(
        &self,
        tenant: Tenant,
        id: ServiceId,
        fields: ServiceFields,
    ) -> Result<Service, ServiceWriteError>;

    /// One service of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: ServiceId) -> anyhow::Result<Option<Service>>;

    /// Replaces the service's fields if it is unchanged since `expected_updated_at`.
    ///
    /// # Errors
    /// [`ServiceWriteError::NotFound`], [`ServiceWriteError::Stale`],
    /// [`ServiceWriteError::NameTaken`].
    async fn update(
        &self,
        tenant: Tenant,
        id: ServiceId,
        fields: ServiceFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Service, ServiceWriteError>;

    /// A page of the clinic's services matching `filter`, by name, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        filter: ServiceFilter,
        after: Option<ServiceCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Service, ServiceCursor>>;
}
