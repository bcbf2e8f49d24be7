//! Port traits: what the use cases need from the outside world.

pub mod accounts;
pub mod analyzer;
pub mod appointments;
pub mod availability;
pub mod catalog;
pub mod clients;
pub mod clock;
pub mod conversations;
pub mod crypto;
pub mod dispatcher;
pub mod events;
pub mod external_auth;
pub mod health;
pub mod inbound;
pub mod integration_store;
pub mod integrations;
pub mod jobs;
pub mod labels;
pub mod members;
pub mod notes;
pub mod outbox;
pub mod payments;
pub mod rate_limits;
pub mod reads;
pub mod reports;
pub mod search;
pub mod snapshots;

/// A port's store could not be reached right now (a database pool exhausted past its wait, the
/// database down or restarting): nothing was done and the same request may be retried shortly.
/// Adapters put it in the error chain; the HTTP layer answers it 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the store is unavailable (retry shortly)")]
pub struct StoreUnavailable;
