//! `POST /auth/switch-clinic`: the session moves to another of the caller's clinics.

use super::SignedIn;
use super::session::{self, ClientInfo};
use crate::Deps;
use domain::CompanyId;
use domain::auth::UserStatus;

/// A switch request.
#[derive(Debug, Clone)]
pub struct SwitchClinic {
    /// The current session cookie (replaced by a new one).
    pub session_token: String,
    /// The clinic to act in.
    pub company_id: CompanyId,
    /// Where the request comes from.
    pub client: ClientInfo,
}

/// Why the session could not switch.
#[derive(Debug, thiserror::Error)]
pub enum SwitchClinicError {
    /// No valid session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The account is not a member of that clinic (or the clinic does not exist: the same).
    #[error("not a member of that clinic")]
    NotAMember,
    /// The membership in that clinic is disabled.
    #[error("user disabled")]
    UserDisabled,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Issues a new session acting in `company_id`, a clinic where the account is an active
/// member, and deletes the old one. Every later request of the new session is pinned to that
/// clinic only.
///
/// # Errors
/// [`SwitchClinicError`].
pub async fn switch_clinic(deps: &Deps, cmd: SwitchClinic) -> Result<SignedIn, SwitchClinicError> {
    let current = session::resolve(deps, cmd.session_token.clone())
        .await?
        .ok_or(SwitchClinicError::Unauthenticated)?;
    let memberships = deps.directory.memberships_of(current.auth_user_id).await?;
    let target = memberships
        .iter()
        .find(|m| m.company_id == cmd.company_id)
        .ok_or(SwitchClinicError::NotAMember)?;
    if target.status != UserStatus::Active {
        return Err(SwitchClinicError::UserDisabled);
    }
    let email = target.email.clone();
    let account = session::account_in(
        current.auth_user_id,
        email,
        memberships,
        Some(cmd.company_id),
    );
    Ok(session::issue(deps, account, cmd.client, Some(cmd.session_token)).await?)
}

#[cfg(test)]
#[path = "switch_tests.rs"]
mod tests;
