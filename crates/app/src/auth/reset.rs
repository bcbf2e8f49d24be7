//! Password resets without an e-mail server: an admin (or the operator's CLI) issues a
//! one-time token, hands it over like an invitation token, and the member redeems it at
//! `POST /auth/reset-password`.

use super::{RESET_TOKEN_PREFIX, busy_or};
use crate::{Deps, deps::password_acceptable};
use chrono::{DateTime, Utc};
use domain::auth::{Email, Identity, IdentityProvider, Password, Principal};
use domain::{AuthUserId, CompanyId, UserId};

/// A reset token, shown once.
#[derive(Debug, Clone)]
pub struct IssuedReset {
    /// `rst_…`: hand it over to the member; only its SHA-256 is stored.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Why a reset token was not issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueResetError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such member in the caller's clinic (or no such account, for the operator).
    #[error("not found")]
    NotFound,
    /// The member has not joined yet (re-send the invitation instead).
    #[error("the member has not joined")]
    NotJoined,
    /// The password lives with the identity provider (Supabase).
    #[error("the password is managed by the identity provider")]
    NotLocalAccount,
    /// The account is also a member of another clinic: one clinic's admin may not take over an
    /// account that another clinic trusts (the person changes it, or the operator resets it).
    #[error("the account belongs to other clinics too")]
    AccountShared,
    /// Several accounts use this e-mail (operator): name the clinic to pick one.
    #[error("several accounts use this e-mail; name the clinic")]
    Ambiguous,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

async fn issue(deps: &Deps, identity: &Identity) -> Result<IssuedReset, IssueResetError> {
    if identity.provider != IdentityProvider::Local || deps.external.is_some() {
        return Err(IssueResetError::NotLocalAccount);
    }
    let token = deps.tokens.generate(RESET_TOKEN_PREFIX)?;
    let expires_at = deps.clock.now() + deps.policy.reset_ttl;
    deps.resets
        .issue(identity.id, deps.tokens.hash(token.clone()), expires_at)
        .await?;
    Ok(IssuedReset { token, expires_at })
}

/// An admin issues a reset token for a member of their clinic whose account belongs to no
/// other clinic. A pending token of that account is replaced.
///
/// # Errors
/// [`IssueResetError`].
pub async fn issue_password_reset(
    deps: &Deps,
    caller: Principal,
    member: UserId,
) -> Result<IssuedReset, IssueResetError> {
    if !caller.is_admin() {
        return Err(IssueResetError::Forbidden);
    }
    let found = deps
        .members
        .get(caller.tenant(), member)
        .await?
        .ok_or(IssueResetError::NotFound)?;
    let auth_user_id: AuthUserId = found.auth_user_id.ok_or(IssueResetError::NotJoined)?;
    let memberships = deps.directory.memberships_of(auth_user_id).await?;
    if memberships
        .iter()
        .any(|m| m.company_id != caller.company_id)
    {
        return Err(IssueResetError::AccountShared);
    }
    let identity = deps
        .identities
        .find_by_id(auth_user_id)
        .await?
        .ok_or(IssueResetError::NotFound)?;
    issue(deps, &identity).await
}

/// The operator (`atende user reset-password`) issues a reset token for any local account: the
/// one with this e-mail, or, when several share it, the one that is a member of `company`.
///
/// # Errors
/// [`IssueResetError`] (never `Forbidden` nor `AccountShared`).
pub async fn issue_password_reset_by_email(
    deps: &Deps,
    email: &str,
    company: Option<CompanyId>,
) -> Result<IssuedReset, IssueResetError> {
    let email = Email::parse(email).map_err(|_| IssueResetError::NotFound)?;
    let mut found = Vec::new();
    for identity in deps.identities.find_by_email(email).await? {
        let member_of_company = match company {
            None => true,
            Some(company) => deps
                .directory
                .memberships_of(identity.id)
                .await?
                .iter()
                .any(|m| m.company_id == company),
        };
        if member_of_company {
            found.push(identity);
        }
    }
    match found.as_slice() {
        [] => Err(IssueResetError::NotFound),
        [identity] => issue(deps, identity).await,
        _ => Err(IssueResetError::Ambiguous),
    }
}

/// A reset being redeemed.
#[derive(Debug, Clone)]
pub struct RedeemReset {
    /// The `rst_…` token.
    pub token: String,
    /// The new password.
    pub new: Password,
}

/// Why a reset token was not redeemed.
#[derive(Debug, thiserror::Error)]
pub enum RedeemResetError {
    /// Unknown, used or expired token (never says which).
    #[error("invalid or expired reset token")]
    InvalidToken,
    /// The new password is too short or too long.
    #[error("password must have between {min} and {max} characters")]
    WeakPassword {
        /// Minimum characters.
        min: usize,
        /// Maximum characters.
        max: usize,
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

/// Sets the new password with a valid token and ends every session of the account, in one unit
/// of work; the token is spent. The token is checked before the (costly) hashing, so a bogus
/// token costs one indexed lookup.
///
/// # Errors
/// [`RedeemResetError`].
pub async fn redeem_password_reset(deps: &Deps, cmd: RedeemReset) -> Result<(), RedeemResetError> {
    if !password_acceptable(&cmd.new) {
        return Err(RedeemResetError::WeakPassword {
            min: crate::MIN_PASSWORD_CHARS,
            max: crate::MAX_PASSWORD_CHARS,
        });
    }
    let hash = deps.tokens.hash(cmd.token);
    let now = deps.clock.now();
    if deps.resets.find(hash, now).await?.is_none() {
        return Err(RedeemResetError::InvalidToken);
    }
    let phc = deps
        .passwords
        .hash(cmd.new)
        .await
        .map_err(|e| match busy_or(e) {
            Ok(retry_after_secs) => RedeemResetError::Busy { retry_after_secs },
            Err(e) => RedeemResetError::Unknown(e),
        })?;
    let identity = deps
        .resets
        .redeem(hash, now, phc)
        .await?
        .ok_or(RedeemResetError::InvalidToken)?;
    deps.principals.forget_identity(identity);
    Ok(())
}

#[cfg(test)]
#[path = "password_tests.rs"]
mod tests;
