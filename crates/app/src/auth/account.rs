//! `GET /auth/me`: who the session (or external bearer token) belongs to.

use super::session::{self, AccountLookupError};
use super::{Account, Credential};
use crate::Deps;
use domain::auth::UserStatus;

/// Why the current account could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum CurrentAccountError {
    /// No valid session or token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The member is disabled.
    #[error("user disabled")]
    UserDisabled,
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The account behind `credential` and its clinic (if any).
///
/// # Errors
/// [`CurrentAccountError`]; API tokens are not accounts (`Unauthenticated`).
pub async fn current_account(
    deps: &Deps,
    credential: Credential,
) -> Result<Account, CurrentAccountError> {
    let account = session::account_for(deps, credential)
        .await
        .map_err(|e| match e {
            AccountLookupError::ProviderUnavailable(e) => {
                CurrentAccountError::ProviderUnavailable(e)
            }
            AccountLookupError::Other(e) => CurrentAccountError::Unknown(e),
        })?
        .ok_or(CurrentAccountError::Unauthenticated)?;
    if account
        .membership
        .as_ref()
        .is_some_and(|m| m.status == UserStatus::Disabled)
    {
        return Err(CurrentAccountError::UserDisabled);
    }
    Ok(account)
}
