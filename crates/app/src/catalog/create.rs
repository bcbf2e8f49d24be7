//! Adding a service to the catalogue.

use crate::crm::FieldIssue;
use domain::ServiceId;
use domain::auth::Tenant;
use domain::catalog::{Currency, Service, ServiceFields};
use domain::ports::catalog::{ServiceRepository, ServiceWriteError};
use std::sync::Arc;

/// What the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateServiceInput {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Price in cents.
    pub price_cents: i64,
    /// ISO currency (default `BRL`).
    pub currency: Option<String>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Bookable (default `true`).
    pub active: Option<bool>,
}

/// Why a service was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateServiceError {
    /// Invalid fields.
    #[error("invalid service")]
    Invalid(Vec<FieldIssue>),
    /// The clinic already has a service with this name.
    #[error("a service with this name already exists")]
    NameTaken {
        /// That service, when known.
        existing: Option<ServiceId>,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates a service.
pub struct CreateService {
    services: Arc<dyn ServiceRepository>,
}

impl CreateService {
    /// The use case over its port.
    #[must_use]
    pub fn new(services: Arc<dyn ServiceRepository>) -> Self {
        Self { services }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`CreateServiceError::Invalid`], [`CreateServiceError::NameTaken`].
    pub async fn run(
        &self,
        tenant: Tenant,
        input: CreateServiceInput,
    ) -> Result<Service, CreateServiceError> {
        let mut issues = Vec::new();
        let currency = input
            .currency
            .as_deref()
            .map_or(Currency::BRL, |c| super::currency(c, &mut issues));
        let fields = ServiceFields {
            name: super::name(&input.name),
            description: super::description(input.description),
            price_cents: input.price_cents,
            currency,
            duration_minutes: input.duration_minutes,
            active: input.active.unwrap_or(true),
        };
        issues.extend(super::check(&fields));
        if !issues.is_empty() {
            return Err(CreateServiceError::Invalid(issues));
        }
        self.services
            .create(tenant, ServiceId::new(), fields)
            .await
            .map_err(|e| match e {
                ServiceWriteError::NameTaken { existing } => {
                    CreateServiceError::NameTaken { existing }
                }
                other => CreateServiceError::Unknown(anyhow::Error::new(other)),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::tenant;
    use domain::ports::catalog::MockServiceRepository;

    fn input() -> CreateServiceInput {
        CreateServiceInput {
            name: " Limpeza ".into(),
            description: None,
            price_cents: 15_000,
            currency: None,
            duration_minutes: 30,
            active: None,
        }
    }

    #[tokio::test]
    async fn defaults_are_brl_and_active() {
        let mut repo = MockServiceRepository::new();
        repo.expect_create()
            .withf(|_, _, f| f.name == "Limpeza" && f.currency == Currency::BRL && f.active)
            .times(1)
            .returning(|_, id, fields| {
                let mut s = super::super::testing::stored_service("x");
                s.id = id;
                s.fields = fields;
                Ok(s)
            });
        let s = CreateService::new(Arc::new(repo))
            .run(tenant(), input())
            .await
            .unwrap();
        assert_eq!(s.fields.name, "Limpeza");
    }

    #[tokio::test]
    async fn out_of_range_values_are_named() {
        let mut repo = MockServiceRepository::new();
        repo.expect_create().never();
        let bad = CreateServiceInput {
            name: "  ".into(),
            price_cents: -1,
            currency: Some("real".into()),
            duration_minutes: 4,
            ..input()
        };
        let err = CreateService::new(Arc::new(repo))
            .run(tenant(), bad)
            .await
            .unwrap_err();
        let CreateServiceError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        let named: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            named,
            ["currency", "name", "price_cents", "duration_minutes"]
        );
    }

    #[tokio::test]
    async fn a_duplicate_name_is_a_conflict() {
        let existing = ServiceId::new();
        let mut repo = MockServiceRepository::new();
        repo.expect_create().returning(move |_, _, _| {
            Err(ServiceWriteError::NameTaken {
                existing: Some(existing),
            })
        });
        let err = CreateService::new(Arc::new(repo))
            .run(tenant(), input())
            .await
            .unwrap_err();
        assert!(
            matches!(err, CreateServiceError::NameTaken { existing: Some(e) } if e == existing)
        );
    }
}
