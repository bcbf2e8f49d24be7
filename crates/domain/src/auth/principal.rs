//! Who is calling: roles, membership status, the authenticated principal and its tenant.

use crate::{AuthUserId, CompanyId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A clinic member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, API tokens and settings.
    Admin,
    /// Day-to-day work (clients, appointments, conversations).
    Staff,
}

impl Role {
    /// The stored form (`admin` / `staff`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Staff => "staff",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Self::Admin),
            "staff" => Ok(Self::Staff),
            other => Err(format!("unknown role {other:?}")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a `users` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Pre-created by an admin; not linked to a sign-in identity yet.
    Invited,
    /// Linked and allowed in.
    Active,
    /// Kept for history; every request of this member is refused.
    Disabled,
}

impl UserStatus {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}

impl FromStr for UserStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invited" => Ok(Self::Invited),
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            other => Err(format!("unknown user status {other:?}")),
        }
    }
}

/// The clinic membership of a sign-in identity (what `atende_principal_for` returns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The `users` row.
    pub user_id: UserId,
    /// The clinic.
    pub company_id: CompanyId,
    /// The clinic's name.
    pub company_name: String,
    /// The member's e-mail.
    pub email: String,
    /// The member's display name.
    pub name: String,
    /// The member's role.
    pub role: Role,
    /// The member's status.
    pub status: UserStatus,
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Our session cookie.
    Session,
    /// An `atk_` API token (no member behind it).
    ApiToken,
    /// An external (Supabase) access token.
    External,
}

/// The authenticated caller of a tenant route: it reaches every use case and pins the tenant of
/// the database unit of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The clinic the caller acts in.
    pub company_id: CompanyId,
    /// The member acting (`None` for API tokens).
    pub user_id: Option<UserId>,
    /// The sign-in identity (`None` for API tokens).
    pub auth_user_id: Option<AuthUserId>,
    /// The effective role.
    pub role: Role,
    /// How the caller authenticated.
    pub method: AuthMethod,
}

impl Principal {
    /// The tenant whose rows this caller may see.
    #[must_use]
    pub fn tenant(&self) -> Tenant {
        Tenant {
            company_id: self.company_id,
            user_id: self.user_id,
        }
    }

    /// Whether the caller is an admin.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The tenant of a unit of work: the clinic, and the member acting (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    /// The clinic whose rows are visible.
    pub company_id: CompanyId,
    /// The acting member, if any.
    pub user_id: Option<UserId>,
}

impl Tenant {
    /// A tenant acting for the clinic itself (CLI, jobs).
    #[must_use]
    pub fn company(company_id: CompanyId) -> Self {
        Self {
            company_id,
            user_id: None,
        }
    }
}
