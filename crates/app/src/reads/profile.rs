//! `GET /api/clients/{id}/profile`.

use domain::ClientId;
use domain::auth::Tenant;
use domain::ports::clock::Clock;
use domain::ports::reads::ReadModels;
use std::sync::Arc;

/// A client's profile (the client with identities, the newest snapshot, recent activity).
pub use domain::reads::ClientProfile as Profile;

/// Why a profile could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No such client in this clinic.
    #[error("client not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The profile use case.
#[derive(Clone)]
pub struct Profiles {
    models: Arc<dyn ReadModels>,
    clock: Arc<dyn Clock>,
}

impl Profiles {
    /// Builds the use case over its ports.
    #[must_use]
    pub fn new(models: Arc<dyn ReadModels>, clock: Arc<dyn Clock>) -> Self {
        Self { models, clock }
    }

    /// The client (with identities), the latest snapshot, the last 10 messages, the last 5
    /// threads, the next 5 appointments, the appointment stats and balances, read in one unit of
    /// work.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`] for a client that is not this clinic's.
    pub async fn profile(&self, tenant: Tenant, id: ClientId) -> Result<Profile, ProfileError> {
        self.models
            .profile(tenant, id, self.clock.now())
            .await?
            .ok_or(ProfileError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::CompanyId;
    use domain::ports::clock::MockClock;
    use domain::ports::reads::MockReadModels;

    #[tokio::test]
    async fn another_clinics_client_is_not_found() {
        let mut models = MockReadModels::new();
        models.expect_profile().returning(|_, _, _| Ok(None));
        let mut clock = MockClock::new();
        clock.expect_now().returning(chrono::Utc::now);
        let uc = Profiles::new(Arc::new(models), Arc::new(clock));
        let tenant = Tenant {
            company_id: CompanyId::new(),
            user_id: None,
        };
        assert!(matches!(
            uc.profile(tenant, ClientId::new()).await.unwrap_err(),
            ProfileError::NotFound
        ));
    }

    #[tokio::test]
    async fn the_profile_is_read_for_the_callers_clinic_at_the_clocks_now() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let tenant = Tenant {
            company_id: CompanyId::new(),
            user_id: None,
        };
        let id = ClientId::new();
        let mut models = MockReadModels::new();
        models
            .expect_profile()
            .withf(move |t, c, now| *t == tenant && *c == id && *now == at)
            .times(1)
            .returning(|_, _, _| Err(anyhow::anyhow!("store down")));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at);
        let uc = Profiles::new(Arc::new(models), Arc::new(clock));
        assert!(matches!(
            uc.profile(tenant, id).await.unwrap_err(),
            ProfileError::Unknown(_)
        ));
    }
}
