//! `POST /auth/accept-invite`: exactly the token's invitation becomes a membership.

use super::session::{self, ClientInfo};
use super::{API_TOKEN_PREFIX, Credential, SignedIn, busy_or};
use crate::{Deps, deps::password_acceptable};
use domain::AuthUserId;
use domain::auth::{
    AcceptInvitation, Email, IdentityProvider, InviteRecord, NewIdentity, Password, UserStatus,
};
use domain::ports::accounts::MAX_ACCOUNTS_PER_EMAIL;
use domain::ports::external_auth::ExternalAuthError;
use domain::ports::members::AcceptInvitationError;

/// An invitation being accepted: with a new password (a new local account), or by a person
/// already signed in (their session cookie, or a Supabase access token).
#[derive(Debug, Clone)]
pub struct AcceptInvite {
    /// The one-time `inv_…` token.
    pub token: String,
    /// The new account's password; `None` to accept as the signed-in person.
    pub password: Option<Password>,
    /// The caller's credential, when signed in.
    pub credential: Option<Credential>,
    /// Where the request comes from.
    pub client: ClientInfo,
}

/// Why an invitation could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptInviteError {
    /// Unknown, used, revoked, re-issued or expired token (never says which).
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
    /// In Supabase mode passwords live in Supabase: accept signed in, without a password.
    #[error("passwords are managed by the identity provider")]
    PasswordNotAccepted,
    /// The invited e-mail already has as many accounts as an address may have: sign in to one
    /// and accept without a password.
    #[error("an account with this e-mail already exists")]
    AccountExists,
    /// No password and no valid credential.
    #[error("sign in to accept, or choose a password")]
    SignInRequired,
    /// The signed-in account's e-mail is not the invited one.
    #[error("the invitation is for another e-mail")]
    EmailMismatch,
    /// Supabase mode: the provider has not verified the signed-in account's e-mail.
    #[error("the e-mail is not verified")]
    EmailNotVerified,
    /// The signed-in account is already a member of that clinic.
    #[error("already a member of this clinic")]
    AlreadyMember,
    /// Password hashing is saturated.
    #[error("busy")]
    Busy {
        /// Seconds after which a retry is sensible.
        retry_after_secs: u64,
    },
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl From<AcceptInvitationError> for AcceptInviteError {
    fn from(e: AcceptInvitationError) -> Self {
        match e {
            AcceptInvitationError::Gone => Self::InvalidInvite,
            AcceptInvitationError::AlreadyMember => Self::AlreadyMember,
            AcceptInvitationError::AccountExists => Self::AccountExists,
            AcceptInvitationError::Other(e) => Self::Unknown(e),
        }
    }
}

