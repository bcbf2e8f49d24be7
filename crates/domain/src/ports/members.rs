//! Tenant-scoped storage of clinic members, invitations, API tokens and clinics.

use crate::auth::{
    AcceptInvitation, ApiTokenSummary, InviteRecord, Member, MemberPatch, NewApiToken, NewIdentity,
    NewMember, Tenant, TokenHash,
};
use crate::page::{Page, PageRequest};
use crate::{CompanyId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Why a member could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateMemberError {
    /// The clinic already has a member with this e-mail.
    #[error("the clinic already has a member with this e-mail")]
    EmailInClinic,
    /// A sign-in account with this e-mail already exists (when creating one).
    #[error("an account with this e-mail already exists")]
    AccountExists,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Why a member could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateMemberError {
    /// No such member in this clinic.
    #[error("member not found")]
    NotFound,
    /// The change would leave the clinic without an active admin.
    #[error("the clinic would have no active admin left")]
    LastAdmin,
    /// Only a member who joined can be made active (an invitation is issued again instead).
    #[error("the member has not joined")]
    NotJoined,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Why an invitation could not be linked to an identity.
#[derive(Debug, thiserror::Error)]
pub enum AcceptInvitationError {
    /// The row is no longer invited, its token changed, or it expired (used concurrently,
    /// revoked, re-issued).
    #[error("the invitation is no longer valid")]
    Gone,
    /// The identity is already a member of that clinic.
    #[error("already a member of this clinic")]
    AlreadyMember,
    /// The new identity's e-mail already has an account.
    #[error("an account with this e-mail already exists")]
    AccountExists,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Why an invitation could not be issued again.
#[derive(Debug, thiserror::Error)]
pub enum ReinviteError {
    /// No such member in this clinic.
    #[error("member not found")]
    NotFound,
    /// The member already joined (has an account): enable or disable them instead.
    #[error("the member already joined")]
    AlreadyJoined,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Clinic members (`users`) and invitations.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MemberRepository: Send + Sync {
    /// A page of the clinic's members in id order.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(&self, tenant: Tenant, page: PageRequest) -> anyhow::Result<Page<Member>>;

    /// One member of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: UserId) -> anyhow::Result<Option<Member>>;

    /// Active admins of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn count_active_admins(&self, tenant: Tenant) -> anyhow::Result<u64>;

    /// Creates a member, and first its sign-in identity when `identity` is given (one unit of
    /// work).
    ///
    /// # Errors
    /// [`CreateMemberError::EmailInClinic`], [`CreateMemberError::AccountExists`].
    async fn create(
        &self,
        tenant: Tenant,
        member: NewMember,
        identity: Option<NewIdentity>,
    ) -> Result<Member, CreateMemberError>;

    /// Applies `patch`. The store re-checks, atomically, that the clinic keeps an active admin;
    /// disabling an invited member revokes the invitation (its token is erased).
    ///
    /// # Errors
    /// [`UpdateMemberError::NotFound`], [`UpdateMemberError::LastAdmin`].
    async fn update(
        &self,
        tenant: Tenant,
        id: UserId,
        patch: MemberPatch,
    ) -> Result<Member, UpdateMemberError>;

    /// The invitation with this token hash (any clinic: the token is the only key).
    ///
    /// # Errors
    /// When the store fails.
    async fn invite(&self, token_hash: TokenHash) -> anyhow::Result<Option<InviteRecord>>;

    /// Links exactly the invitation of `acceptance` (its clinic, its row, its token, still
    /// invited and unexpired) to the identity, creating the identity first when asked, in one
    /// unit of work pinned to the invitation's clinic; the member becomes active.
    ///
    /// # Errors
    /// [`AcceptInvitationError`].
    async fn accept(&self, acceptance: AcceptInvitation) -> Result<(), AcceptInvitationError>;

    /// Issues a fresh invitation token for a member who has not joined (invited, or revoked):
    /// the row becomes `invited` again with the new token and expiry; the old token dies.
    ///
    /// # Errors
    /// [`ReinviteError`].
    async fn reinvite(
        &self,
        tenant: Tenant,
        id: UserId,
        token_hash: TokenHash,
        expires_at: DateTime<Utc>,
    ) -> Result<Member, ReinviteError>;
}

/// The clinic's API tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiTokenRepository: Send + Sync {
    /// Stores a new token.
    ///
    /// # Errors
    /// When the store fails.
    async fn create(&self, tenant: Tenant, token: NewApiToken) -> anyhow::Result<()>;

    /// A page of the clinic's tokens in id order.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> anyhow::Result<Page<ApiTokenSummary>>;

    /// Revokes a token; `false` when the clinic has no such token.
    ///
    /// # Errors
    /// When the store fails.
    async fn revoke(&self, tenant: Tenant, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<bool>;

    /// Records a use of the token.
    ///
    /// # Errors
    /// When the store fails.
    async fn mark_used(&self, tenant: Tenant, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<()>;
}

/// Clinics.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CompanyRepository: Send + Sync {
    /// Creates a clinic with default settings.
    ///
    /// # Errors
    /// When the store fails.
    async fn create(&self, id: CompanyId, name: String) -> anyhow::Result<()>;
}
