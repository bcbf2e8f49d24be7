//! `POST /api/api-tokens`.

use crate::Deps;
use crate::auth::API_TOKEN_PREFIX;
use domain::auth::{ApiTokenSummary, NewApiToken, Principal, Role};
use uuid::Uuid;

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
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// The name is empty or longer than 100 characters.
    #[error("invalid name")]
    InvalidName,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates an API token of the caller's clinic with `role`. Only its SHA-256 is stored.
///
/// # Errors
/// [`CreateApiTokenError`].
pub async fn create_api_token(
    deps: &Deps,
    caller: Principal,
    name: String,
    role: Role,
) -> Result<CreatedApiToken, CreateApiTokenError> {
    if !caller.is_admin() {
        return Err(CreateApiTokenError::Forbidden);
    }
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CreateApiTokenError::InvalidName);
    }
    let token = deps.tokens.generate(API_TOKEN_PREFIX)?;
    let now = deps.clock.now();
    let new = NewApiToken {
        id: Uuid::now_v7(),
        name,
        role,
        token_hash: deps.tokens.hash(token.clone()),
        created_by: caller.user_id,
        created_at: now,
    };
    let summary = ApiTokenSummary {
        id: new.id,
        name: new.name.clone(),
        role,
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    deps.api_tokens.create(caller.tenant(), new).await?;
    Ok(CreatedApiToken { summary, token })
}
