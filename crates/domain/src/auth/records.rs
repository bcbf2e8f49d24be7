//! Rows the auth ports read and write.

use super::{Email, Role, Scopes, TokenHash, UserStatus};
use crate::{AuthUserId, CompanyId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Where an identity's password lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProvider {
    /// Atende's own accounts (argon2id hash in `auth_identities`).
    Local,
    /// Supabase Auth (`id` = the Supabase `sub`, no password stored here).
    Supabase,
}

impl IdentityProvider {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Supabase => "supabase",
        }
    }
}

/// A sign-in identity (`auth_identities` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Its id (`auth_user_id` elsewhere).
    pub id: AuthUserId,
    /// Lower-cased e-mail.
    pub email: String,
    /// Who holds the password.
    pub provider: IdentityProvider,
    /// The argon2id PHC string (local accounts only).
    pub password_hash: Option<String>,
    /// When the identity provider last said the e-mail is verified (Supabase identities).
    pub email_verified_at: Option<DateTime<Utc>>,
}

/// An identity to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    /// Its id (a new v7 for local accounts, the `sub` for Supabase users).
    pub id: AuthUserId,
    /// The e-mail.
    pub email: Email,
    /// Who holds the password.
    pub provider: IdentityProvider,
    /// The argon2id PHC string (required for local accounts).
    pub password_hash: Option<String>,
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the cookie value.
    pub token_hash: TokenHash,
    /// Whose session it is.
    pub auth_user_id: AuthUserId,
    /// Creation (and first "seen") time.
    pub created_at: DateTime<Utc>,
    /// End of the idle window.
    pub idle_expires_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
    /// `User-Agent`, truncated.
    pub user_agent: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// The clinic the session acts in (`None` for an account bound to no clinic).
    pub active_company_id: Option<CompanyId>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The row id.
    pub id: Uuid,
    /// Whose session it is.
    pub auth_user_id: AuthUserId,
    /// Last time a request used it (written at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// End of the idle window.
    pub idle_expires_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
    /// The clinic the session acts in.
    pub active_company_id: Option<CompanyId>,
}

/// A sign-in attempt counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCounter {
    /// When the current window started.
    pub window_started_at: DateTime<Utc>,
    /// Attempts counted in the current window (this one included).
    pub failures: u32,
}

/// The member who created an API token, as they are now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Creator {
    /// The member.
    pub user_id: UserId,
    /// Their current role (`None` when the member row is gone).
    pub role: Option<Role>,
    /// Their current status.
    pub status: Option<UserStatus>,
}

/// An API token found by its hash (revoked and expired ones included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// The token id.
    pub id: Uuid,
    /// The clinic it acts for.
    pub company_id: CompanyId,
    /// Its scopes.
    pub scopes: Scopes,
    /// When it stops working (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Its creator (`None` for tokens made by the operator).
    pub creator: Option<Creator>,
}

/// An API token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// The token id.
    pub id: Uuid,
    /// A label.
    pub name: String,
    /// Its scopes (its stored role is `admin` with the `admin` scope, else `staff`).
    pub scopes: Scopes,
    /// When it stops working (`None`: never, which only an admin asks for explicitly).
    pub expires_at: Option<DateTime<Utc>>,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// The member who created it (for a token made by a token: that token's creator).
    pub created_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenSummary {
    /// The token id.
    pub id: Uuid,
    /// A label.
    pub name: String,
    /// The role it acts with (`admin` with the `admin` scope).
    pub role: Role,
    /// Its scopes.
    pub scopes: Scopes,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it stops working (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// The member who created it.
    pub created_by: Option<UserId>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A clinic member (`users` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The row id.
    pub id: UserId,
    /// The linked identity, once linked.
    pub auth_user_id: Option<AuthUserId>,
    /// Lower-cased e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Status.
    pub status: UserStatus,
    /// When a pending invitation expires (invited members only).
    pub invite_expires_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A member to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    /// The row id.
    pub id: UserId,
    /// Lower-cased e-mail.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// `Some` for an active member with an account already; `None` for an invitation.
    pub auth_user_id: Option<AuthUserId>,
    /// The invitation's token hash and expiry (invited members only).
    pub invite: Option<(TokenHash, DateTime<Utc>)>,
}

/// Changes to a member; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberPatch {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New status (`active` or `disabled`).
    pub status: Option<UserStatus>,
}

/// An invitation found by its token hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    /// The invited `users` row.
    pub user_id: UserId,
    /// Its clinic.
    pub company_id: CompanyId,
    /// The invited e-mail.
    pub email: String,
    /// The row's status (only `invited` can be accepted).
    pub status: UserStatus,
    /// When the invitation stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Linking an invitation to an identity: exactly the row whose token hash matches, in its
/// clinic, while it is still invited and unexpired at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptInvitation {
    /// The invitation's clinic.
    pub company_id: CompanyId,
    /// The invited row.
    pub user_id: UserId,
    /// The token's hash (re-checked when linking).
    pub token_hash: TokenHash,
    /// The time the expiry is checked against.
    pub now: DateTime<Utc>,
    /// The identity to link.
    pub auth_user_id: AuthUserId,
    /// A new identity to create first, in the same unit of work (accepting with a password).
    pub new_identity: Option<NewIdentity>,
}
