//! `POST /api/api-tokens`.

use crate::Deps;
use crate::auth::API_TOKEN_PREFIX;
use chrono::{DateTime, Utc};
use domain::auth::{
    ApiTokenSummary, Grant, NewApiToken, Principal, Role, Scope, Scopes, clean_label,
};
use uuid::Uuid;

/// When a new token stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The policy's default lifetime (90 days).
    Default,
    /// At this instant (after now, at most the policy's maximum lifetime away: one year).
    At(DateTime<Utc>),
    /// Never: only a signed-in admin may ask for it, explicitly.
    Never,
}

/// A token to create.
#[derive(Debug, Clone)]
pub struct CreateApiToken {
    /// A label (`n8n production`).
    pub name: String,
    /// What it may do.
    pub scopes: Scopes,
    /// When it stops working.
    pub expiry: Expiry,
}

/// A created token: the only time its value is visible.
#[derive(Debug, Clone)]
pub struct CreatedApiToken {
    /// The token as stored.
    pub summary: ApiTokenSummary,
    /// `atk_…`, shown once.
    pub token: String,
}

/// Why a token could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateApiTokenError {
    /// The caller is not an admin, or is a token without the `admin` scope.
    #[error("forbidden")]
    Forbidden,
    /// The name is blank, longer than 100 characters, or holds control characters.
    #[error("invalid name")]
    InvalidName,
    /// No scope was given.
    #[error("at least one scope is needed")]
    NoScopes,
    /// The expiry is not acceptable; `reason` says why.
    #[error("invalid expiry: {reason}")]
    InvalidExpiry {
        /// Why.
        reason: &'static str,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates an API token of the caller's clinic. Only its SHA-256 is stored. A token creating a
/// token can give it neither more scopes nor a longer life than itself, nor no expiry; the new
/// token acts on behalf of the same member (whose disabling or demotion stops both).
///
/// # Errors
/// [`CreateApiTokenError`].
pub async fn issue_api_token(
    deps: &Deps,
    caller: Principal,
    grant: Grant,
    cmd: CreateApiToken,
) -> Result<CreatedApiToken, CreateApiTokenError> {
    if !caller.is_admin() || !grant.scopes.allows(Scope::Admin) {
        return Err(CreateApiTokenError::Forbidden);
    }
    let name = clean_label(&cmd.name, 100).ok_or(CreateApiTokenError::InvalidName)?;
    if cmd.scopes.is_empty() {
        return Err(CreateApiTokenError::NoScopes);
    }
    if !cmd.scopes.within(grant.scopes) {
        return Err(CreateApiTokenError::Forbidden);
    }
    let now = deps.clock.now();
    let expires_at = expiry(deps, now, grant, cmd.expiry)?;
    let token = deps.tokens.generate(API_TOKEN_PREFIX)?;
    let new = NewApiToken {
        id: Uuid::now_v7(),
        name,
        scopes: cmd.scopes,
        expires_at,
        token_hash: deps.tokens.hash(token.clone()),
        created_by: caller.user_id.or(grant.on_behalf_of),
        created_at: now,
    };
    let summary = ApiTokenSummary {
        id: new.id,
        name: new.name.clone(),
        role: new.scopes.role(),
        scopes: new.scopes,
        created_at: now,
        expires_at,
        created_by: new.created_by,
        last_used_at: None,
        revoked_at: None,
    };
    deps.api_tokens.create(caller.tenant(), new).await?;
    Ok(CreatedApiToken { summary, token })
}

fn expiry(
    deps: &Deps,
    now: DateTime<Utc>,
    grant: Grant,
    asked: Expiry,
) -> Result<Option<DateTime<Utc>>, CreateApiTokenError> {
    let invalid = |reason| Err(CreateApiTokenError::InvalidExpiry { reason });
    let at = match asked {
        Expiry::Never if grant.is_token => {
            return invalid("a token cannot create a token that never expires");
        }
        Expiry::Never => return Ok(None),
        Expiry::Default => now + deps.policy.api_token_default_ttl,
        Expiry::At(at) if at <= now => return invalid("must be in the future"),
        Expiry::At(at) if at > now + deps.policy.api_token_max_ttl => {
            return invalid("must be at most one year away");
        }
        Expiry::At(at) => at,
    };
    match grant.expires_at {
        // A token's child never outlives it: the default is cut short, an explicit date refused.
        Some(limit) if at > limit && asked == Expiry::Default => Ok(Some(limit)),
        Some(limit) if at > limit => invalid("must not outlive the token that creates it"),
        _ => Ok(Some(at)),
    }
}

/// [`issue_api_token`] for a signed-in member with `role`'s scopes and the default expiry (the
/// benchmark seed uses it).
///
/// # Errors
/// [`CreateApiTokenError`].
pub async fn create_api_token(
    deps: &Deps,
    caller: Principal,
    name: String,
    role: Role,
) -> Result<CreatedApiToken, CreateApiTokenError> {
    issue_api_token(
        deps,
        caller,
        Grant::member(caller.role, caller.user_id),
        CreateApiToken {
            name,
            scopes: Scopes::for_role(role),
            expiry: Expiry::Default,
        },
    )
    .await
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
