//! Bodies of `/api/users`.

use chrono::{DateTime, Utc};
use domain::auth::{Member, Role, UserStatus};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A clinic member.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Member id.
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// `admin` or `staff`.
    #[schema(value_type = String, example = "staff")]
    pub role: Role,
    /// `invited` (pending invitation), `active`, or `disabled` (a revoked invitation when it
    /// never joined).
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    /// When the pending invitation expires (`invited` members only).
    pub invite_expires_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Member> for UserDto {
    fn from(m: Member) -> Self {
        Self {
            id: m.id.as_uuid(),
            email: m.email,
            name: m.name,
            role: m.role,
            status: m.status,
            invite_expires_at: m.invite_expires_at,
            created_at: m.created_at,
        }
    }
}

/// A page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// The members, in id order.
    pub data: Vec<UserDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/users`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// E-mail (unique in the clinic).
    #[garde(length(chars, min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
    /// Display name.
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `admin` or `staff`.
    #[garde(skip)]
    #[schema(value_type = RoleDoc, example = "staff")]
    pub role: Role,
    /// With a password (15 to 256 characters) the account is active at once; without one an
    /// invitation token is returned.
    #[garde(inner(length(chars, min = 15, max = 256)))]
    #[schema(min_length = 15, max_length = 256)]
    pub password: Option<String>,
}

/// `201` of `POST /api/users`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    /// The member.
    pub user: UserDto,
    /// The one-time invitation token (shown once), when no password was given.
    pub invite_token: Option<String>,
    /// When the invitation expires.
    pub invite_expires_at: Option<DateTime<Utc>>,
}

/// `201` of `POST /api/users/{id}/password-reset`: the one time the token is visible.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetDto {
    /// `rst_…`: hand it to the member (Atende sends no e-mail); they redeem it at
    /// `POST /auth/reset-password`.
    pub reset_token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Statuses an admin may set.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettableStatus {
    /// Active again.
    Active,
    /// Disabled (sessions end at once; a pending invitation is revoked and its token dies).
    Disabled,
}

/// `PATCH /api/users/{id}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New display name.
    #[garde(inner(length(chars, min = 1, max = 200)))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New role.
    #[garde(skip)]
    #[schema(value_type = Option<RoleDoc>, example = "admin")]
    pub role: Option<Role>,
    /// New status.
    #[garde(skip)]
    pub status: Option<SettableStatus>,
}

/// A member's or token's role (the schema of `domain::auth::Role`).
#[derive(ToSchema)]
#[schema(as = Role, rename_all = "snake_case")]
pub enum RoleDoc {
    /// Everything, including members, API tokens, integrations and settings.
    Admin,
    /// Day-to-day work: patients, bookings, conversations.
    Staff,
}
