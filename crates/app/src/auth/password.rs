//! `POST /auth/password`: a signed-in member changes their own password.

use super::busy_or;
use super::session::{self, ClientInfo};
use super::throttle::{self, Keys};
use crate::{Deps, deps::password_acceptable};
use domain::auth::{IdentityProvider, Password};

/// A password change.
#[derive(Debug, Clone)]
pub struct ChangePassword {
    /// The caller's session cookie (the one session that stays).
    pub session_token: String,
    /// The current password.
    pub current: Password,
    /// The new password.
    pub new: Password,
    /// Where the request comes from (the attempt is counted like a sign-in).
    pub client: ClientInfo,
}

/// Why the password was not changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// No valid session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The account's password lives elsewhere (Supabase mode, or an external identity).
    #[error("the password is managed by the identity provider")]
    NotLocalAccount,
    /// The current password is wrong.
    #[error("wrong current password")]
    WrongPassword,
    /// The new password is too short or too long.
    #[error("password must have between {min} and {max} characters")]
    WeakPassword {
        /// Minimum characters.
        min: usize,
        /// Maximum characters.
        max: usize,
    },
    /// Too many attempts for this account from this address.
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// Password hashing is saturated.
    #[error("busy")]
    Busy {
        /// Seconds after which a retry is sensible.
        retry_after_secs: u64,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

fn busy(e: domain::ports::crypto::HashError) -> ChangePasswordError {
    match busy_or(e) {
        Ok(retry_after_secs) => ChangePasswordError::Busy { retry_after_secs },
        Err(e) => ChangePasswordError::Unknown(e),
    }
}

/// Checks the current password (counted like a sign-in attempt, so a stolen session is no
/// password oracle), stores the new one and ends every OTHER session of the account (in every
/// clinic); the caller's session stays.
///
/// # Errors
/// [`ChangePasswordError`].
pub async fn change_password(deps: &Deps, cmd: ChangePassword) -> Result<(), ChangePasswordError> {
    if deps.external.is_some() {
        return Err(ChangePasswordError::NotLocalAccount);
    }
    let session = session::resolve(deps, cmd.session_token.clone())
        .await?
        .ok_or(ChangePasswordError::Unauthenticated)?;
    let identity = deps
        .identities
        .find_by_id(session.auth_user_id)
        .await?
        .ok_or(ChangePasswordError::Unauthenticated)?;
    let phc = match (&identity.provider, identity.password_hash.clone()) {
        (IdentityProvider::Local, Some(phc)) => phc,
        _ => return Err(ChangePasswordError::NotLocalAccount),
    };
    if !password_acceptable(&cmd.new) {
        return Err(ChangePasswordError::WeakPassword {
            min: crate::MIN_PASSWORD_CHARS,
            max: crate::MAX_PASSWORD_CHARS,
        });
    }
    let keys = Keys::new(deps, &identity.email, cmd.client.ip.as_deref());
    if let Some(retry_after_secs) = throttle::attempt(deps, &keys, deps.clock.now()).await? {
        return Err(ChangePasswordError::TooManyAttempts { retry_after_secs });
    }
    let verdict = match deps.passwords.verify(cmd.current, phc).await {
        Ok(verdict) => verdict,
        Err(e) => {
            throttle::not_tried(deps, &keys).await?;
            return Err(busy(e));
        }
    };
    if !verdict.valid {
        return Err(ChangePasswordError::WrongPassword);
    }
    throttle::succeeded(deps, &keys).await?;
    let hash = deps.passwords.hash(cmd.new).await.map_err(busy)?;
    let keep = deps.tokens.hash(cmd.session_token);
    deps.identities
        .change_password(identity.id, hash, Some(keep))
        .await?;
    deps.principals.forget_identity(identity.id);
    Ok(())
}
