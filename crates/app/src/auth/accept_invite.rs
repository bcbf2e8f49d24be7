//! `POST /auth/accept-invite`: an invited member chooses a password and is signed in.

use super::session::{self, ClientInfo};
use super::{Account, SignedIn};
use crate::{Deps, deps::password_acceptable};
use domain::AuthUserId;
use domain::auth::{Email, IdentityProvider, NewIdentity, Password, UserStatus};
use domain::ports::accounts::CreateIdentityError;

/// An invitation being accepted.
#[derive(Debug, Clone)]
pub struct AcceptInvite {
    /// The one-time `inv_…` token.
    pub token: String,
    /// The new password.
    pub password: Password,
    /// Where the request comes from.
    pub client: ClientInfo,
}

/// Why an invitation could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptInviteError {
    /// Unknown, used or expired token (never says which).
    #[error("invalid or expired invitation")]
    InvalidInvite,
    /// The password is too short or too long.
    #[error("password must have between {min} and {max} characters")]
    WeakPassword {
        /// Minimum characters.
        min: usize,
        /// Maximum characters.
        max: usize,
    },
    /// An account with the invited e-mail already exists.
    #[error("an account with this e-mail already exists")]
    AccountExists,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates the local account of an invited e-mail; the database trigger links and activates the
/// invited `users` row; a session is issued.
///
/// # Errors
/// [`AcceptInviteError`]. In Supabase mode invitations are accepted by signing in through
/// Supabase, so this answers `InvalidInvite`.
pub async fn accept_invite(deps: &Deps, cmd: AcceptInvite) -> Result<SignedIn, AcceptInviteError> {
    if deps.external.is_some() {
        return Err(AcceptInviteError::InvalidInvite);
    }
    if !password_acceptable(&cmd.password) {
        return Err(AcceptInviteError::WeakPassword {
            min: crate::MIN_PASSWORD_CHARS,
            max: crate::MAX_PASSWORD_CHARS,
        });
    }
    let now = deps.clock.now();
    let invite = deps
        .members
        .invite(deps.tokens.hash(cmd.token))
        .await?
        .filter(|i| i.status == UserStatus::Invited && i.expires_at.is_some_and(|at| now < at))
        .ok_or(AcceptInviteError::InvalidInvite)?;
    let email = Email::parse(&invite.email).map_err(|_| AcceptInviteError::InvalidInvite)?;
    let hash = deps.passwords.hash(cmd.password).await?;
    let id = AuthUserId::new();
    deps.identities
        .create(NewIdentity {
            id,
            email: email.clone(),
            provider: IdentityProvider::Local,
            password_hash: Some(hash),
        })
        .await
        .map_err(|e| match e {
            CreateIdentityError::Exists => AcceptInviteError::AccountExists,
            CreateIdentityError::Other(e) => AcceptInviteError::Unknown(e),
        })?;
    let membership = deps.directory.membership_of(id).await?;
    let account = Account {
        auth_user_id: id,
        email: email.as_str().to_owned(),
        membership,
    };
    Ok(session::issue(deps, account, cmd.client, None).await?)
}

#[cfg(test)]
#[path = "accept_invite_tests.rs"]
mod tests;
