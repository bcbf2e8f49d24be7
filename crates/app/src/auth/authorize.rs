//! The tenant scope of every `/api/*` request: who is calling, in which one clinic, with which
//! role and which scopes.

use super::cache::{CachedSession, CachedToken};
use super::session::{self, AccountLookupError};
use super::{API_TOKEN_PREFIX, Credential};
use crate::Deps;
use chrono::{DateTime, Utc};
use domain::AuthUserId;
use domain::auth::{
    ApiTokenRecord, AuthMethod, Grant, Membership, Principal, Scopes, TokenHash, UserStatus,
};
use domain::ports::accounts::CredentialChanges;
use std::sync::Arc;
use uuid::Uuid;

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
/// API tokens (with their creator) come from the node's principal cache when it holds them
/// (fresh within its TTL, and dropped on every node the moment a sign-out, a revocation or a
/// membership change commits), else from the store; disabling a member, demoting them, revoking
/// or expiring a token or a session takes effect at once.
///
/// # Errors
/// [`AuthorizeError`].
pub async fn authorize(deps: &Deps, credential: Credential) -> Result<Authorized, AuthorizeError> {
    if let Some(watch) = &deps.credential_watch {
        let sink: Arc<dyn CredentialChanges> = deps.principals.clone();
        watch.ensure_started(Arc::downgrade(&sink));
    }
    match credential {
        Credential::Bearer(token) if token.starts_with(API_TOKEN_PREFIX) => {
            api_token(deps, token).await
        }
        Credential::Session(token) => session(deps, deps.tokens.hash(token)).await,
        credential @ Credential::Bearer(_) => {
            let account = session::account_for(deps, credential)
                .await
                .map_err(|e| match e {
                    AccountLookupError::ProviderUnavailable(e) => {
                        AuthorizeError::ProviderUnavailable(e)
                    }
                    AccountLookupError::Other(e) => AuthorizeError::Unknown(e),
                })?
                .ok_or(AuthorizeError::Unauthenticated)?;
            let membership = account.membership.ok_or(AuthorizeError::NoCompany)?;
            member(membership, account.auth_user_id, AuthMethod::External)
        }
    }
}

/// The caller acting through `membership`, if it is active.
fn member(
    membership: Membership,
    auth_user_id: AuthUserId,
    method: AuthMethod,
) -> Result<Authorized, AuthorizeError> {
    match membership.status {
        UserStatus::Active => Ok(Authorized {
            principal: Principal {
                company_id: membership.company_id,
                user_id: Some(membership.user_id),
                auth_user_id: Some(auth_user_id),
                role: membership.role,
                method,
            },
            grant: Grant::member(membership.role, Some(membership.user_id)),
        }),
        UserStatus::Disabled => Err(AuthorizeError::UserDisabled),
        UserStatus::Invited => Err(AuthorizeError::NoCompany),
    }
}

/// A session cookie (by its hash): from the cache when it holds it (sliding the idle deadline
/// when its write is due), else the session, then its memberships, from the store.
async fn session(deps: &Deps, hash: TokenHash) -> Result<Authorized, AuthorizeError> {
    let now = deps.clock.now();
    if let Some((authorized, cached)) = deps.principals.session(hash, now) {
        if now - cached.last_seen_at >= deps.policy.touch_every {
            let idle = (now + deps.policy.session_idle).min(cached.expires_at);
            deps.sessions.touch(cached.id, now, idle).await?;
            deps.principals.session_seen(hash, now, idle);
        }
        return Ok(authorized);
    }
    let ticket = deps.principals.ticket();
    let record = session::resolve_hash(deps, hash)
        .await?
        .ok_or(AuthorizeError::Unauthenticated)?;
    let memberships = deps.directory.memberships_of(record.auth_user_id).await?;
    let Some(membership) = session::active_membership(&memberships, record.active_company_id)
    else {
        // The identity was deleted under a live session: unauthenticated, not "no clinic".
        return match deps.identities.find_by_id(record.auth_user_id).await? {
            Some(_) => Err(AuthorizeError::NoCompany),
            None => Err(AuthorizeError::Unauthenticated),
        };
    };
    let authorized = member(membership, record.auth_user_id, AuthMethod::Session)?;
    if let Some(ticket) = ticket {
        let cached = CachedSession {
            id: record.id,
            auth_user_id: record.auth_user_id,
            last_seen_at: record.last_seen_at,
            idle_expires_at: record.idle_expires_at,
            expires_at: record.expires_at,
        };
        deps.principals
            .put_session(ticket, hash, authorized, cached, now);
    }
    Ok(authorized)
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

/// An API token: from the cache when it holds it, else from the store. Its use is written at
/// most once per `touch_every`.
async fn api_token(deps: &Deps, token: String) -> Result<Authorized, AuthorizeError> {
    let hash = deps.tokens.hash(token);
    let now = deps.clock.now();
    if let Some((authorized, cached)) = deps.principals.token(hash, now) {
        if cached
            .last_used_at
            .is_none_or(|last| now - last >= deps.policy.touch_every)
            && mark_used(deps, authorized.principal, cached.id, now).await
        {
            deps.principals.token_used(hash, now);
        }
        return Ok(authorized);
    }
    let ticket = deps.principals.ticket();
    let record = deps
        .directory
        .api_token(hash)
        .await?
        .ok_or(AuthorizeError::Unauthenticated)?;
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
    let mut last_used_at = record.last_used_at;
    if last_used_at.is_none_or(|last| now - last >= deps.policy.touch_every)
        && mark_used(deps, principal, record.id, now).await
    {
        last_used_at = Some(now);
    }
    let authorized = Authorized {
        principal,
        grant: Grant {
            scopes,
            expires_at: record.expires_at,
            on_behalf_of: record.creator.map(|c| c.user_id),
            is_token: true,
        },
    };
    if let Some(ticket) = ticket {
        let cached = CachedToken {
            id: record.id,
            creator: record.creator.map(|c| c.user_id),
            expires_at: record.expires_at,
            last_used_at,
        };
        deps.principals
            .put_token(ticket, hash, authorized, cached, now);
    }
    Ok(authorized)
}

/// Records a token's use; says whether it was written. Bookkeeping only: a failed write must
/// not refuse a valid token.
async fn mark_used(deps: &Deps, principal: Principal, id: Uuid, now: DateTime<Utc>) -> bool {
    match deps.api_tokens.mark_used(principal.tenant(), id, now).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "recording an API token's use failed");
            false
        }
    }
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
