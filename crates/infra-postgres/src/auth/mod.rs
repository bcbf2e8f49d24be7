//! Adapters of the sign-in, membership and API-token ports.
//!
//! Global tables (`auth_identities`, `auth_sessions`, `auth_attempts`) and the SECURITY DEFINER
//! doors are used in [`Database::system_tx`](crate::Database::system_tx); everything about one
//! clinic in [`Database::tenant_tx`](crate::Database::tenant_tx).

mod api_tokens;
mod attempts;
mod companies;
mod directory;
mod identities;
mod invitations;
mod members;
mod resets;
mod sessions;
mod watch;

pub use api_tokens::PgApiTokens;
pub use attempts::PgAttempts;
pub use companies::PgCompanies;
pub use directory::PgDirectory;
pub use identities::PgIdentities;
pub use members::PgMembers;
pub use resets::PgPasswordResets;
pub use sessions::PgSessions;
pub use watch::{CHANNEL as CREDENTIALS_CHANNEL, PgCredentialWatch, WatchSettings};

use crate::tenant::TenantScope;
use domain::auth::{Role, Tenant, UserStatus};

/// The unit-of-work scope of a domain tenant.
pub(crate) fn scope(tenant: Tenant) -> TenantScope {
    TenantScope {
        company_id: tenant.company_id,
        user_id: tenant.user_id,
    }
}

/// A stored role; anything else is a broken invariant (the column has a CHECK).
pub(crate) fn role(value: &str) -> anyhow::Result<Role> {
    value.parse().map_err(anyhow::Error::msg)
}

/// A stored member status.
pub(crate) fn status(value: &str) -> anyhow::Result<UserStatus> {
    value.parse().map_err(anyhow::Error::msg)
}
