//! The tenant scope of every `/api/*` request: who is calling, in which one clinic, with which
//! role and which scopes.

use super::session::{self, AccountLookupError};
use super::{API_TOKEN_PREFIX, Credential};
use crate::Deps;
use domain::auth::{ApiTokenRecord, AuthMethod, Grant, Principal, Scopes, UserStatus};

/// Why a request gets no tenant scope.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// No valid session or token (401); an API token that expired, or whose creator was
    /// disabled, or whose scopes the creator's role no longer allows, included.
    #[error("unauthenticated")]
    Unauthenticated,
    /// A valid account that is no active member of any clinic (403).
    #[error("no company")]
    NoCompany,
    /// The member is disabled in the session's clinic (403).
    #[error("user disabled")]
    UserDisabled,
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The caller of a request and what its credential may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorized {
    /// Who, in which clinic, with which role.
    pub principal: Principal,
    /// The credential's scopes, expiry and creator.
    pub grant: Grant,
}

/// Resolves `credential` to the caller. Membership (in the session's ONE active clinic) and
/// API tokens (with their creator) are read on every request, so disabling a member, demoting
/// them, revoking or expiring a token takes effect at once.
///
/// # Errors
/// [`AuthorizeError`].
pub async fn authorize(deps: &Deps, credential: Credential) -> Result<Authorized, AuthorizeError> {
    if let Credential::Bearer(token) = &credential
        && token.starts_with(API_TOKEN_PREFIX)
    {
        return api_token(deps, token.clone()).await;
    }
    let method = match credential {
        Credential::Session(_) => AuthMethod::Session,
        Credential::Bearer(_) => AuthMethod::External,
    };
    let account = session::account_for(deps, credential)
        .await
        .map_err(|e| match e {
            AccountLookupError::ProviderUnavailable(e) => AuthorizeError::ProviderUnavailable(e),
            AccountLookupError::Other(e) => AuthorizeError::Unknown(e),
        })?
        .ok_or(AuthorizeError::Unauthenticated)?;
    let membership = account.membership.ok_or(AuthorizeError::NoCompany)?;
    match membership.status {
        UserStatus::Active => Ok(Authorized {
            principal: Principal {
                company_id: membership.company_id,
                user_id: Some(membership.user_id),
                auth_user_id: Some(account.auth_user_id),
                role: membership.role,
                method,
            },
            grant: Grant::member(membership.role, Some(membership.user_id)),
        }),
        UserStatus::Disabled => Err(AuthorizeError::UserDisabled),
        UserStatus::Invited => Err(AuthorizeError::NoCompany),
    }
}

/// The scopes a token may use now: none when it is revoked or expired, or when its creator is
/// gone, disabled, or demoted to a role that does not allow every scope of the token.
fn usable_scopes(record: &ApiTokenRecord, now: chrono::DateTime<chrono::Utc>) -> Scopes {
    let expired = record.expires_at.is_some_and(|at| now >= at);
    if record.revoked_at.is_some() || expired {
        return Scopes::NONE;
    }
    match record.creator {
        None => record.scopes,
        Some(creator) => match (creator.role, creator.status) {
            (Some(role), Some(UserStatus::Active))
                if record.scopes.within(Scopes::for_role(role)) =>
            {
                record.scopes
            }
            _ => Scopes::NONE,
        },
    }
}

async fn api_token(deps: &Deps, token: String) -> Result<Authorized, AuthorizeError> {
    let record = deps
        .directory
        .api_token(deps.tokens.hash(token))
        .await?
        .ok_or(AuthorizeError::Unauthenticated)?;
    let now = deps.clock.now();
    let scopes = usable_scopes(&record, now);
    if scopes.is_empty() {
        return Err(AuthorizeError::Unauthenticated);
    }
    let principal = Principal {
        company_id: record.company_id,
        user_id: None,
        auth_user_id: None,
        role: scopes.role(),
        method: AuthMethod::ApiToken,
    };
    if record
        .last_used_at
        .is_none_or(|last| now - last >= deps.policy.touch_every)
    {
        // Bookkeeping only: a failed write must not refuse a valid token.
        if let Err(e) = deps
            .api_tokens
            .mark_used(principal.tenant(), record.id, now)
            .await
        {
            tracing::warn!(error = %e, "recording an API token's use failed");
        }
    }
    Ok(Authorized {
        principal,
        grant: Grant {
            scopes,
            expires_at: record.expires_at,
            on_behalf_of: record.creator.map(|c| c.user_id),
            is_token: true,
        },
    })
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