/// Accepts the invitation the token names — that row, in its clinic, still invited and
/// unexpired, or nothing: no e-mail ever links an identity to another clinic's invitation. With
/// a password, a new local account with the invited e-mail is created and linked in one unit of
/// work — a new one even when the address has accounts already (up to
/// [`MAX_ACCOUNTS_PER_EMAIL`]): no clinic's invitation, accepted by whoever held its token,
/// can keep the real person out of another clinic. Without a password, the signed-in account
/// whose e-mail is the invited one is linked (in Supabase mode only when Supabase says that
/// e-mail is verified): one person, one account, several clinics. A session acting in the
/// invitation's clinic is issued (replacing the caller's).
///
/// # Errors
/// [`AcceptInviteError`].
pub async fn accept_invite(deps: &Deps, cmd: AcceptInvite) -> Result<SignedIn, AcceptInviteError> {
    let now = deps.clock.now();
    let token_hash = deps.tokens.hash(cmd.token);
    let invite = deps
        .members
        .invite(token_hash)
        .await?
        .filter(|i| i.status == UserStatus::Invited && i.expires_at.is_some_and(|at| now < at))
        .ok_or(AcceptInviteError::InvalidInvite)?;
    let email = Email::parse(&invite.email).map_err(|_| AcceptInviteError::InvalidInvite)?;
    let previous = match &cmd.credential {
        Some(Credential::Session(token)) => Some(token.clone()),
        _ => None,
    };
    let acceptance = |auth_user_id, new_identity| AcceptInvitation {
        company_id: invite.company_id,
        user_id: invite.user_id,
        token_hash,
        now,
        auth_user_id,
        new_identity,
    };
    let auth_user_id = match cmd.password {
        Some(_) if deps.external.is_some() => return Err(AcceptInviteError::PasswordNotAccepted),
        Some(password) => {
            if !password_acceptable(&password) {
                return Err(AcceptInviteError::WeakPassword {
                    min: crate::MIN_PASSWORD_CHARS,
                    max: crate::MAX_PASSWORD_CHARS,
                });
            }
            if deps.identities.find_by_email(email.clone()).await?.len() >= MAX_ACCOUNTS_PER_EMAIL {
                return Err(AcceptInviteError::AccountExists);
            }
            let hash = deps
                .passwords
                .hash(password)
                .await
                .map_err(|e| match busy_or(e) {
                    Ok(retry_after_secs) => AcceptInviteError::Busy { retry_after_secs },
                    Err(e) => AcceptInviteError::Unknown(e),
                })?;
            let id = AuthUserId::new();
            let identity = NewIdentity {
                id,
                email: email.clone(),
                provider: IdentityProvider::Local,
                password_hash: Some(hash),
            };
            deps.members.accept(acceptance(id, Some(identity))).await?;
            id
        }
        None => {
            let credential = cmd.credential.ok_or(AcceptInviteError::SignInRequired)?;
            let id = signed_in_as(deps, credential, &invite).await?;
            deps.members.accept(acceptance(id, None)).await?;
            id
        }
    };
    // A new membership can change the clinic an unbound session acts in.
    deps.principals.forget_identity(auth_user_id);
    let memberships = deps.directory.memberships_of(auth_user_id).await?;
    let account = session::account_in(
        auth_user_id,
        email.as_str().to_owned(),
        memberships,
        Some(invite.company_id),
    );
    Ok(session::issue(deps, account, cmd.client, previous).await?)
}

/// The identity of a signed-in caller allowed to take `invite`: same e-mail and, in Supabase
/// mode, an e-mail Supabase itself says is verified.
async fn signed_in_as(
    deps: &Deps,
    credential: Credential,
    invite: &InviteRecord,
) -> Result<AuthUserId, AcceptInviteError> {
    let (id, email, verified) = match credential {
        Credential::Session(token) => {
            let session = session::resolve(deps, token)
                .await?
                .ok_or(AcceptInviteError::SignInRequired)?;
            let identity = deps
                .identities
                .find_by_id(session.auth_user_id)
                .await?
                .ok_or(AcceptInviteError::SignInRequired)?;
            let verified = identity.provider == IdentityProvider::Local
                || identity.email_verified_at.is_some();
            (identity.id, identity.email, verified)
        }
        Credential::Bearer(token) if token.starts_with(API_TOKEN_PREFIX) => {
            return Err(AcceptInviteError::SignInRequired);
        }
        Credential::Bearer(token) => {
            let external = deps
                .external
                .as_ref()
                .ok_or(AcceptInviteError::SignInRequired)?;
            // The provider's own record (not the token's claims) says whether the e-mail is
            // verified; asked with no unit of work open.
            let user = external.current_user(token).await.map_err(|e| match e {
                ExternalAuthError::Unavailable(e) => AcceptInviteError::ProviderUnavailable(e),
                ExternalAuthError::InvalidCredentials | ExternalAuthError::RateLimited => {
                    AcceptInviteError::SignInRequired
                }
            })?;
            let id = super::sign_in::ensure_external_identity(deps, &user, true).await?;
            let email = user.email.unwrap_or_default().to_lowercase();
            (id, email, user.email_verified)
        }
    };
    if email != invite.email {
        return Err(AcceptInviteError::EmailMismatch);
    }
    if deps.external.is_some() && !verified {
        return Err(AcceptInviteError::EmailNotVerified);
    }
    Ok(id)
}

#[cfg(test)]
#[path = "accept_invite_tests.rs"]
mod tests;
