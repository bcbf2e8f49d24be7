//! Changing some fields of a service.

use crate::crm::FieldIssue;
use domain::ServiceId;
use domain::auth::Tenant;
use domain::catalog::Service;
use domain::ports::catalog::{ServiceRepository, ServiceWriteError};
use std::sync::Arc;

/// A partial change: `None` keeps a field, `Some(None)` clears the description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServicePatch {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<Option<String>>,
    /// Price in cents.
    pub price_cents: Option<i64>,
    /// ISO currency.
    pub currency: Option<String>,
    /// Length in minutes.
    pub duration_minutes: Option<i32>,
    /// Bookable.
    pub active: Option<bool>,
}

/// Why a service was not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateServiceError {
    /// No such service in the caller's clinic.
    #[error("service not found")]
    NotFound,
    /// Invalid fields.
    #[error("invalid service")]
    Invalid(Vec<FieldIssue>),
    /// Another service of the clinic has this name.
    #[error("a service with this name already exists")]
    NameTaken {
        /// That service, when known.
        existing: Option<ServiceId>,
    },
    /// Changed by someone else meanwhile.
    #[error("the service was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies a [`ServicePatch`].
pub struct UpdateService {
    services: Arc<dyn ServiceRepository>,
}

impl UpdateService {
    /// The use case over its port.
    #[must_use]
    pub fn new(services: Arc<dyn ServiceRepository>) -> Self {
        Self { services }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`UpdateServiceError::NotFound`], [`UpdateServiceError::Invalid`],
    /// [`UpdateServiceError::NameTaken`], [`UpdateServiceError::Conflict`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: ServiceId,
        patch: ServicePatch,
    ) -> Result<Service, UpdateServiceError> {
        let current = self
            .services
            .get(tenant, id)
            .await?
            .ok_or(UpdateServiceError::NotFound)?;
        let mut issues = Vec::new();
        let mut next = current.fields.clone();
        if let Some(name) = patch.name {
            next.name = super::name(&name);
        }
        if let Some(description) = patch.description {
            next.description = super::description(description);
        }
        if let Some(price) = patch.price_cents {
            next.price_cents = price;
        }
        if let Some(currency) = patch.currency {
            next.currency = super::currency(&currency, &mut issues);
        }
        if let Some(minutes) = patch.duration_minutes {
            next.duration_minutes = minutes;
        }
        if let Some(active) = patch.active {
            next.active = active;
        }
        issues.extend(super::check(&next));
        if !issues.is_empty() {
            return Err(UpdateServiceError::Invalid(issues));
        }
        if next == current.fields {
            return Ok(current);
        }
        self.services
            .update(tenant, id, next, current.updated_at)
            .await
            .map_err(|e| match e {
                ServiceWriteError::NameTaken { existing } => {
                    UpdateServiceError::NameTaken { existing }
                }
                ServiceWriteError::NotFound => UpdateServiceError::NotFound,
                ServiceWriteError::Stale => UpdateServiceError::Conflict,
                ServiceWriteError::Other(e) => UpdateServiceError::Unknown(e),
            })
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
    async fn only_the_patched_fields_change() {
        let current = stored_service("Limpeza");
        let (id, seen) = (current.id, current.updated_at);
        let mut repo = MockServiceRepository::new();
        let c = current.clone();
        repo.expect_get().returning(move |_, _| Ok(Some(c.clone())));
        repo.expect_update()
            .withf(move |_, i, f, at| {
                *i == id
                    && *at == seen
                    && f.name == "Limpeza"
                    && !f.active
                    && f.price_cents == 15_000
            })
            .times(1)
            .returning(move |_, _, f, _| {
                let mut s = current.clone();
                s.fields = f;
                Ok(s)
            });
        let patch = ServicePatch {
            active: Some(false),
            ..ServicePatch::default()
        };
        let s = UpdateService::new(Arc::new(repo))
            .run(tenant(), id, patch)
            .await
            .unwrap();
        assert!(!s.fields.active);
    }

    #[tokio::test]
    async fn an_invalid_duration_changes_nothing() {
        let current = stored_service("Limpeza");
        let id = current.id;
        let mut repo = MockServiceRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo.expect_update().never();
        let patch = ServicePatch {
            duration_minutes: Some(1441),
            ..ServicePatch::default()
        };
        let err = UpdateService::new(Arc::new(repo))
            .run(tenant(), id, patch)
            .await
            .unwrap_err();
        assert!(matches!(&err, UpdateServiceError::Invalid(i) if i[0].field == "duration_minutes"));
    }
}
