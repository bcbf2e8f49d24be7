//! Fetching one service and listing the catalogue.

use domain::ServiceId;
use domain::auth::Tenant;
use domain::catalog::{Service, ServiceCursor, ServiceFilter};
use domain::page::{MAX_LIMIT, Page};
use domain::ports::catalog::ServiceRepository;
use std::sync::Arc;

/// Why a service could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GetServiceError {
    /// No such service in the caller's clinic.
    #[error("service not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One service.
pub struct GetService {
    services: Arc<dyn ServiceRepository>,
}

impl GetService {
    /// The use case over its port.
    #[must_use]
    pub fn new(services: Arc<dyn ServiceRepository>) -> Self {
        Self { services }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetServiceError::NotFound`].
    pub async fn run(&self, tenant: Tenant, id: ServiceId) -> Result<Service, GetServiceError> {
        self.services
            .get(tenant, id)
            .await?
            .ok_or(GetServiceError::NotFound)
    }
}

/// Why the list failed.
#[derive(Debug, thiserror::Error)]
pub enum ListServicesError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Lists services by name.
pub struct ListServices {
    services: Arc<dyn ServiceRepository>,
}

impl ListServices {
    /// The use case over its port.
    #[must_use]
    pub fn new(services: Arc<dyn ServiceRepository>) -> Self {
        Self { services }
    }

    /// Runs it (`limit` clamped to 1..=200).
    ///
    /// # Errors
    /// [`ListServicesError::Unknown`] when the store fails.
    pub async fn run(
        &self,
        tenant: Tenant,
        filter: ServiceFilter,
        after: Option<ServiceCursor>,
        limit: u32,
    ) -> Result<Page<Service, ServiceCursor>, ListServicesError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        Ok(self.services.list(tenant, filter, after, limit).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::catalog::testing::stored_service;
    use crate::clients::testing::tenant;
    use domain::ports::catalog::MockServiceRepository;

    #[tokio::test]
    async fn the_filter_and_a_clamped_limit_reach_the_store() {
        let mut repo = MockServiceRepository::new();
        repo.expect_list()
            .withf(|_, f, after, limit| f.active == Some(false) && after.is_none() && *limit == 1)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(Page {
                    data: vec![stored_service("Limpeza")],
                    next: None,
                })
            });
        let filter = ServiceFilter {
            active: Some(false),
        };
        let page = ListServices::new(Arc::new(repo))
            .run(tenant(), filter, None, 0)
            .await
            .unwrap();
        assert_eq!(page.data.len(), 1);
    }

    #[tokio::test]
    async fn another_clinics_service_is_not_found() {
        let mut repo = MockServiceRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        let err = GetService::new(Arc::new(repo))
            .run(tenant(), ServiceId::new())
            .await
            .unwrap_err();
        assert!(matches!(err, GetServiceError::NotFound));
    }
}
