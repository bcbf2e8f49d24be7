//! Readiness of the process's dependencies.

use async_trait::async_trait;

/// What a readiness probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// The database answers and every migration is applied.
    Ready,
    /// The database answers but `pending` migrations are not applied yet.
    PendingMigrations { pending: usize },
    /// The database did not answer (in time).
    DatabaseUnavailable,
}

/// Checks whether this node can serve traffic (used by `GET /readyz`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// Probes the database and the migration state. Never fails: failures are a [`Readiness`].
    async fn readiness(&self) -> Readiness;
}
