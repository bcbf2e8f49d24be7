//! Global sign-in storage: identities, sessions, failed-attempt counters, and the membership and
//! API-token lookups that run before any tenant is known.

use crate::auth::{
    ApiTokenRecord, AttemptCounter, Email, Identity, Membership, NewIdentity, NewSession,
    SessionRecord, TokenHash,
};
use crate::{AuthUserId, CompanyId};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// The most local accounts that may share one e-mail address (each accepted an invitation with
/// its own password); signing in checks each one's password, so this also bounds its cost.
pub const MAX_ACCOUNTS_PER_EMAIL: usize = 3;

/// Why an identity could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateIdentityError {
    /// An identity with this id already exists.
    #[error("an account with this id already exists")]
    Exists,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Sign-in identities (`auth_identities`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdentityRepository: Send + Sync {
    /// The identities with this e-mail, oldest first (several local accounts may share an
    /// address: no clinic owns it; at most [`MAX_ACCOUNTS_PER_EMAIL`] are created).
    ///
    /// # Errors
    /// When the store fails.
    async fn find_by_email(&self, email: Email) -> anyhow::Result<Vec<Identity>>;

    /// The identity with this id.
    ///
    /// # Errors
    /// When the store fails.
    async fn find_by_id(&self, id: AuthUserId) -> anyhow::Result<Option<Identity>>;

    /// Creates an identity. Nothing else happens: an identity joins a clinic only by accepting
    /// that clinic's invitation (never by its e-mail).
    ///
    /// # Errors
    /// [`CreateIdentityError::Exists`] when the e-mail or id is taken.
    async fn create(&self, identity: NewIdentity) -> Result<(), CreateIdentityError>;

    /// Mirrors an external (Supabase) user: creates the identity the first time, else updates
    /// its e-mail and, when `verified_at` is `Some`, the time the provider verified it.
    ///
    /// # Errors
    /// [`CreateIdentityError::Exists`] when the e-mail belongs to another identity.
    async fn sync_external(
        &self,
        id: AuthUserId,
        email: Email,
        verified_at: Option<DateTime<Utc>>,
    ) -> Result<(), CreateIdentityError>;

    /// Replaces the password hash (rehash after a parameter change).
    ///
    /// # Errors
    /// When the store fails.
    async fn set_password_hash(&self, id: AuthUserId, hash: String) -> anyhow::Result<()>;

    /// Replaces the password hash and ends every session of the identity except `keep` (the
    /// caller's own, on a password change), in one unit of work.
    ///
    /// # Errors
    /// When the store fails.
    async fn change_password(
        &self,
        id: AuthUserId,
        hash: String,
        keep: Option<TokenHash>,
    ) -> anyhow::Result<()>;
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

    /// Deletes the identity's sessions that act in `company` (the member was disabled there;
    /// its sessions in other clinics are that clinic's business).
    ///
    /// # Errors
    /// When the store fails.
    async fn delete_in_clinic(&self, id: AuthUserId, company: CompanyId) -> anyhow::Result<u64>;
}

/// Sign-in attempt counters (`auth_attempts`), shared by every node.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttemptRepository: Send + Sync {
    /// Counts one attempt under each of `keys` (one atomic statement each, in one unit of work),
    /// starting a new window at `now` for a counter whose window (of length `window`) is over;
    /// returns the updated counters in the order of `keys`. Called BEFORE the password is
    /// checked, so a burst cannot try more passwords than the limit.
    ///
    /// # Errors
    /// When the store fails.
    async fn count(
        &self,
        keys: Vec<String>,
        now: DateTime<Utc>,
        window: Duration,
    ) -> anyhow::Result<Vec<AttemptCounter>>;

    /// Gives back one counted attempt under `key` (a successful sign-in does not use up the
    /// address's allowance).
    ///
    /// # Errors
    /// When the store fails.
    async fn refund(&self, key: String) -> anyhow::Result<()>;

    /// Forgets the counter under `key`.
    ///
    /// # Errors
    /// When the store fails.
    async fn clear(&self, key: String) -> anyhow::Result<()>;
}

/// One-time password reset tokens (`auth_password_resets`): at most one per identity, only the
/// SHA-256 stored.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordResetRepository: Send + Sync {
    /// Stores a reset token for `id`, replacing any pending one.
    ///
    /// # Errors
    /// When the store fails.
    async fn issue(
        &self,
        id: AuthUserId,
        token_hash: TokenHash,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// The identity whose pending reset token has this hash and is unexpired at `now`.
    ///
    /// # Errors
    /// When the store fails.
    async fn find(
        &self,
        token_hash: TokenHash,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AuthUserId>>;

    /// Spends the token (still unexpired at `now`), sets the new password hash and ends every
    /// session of the identity, in one unit of work; `None` when the token is gone (used
    /// concurrently, or expired).
    ///
    /// # Errors
    /// When the store fails.
    async fn redeem(
        &self,
        token_hash: TokenHash,
        now: DateTime<Utc>,
        password_hash: String,
    ) -> anyhow::Result<Option<AuthUserId>>;
}

/// Lookups that cross tenants before the tenant is known (the database's SECURITY DEFINER
/// doors).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Directory: Send + Sync {
    /// Every clinic membership of an identity, oldest first (an identity may belong to several
    /// clinics, once each).
    ///
    /// # Errors
    /// When the store fails.
    async fn memberships_of(&self, id: AuthUserId) -> anyhow::Result<Vec<Membership>>;

    /// The API token with this hash, revoked or expired or not, with its creator as they are
    /// now.
    ///
    /// # Errors
    /// When the store fails.
    async fn api_token(&self, token_hash: TokenHash) -> anyhow::Result<Option<ApiTokenRecord>>;
}

/// A change to a credential that a node may hold resolved in its principal cache, as the store
/// reports it (after the change committed, on whichever node made it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialChange {
    /// The session with this token hash ended (sign-out, expiry, password change, disabled
    /// member) or changed clinic.
    Session(TokenHash),
    /// The API token with this hash was revoked, re-scoped or deleted.
    Token(TokenHash),
    /// This membership was added, removed, disabled or changed role: every session of the
    /// identity and every token the member created.
    Member {
        /// The membership (`users.id`).
        user_id: crate::UserId,
        /// Its sign-in identity, when linked.
        auth_user_id: Option<AuthUserId>,
    },
}

/// Receives what the node's [`CredentialWatch`] hears (the principal cache).
pub trait CredentialChanges: Send + Sync {
    /// The watch (re)connected (`true`: changes are heard from now on) or lost its connection
    /// (`false`: changes may go unheard). Either way what was cached before may be stale.
    fn watching(&self, live: bool);

    /// One change, heard after it committed.
    fn changed(&self, change: CredentialChange);
}

/// The node's watch on credential changes in the store (one listener per node).
pub trait CredentialWatch: Send + Sync {
    /// Starts watching on the first call, reporting to `sink` until it is dropped; later calls
    /// do nothing. Needs a running async runtime.
    fn ensure_started(&self, sink: std::sync::Weak<dyn CredentialChanges>);
}
