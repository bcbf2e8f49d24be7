//! `DELETE /api/api-tokens/{id}`.

use crate::Deps;
use domain::auth::Principal;
use uuid::Uuid;

/// Why a token could not be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeApiTokenError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such token in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Revokes a token of the caller's clinic; it stops working on the next request (tokens are
/// looked up on every request). Revoking a revoked token is a no-op.
///
/// # Errors
/// [`RevokeApiTokenError`].
pub async fn revoke_api_token(
    deps: &Deps,
    caller: Principal,
    id: Uuid,
) -> Result<(), RevokeApiTokenError> {
    if !caller.is_admin() {
        return Err(RevokeApiTokenError::Forbidden);
    }
    let now = deps.clock.now();
    if deps.api_tokens.revoke(caller.tenant(), id, now).await? {
        // Every other node hears it from the store (`atende_credentials`); this one at once.
        deps.principals.forget_token_id(id);
        Ok(())
    } else {
        Err(RevokeApiTokenError::NotFound)
    }
}
