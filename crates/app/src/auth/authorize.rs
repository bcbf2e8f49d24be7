//! The tenant scope of every `/api/*` request: who is calling, in which clinic, with which role.

use super::session::{self, AccountLookupError};
use super::{API_TOKEN_PREFIX, Credential};
use crate::Deps;
use domain::auth::{AuthMethod, Principal, UserStatus};

/// Why a request gets no tenant scope.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// No valid session or token (401).
    #[error("unauthenticated")]
    Unauthenticated,
    /// A valid account that is no active member of any clinic (403).
    #[error("no company")]
    NoCompany,
    /// The member is disabled (403).
    #[error("user disabled")]
    UserDisabled,
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Resolves `credential` to a [`Principal`]. Membership is read on every request, so disabling
/// a member or revoking a token takes effect at once.
///
/// # Errors
/// [`AuthorizeError`].
pub async fn authorize(deps: &Deps, credential: Credential) -> Result<Principal, AuthorizeError> {
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
        UserStatus::Active => Ok(Principal {
            company_id: membership.company_id,
            user_id: Some(membership.user_id),
            auth_user_id: Some(account.auth_user_id),
            role: membership.role,
            method,
        }),
        UserStatus::Disabled => Err(AuthorizeError::UserDisabled),
        UserStatus::Invited => Err(AuthorizeError::NoCompany),
    }
}

async fn api_token(deps: &Deps, token: String) -> Result<Principal, AuthorizeError> {
    let record = deps
        .directory
        .api_token(deps.tokens.hash(token))
        .await?
        .filter(|t| t.revoked_at.is_none())
        .ok_or(AuthorizeError::Unauthenticated)?;
    let principal = Principal {
        company_id: record.company_id,
        user_id: None,
        auth_user_id: None,
        role: record.role,
        method: AuthMethod::ApiToken,
    };
    let now = deps.clock.now();
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
    Ok(principal)
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
