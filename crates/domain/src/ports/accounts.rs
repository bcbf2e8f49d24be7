//! Global sign-in storage: identities, sessions, failed-attempt counters, and the membership and
//! API-token lookups that run before any tenant is known.

use crate::AuthUserId;
use crate::auth::{
    ApiTokenRecord, AttemptCounter, Email, Identity, Membership, NewIdentity, NewSession,
    SessionRecord, TokenHash,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Why an identity could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateIdentityError {
    /// An identity with this e-mail (or id) already exists.
    #[error("an account with this e-mail already exists")]
    Exists,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Sign-in identities (`auth_identities`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdentityRepository: Send + Sync {
    /// The identity with this e-mail.
    ///
    /// # Errors
    /// When the store fails.
    async fn find_by_email(&self, email: Email) -> anyhow::Result<Option<Identity>>;

    /// The identity with this id.
    ///
    /// # Errors
    /// When the store fails.
    async fn find_by_id(&self, id: AuthUserId) -> anyhow::Result<Option<Identity>>;

    /// Creates an identity. The database links an invited `users` row with the same e-mail.
    ///
    /// # Errors
    /// [`CreateIdentityError::Exists`] when the e-mail or id is taken.
    async fn create(&self, identity: NewIdentity) -> Result<(), CreateIdentityError>;

    /// Replaces the password hash (rehash after a parameter change).
    ///
    /// # Errors
    /// When the store fails.
    async fn set_password_hash(&self, id: AuthUserId, hash: String) -> anyhow::Result<()>;
}

/// Server-side sessions (`auth_sessions`), looked up by the SHA-256 of the cookie value.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    ///
    /// # Errors
    /// When the store fails.
    async fn create(&self, session: NewSession) -> anyhow::Result<()>;

    /// The session with this token hash.
    ///
    /// # Errors
    /// When the store fails.
    async fn find(&self, token_hash: TokenHash) -> anyhow::Result<Option<SessionRecord>>;

    /// Records activity: `last_seen_at` and the slid idle deadline.
    ///
    /// # Errors
    /// When the store fails.
    async fn touch(
        &self,
        id: Uuid,
        seen_at: DateTime<Utc>,
        idle_expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// Deletes the session with this token hash (no-op when there is none).
    ///
    /// # Errors
    /// When the store fails.
    async fn delete(&self, token_hash: TokenHash) -> anyhow::Result<()>;

    /// Deletes every session of an identity; returns how many there were.
    ///
    /// # Errors
    /// When the store fails.
    async fn delete_for_identity(&self, id: AuthUserId) -> anyhow::Result<u64>;
}

/// Failed sign-in counters (`auth_attempts`), shared by every node.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttemptRepository: Send + Sync {
    /// The counter under `key`, if any.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, key: String) -> anyhow::Result<Option<AttemptCounter>>;

    /// Adds one failure under `key`, atomically starting a new window at `now` when the current
    /// one (of length `window`) is over; returns the updated counter.
    ///
    /// # Errors
    /// When the store fails.
    async fn record_failure(
        &self,
        key: String,
        now: DateTime<Utc>,
        window: Duration,
    ) -> anyhow::Result<AttemptCounter>;

    /// Forgets the counter under `key`.
    ///
    /// # Errors
    /// When the store fails.
    async fn clear(&self, key: String) -> anyhow::Result<()>;
}

/// Lookups that cross tenants before the tenant is known (the database's SECURITY DEFINER
/// doors).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Directory: Send + Sync {
    /// The clinic membership of an identity (one clinic per identity).
    ///
    /// # Errors
    /// When the store fails.
    async fn membership_of(&self, id: AuthUserId) -> anyhow::Result<Option<Membership>>;

    /// The API token with this hash, revoked or not.
    ///
    /// # Errors
    /// When the store fails.
    async fn api_token(&self, token_hash: TokenHash) -> anyhow::Result<Option<ApiTokenRecord>>;
}
