//! `POST /api/users`: an active member with a password, or an invitation.

use crate::{Deps, deps::password_acceptable};
use chrono::{DateTime, Utc};
use domain::auth::{
    Email, IdentityProvider, Member, NewIdentity, NewMember, Password, Principal, Role, clean_label,
};
use domain::ports::members::CreateMemberError as StoreError;
use domain::{AuthUserId, UserId};

/// A member to add.
#[derive(Debug, Clone)]
pub struct CreateMember {
    /// E-mail (normalised here).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// With a password the account is active at once; without one an invitation is issued.
    pub password: Option<Password>,
}

/// The created member, and the one-time invitation token when one was issued.
#[derive(Debug, Clone)]
pub struct CreatedMember {
    /// The member.
    pub member: Member,
    /// The invitation token (shown once) and its expiry.
    pub invite: Option<(String, DateTime<Utc>)>,
}

/// Why a member could not be added.
#[derive(Debug, thiserror::Error)]
pub enum CreateMemberError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// The e-mail is not an address.
    #[error("invalid e-mail")]
    InvalidEmail,
    /// The name is blank, longer than 200 characters, or holds control characters.
    #[error("invalid name")]
    InvalidName,
    /// The password is too short or too long.
    #[error("password must have between {min} and {max} characters")]
    WeakPassword {
        /// Minimum characters.
        min: usize,
        /// Maximum characters.
        max: usize,
    },
    /// The clinic already has a member with this e-mail.
    #[error("user exists")]
    UserExists,
    /// A sign-in account with this e-mail exists already (a password cannot be set for it).
    #[error("account exists")]
    AccountExists,
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

/// Adds a member to the caller's clinic. With a password, the sign-in identity is created in the
/// same unit of work and the member is active; without one, the member is `invited` and gets a
/// one-time token valid for the policy's `invite_ttl` (only its hash is stored), in Supabase
/// mode too: the invited person accepts with that token (signed in, with a verified e-mail).
///
/// # Errors
/// [`CreateMemberError`].
pub async fn create_member(
    deps: &Deps,
    caller: Principal,
    cmd: CreateMember,
) -> Result<CreatedMember, CreateMemberError> {
    if !caller.is_admin() {
        return Err(CreateMemberError::Forbidden);
    }
    add_member(deps, caller.tenant(), cmd).await
}

/// [`create_member`] without the caller check (the CLI acts as the operator).
pub(crate) async fn add_member(
    deps: &Deps,
    tenant: domain::auth::Tenant,
    cmd: CreateMember,
) -> Result<CreatedMember, CreateMemberError> {
    let email = Email::parse(&cmd.email).map_err(|_| CreateMemberError::InvalidEmail)?;
    let name = clean_label(&cmd.name, 200).ok_or(CreateMemberError::InvalidName)?;
    let mut member = NewMember {
        id: UserId::new(),
        email: email.clone(),
        name,
        role: cmd.role,
        auth_user_id: None,
        invite: None,
    };
    let mut identity = None;
    let mut invite = None;
    match cmd.password {
        Some(password) => {
            if !password_acceptable(&password) {
                return Err(CreateMemberError::WeakPassword {
                    min: crate::MIN_PASSWORD_CHARS,
                    max: crate::MAX_PASSWORD_CHARS,
                });
            }
            // An admin may not set a password for an address that has an account: invite it,
            // and that person accepts signed in.
            if !deps
                .identities
                .find_by_email(email.clone())
                .await?
                .is_empty()
            {
                return Err(CreateMemberError::AccountExists);
            }
            let id = AuthUserId::new();
            identity = Some(NewIdentity {
                id,
                email,
                provider: IdentityProvider::Local,
                password_hash: Some(deps.passwords.hash(password).await.map_err(|e| {
                    match crate::auth::busy_or(e) {
                        Ok(retry_after_secs) => CreateMemberError::Busy { retry_after_secs },
                        Err(e) => CreateMemberError::Unknown(e),
                    }
                })?),
            });
            member.auth_user_id = Some(id);
        }
        None => {
            let token = deps.tokens.generate(crate::auth::INVITE_TOKEN_PREFIX)?;
            let expires_at = deps.clock.now() + deps.policy.invite_ttl;
            member.invite = Some((deps.tokens.hash(token.clone()), expires_at));
            invite = Some((token, expires_at));
        }
    }
    let member = deps
        .members
        .create(tenant, member, identity)
        .await
        .map_err(|e| match e {
            StoreError::EmailInClinic => CreateMemberError::UserExists,
            StoreError::AccountExists => CreateMemberError::AccountExists,
            StoreError::Other(e) => CreateMemberError::Unknown(e),
        })?;
    Ok(CreatedMember { member, invite })
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
