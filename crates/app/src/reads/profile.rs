//! `GET /api/clients/{id}/profile`.

use domain::ClientId;
use domain::auth::Tenant;
use domain::clients::Client;
use domain::ports::clients::ClientRepository;
use domain::ports::clock::Clock;
use domain::ports::reads::ReadModels;
use domain::ports::snapshots::SnapshotStore;
use domain::reads::ProfileActivity;
use domain::snapshots::Snapshot;
use std::sync::Arc;

/// A client's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The client with identities.
    pub client: Client,
    /// The newest AI context snapshot.
    pub latest_snapshot: Option<Snapshot>,
    /// Recent activity and stats.
    pub activity: ProfileActivity,
}

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
    clients: Arc<dyn ClientRepository>,
    snapshots: Arc<dyn SnapshotStore>,
    models: Arc<dyn ReadModels>,
    clock: Arc<dyn Clock>,
}

impl Profiles {
    /// Builds the use case over its ports.
    #[must_use]
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        snapshots: Arc<dyn SnapshotStore>,
        models: Arc<dyn ReadModels>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            clients,
            snapshots,
            models,
            clock,
        }
    }

    /// The client (with identities), the latest snapshot, the last 10 messages, the last 5
    /// threads, the next 5 appointments and the appointment stats.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`] for a client that is not this clinic's.
    pub async fn profile(&self, tenant: Tenant, id: ClientId) -> Result<Profile, ProfileError> {
        let client = self
            .clients
            .get(tenant, id)
            .await?
            .ok_or(ProfileError::NotFound)?;
        let latest_snapshot = self.snapshots.latest(tenant.company_id, id).await?;
        let activity = self
            .models
            .profile_activity(tenant.company_id, id, self.clock.now())
            .await?;
        Ok(Profile {
            client,
            latest_snapshot,
            activity,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::CompanyId;
    use domain::ports::clients::MockClientRepository;
    use domain::ports::clock::MockClock;
    use domain::ports::reads::MockReadModels;
    use domain::ports::snapshots::MockSnapshotStore;

    #[tokio::test]
    async fn another_clinics_client_reads_nothing_else() {
        let mut clients = MockClientRepository::new();
        clients.expect_get().returning(|_, _| Ok(None));
        let mut snapshots = MockSnapshotStore::new();
        snapshots.expect_latest().never();
        let mut models = MockReadModels::new();
        models.expect_profile_activity().never();
        let uc = Profiles::new(
            Arc::new(clients),
            Arc::new(snapshots),
            Arc::new(models),
            Arc::new(MockClock::new()),
        );
        let tenant = Tenant {
            company_id: CompanyId::new(),
            user_id: None,
        };
        assert!(matches!(
            uc.profile(tenant, ClientId::new()).await.unwrap_err(),
            ProfileError::NotFound
        ));
    }
}
