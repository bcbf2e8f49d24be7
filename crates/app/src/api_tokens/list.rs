//! `GET /api/api-tokens`.

use crate::Deps;
use domain::auth::{ApiTokenSummary, Principal};
use domain::page::{Page, PageRequest};

/// Why the tokens could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListApiTokensError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// A page of the caller's clinic's tokens (never their values).
///
/// # Errors
/// [`ListApiTokensError`].
pub async fn list_api_tokens(
    deps: &Deps,
    caller: Principal,
    page: PageRequest,
) -> Result<Page<ApiTokenSummary>, ListApiTokensError> {
    if !caller.is_admin() {
        return Err(ListApiTokensError::Forbidden);
    }
    Ok(deps.api_tokens.list(caller.tenant(), page).await?)
}
