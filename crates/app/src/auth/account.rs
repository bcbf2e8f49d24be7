//! `GET /auth/me`: who the session (or external bearer token) belongs to, in which clinics.

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
    /// The member is disabled in every clinic they belong to.
    #[error("user disabled")]
    UserDisabled,
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The account behind `credential`: its memberships and the clinic it acts in (if any). A
/// member disabled in the active clinic but active in another still gets the account (to
/// switch); one disabled everywhere does not.
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
    if !account.memberships.is_empty()
        && account
            .memberships
            .iter()
            .all(|m| m.status == UserStatus::Disabled)
    {
        return Err(CurrentAccountError::UserDisabled);
    }
    Ok(account)
}
