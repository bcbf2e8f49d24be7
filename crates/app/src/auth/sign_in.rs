//! `POST /auth/signin`: e-mail and password in, a new session out.

use super::session::{self, ClientInfo};
use super::throttle::{self, Keys};
use super::{SignedIn, busy_or};
use crate::Deps;
use domain::AuthUserId;
use domain::auth::{Email, Identity, Password, UserStatus};
use domain::ports::accounts::{CreateIdentityError, MAX_ACCOUNTS_PER_EMAIL};
use domain::ports::crypto::{HashError, PasswordVerdict};
use domain::ports::external_auth::{ExternalAuthError, ExternalAuthProvider, ExternalUser};

/// A sign-in attempt.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The e-mail as typed.
    pub email: String,
    /// The password.
    pub password: Password,
    /// Where the attempt comes from (also the per-address throttle key).
    pub client: ClientInfo,
    /// The session cookie the client already held, if any (replaced).
    pub previous_session: Option<String>,
    /// The trusted-device cookie the browser holds, if any.
    pub device: Option<String>,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown e-mail, wrong password, or an account disabled in every clinic (never says
    /// which: a right password of a disabled account gets exactly this answer).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many attempts for this e-mail from this address, or from this address; retry after
    /// `retry_after_secs`.
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// Password hashing is saturated; nothing was checked (the attempt is given back).
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

/// `Retry-After` when hashing is saturated before the attempt starts (as the adapter answers).
const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// Refuses at once (busy) when password hashing is saturated — unless the browser presents a
/// trusted-device cookie for this e-mail, whose check takes the reserved lane — then counts the
/// attempt (per e-mail and address, and per address) and refuses it past a limit,
/// THEN checks the password (locally, or with the external provider in Supabase mode), and
/// issues a session acting in the oldest active membership. Unknown e-mails cost one dummy
/// argon2 verification, so the answer and its timing are the same as for a wrong password; an
/// account disabled in every clinic gets that same answer too.
///
/// # Errors
/// [`SignInError`].
pub async fn sign_in(deps: &Deps, cmd: SignIn) -> Result<SignedIn, SignInError> {
    let now = deps.clock.now();
    let email_key = cmd.email.trim().to_lowercase();
    let trusted = match (&deps.devices, &cmd.device) {
        (Some(devices), Some(cookie)) => devices.trusts(cookie, &email_key, now),
        _ => false,
    };
    // Admitted to the common hashing lane before any database work (held to the end): a
    // burst of bogus sign-ins beyond what hashing can take costs no round trips, and a refused
    // attempt is never counted. A trusted device has its own lane; Supabase hashes elsewhere.
    let _ticket = if trusted || deps.external.is_some() {
        None
    } else {
        Some(deps.passwords.admit().ok_or(SignInError::Busy {
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        })?)
    };
    let keys = Keys::new(deps, &cmd.email, cmd.client.ip.as_deref());
    if let Some(retry_after_secs) = throttle::attempt(deps, &keys, now).await? {
        return Err(SignInError::TooManyAttempts { retry_after_secs });
    }
    let checked = match &deps.external {
        None => check_local(deps, &cmd, trusted).await,
        Some(external) => check_external(deps, external.as_ref(), &cmd).await,
    };
    let (auth_user_id, email) = match checked {
        Ok(Some(found)) => found,
        Ok(None) => return Err(SignInError::InvalidCredentials),
        Err(SignInError::Busy { retry_after_secs }) => {
            throttle::not_tried(deps, &keys).await?;
            return Err(SignInError::Busy { retry_after_secs });
        }
        Err(e) => return Err(e),
    };
    let memberships = deps.directory.memberships_of(auth_user_id).await?;
    let active = memberships
        .iter()
        .find(|m| m.status == UserStatus::Active)
        .map(|m| m.company_id);
    if active.is_none() && !memberships.is_empty() {
        // Disabled in every clinic: indistinguishable from a wrong password, and the attempt
        // stays counted.
        return Err(SignInError::InvalidCredentials);
    }
    throttle::succeeded(deps, &keys).await?;
    let account = session::account_in(auth_user_id, email, memberships, active);
    let mut signed_in = session::issue(deps, account, cmd.client, cmd.previous_session).await?;
    signed_in.device_cookie = deps.devices.as_ref().and_then(|devices| {
        devices
            .issue(&email_key, now)
            .inspect_err(|e| tracing::warn!(error = %e, "no device cookie issued"))
            .ok()
    });
    Ok(signed_in)
}

/// The identity (and its e-mail) whose local password matches, if any. Several local accounts
/// may share an address (no clinic owns one): each one's password is checked, oldest first, and
/// the first that matches signs in.
async fn check_local(
    deps: &Deps,
    cmd: &SignIn,
    trusted: bool,
) -> Result<Option<(AuthUserId, String)>, SignInError> {
    let busy = |e| match busy_or(e) {
        Ok(retry_after_secs) => SignInError::Busy { retry_after_secs },
        Err(e) => SignInError::Unknown(e),
    };
    let found = match Email::parse(&cmd.email) {
        Ok(email) => deps.identities.find_by_email(email).await?,
        Err(_) => Vec::new(),
    };
    let candidates: Vec<(Identity, String)> = found
        .into_iter()
        .filter_map(|i| {
            let phc = i.password_hash.clone()?;
            Some((i, phc))
        })
        .take(MAX_ACCOUNTS_PER_EMAIL)
        .collect();
    if candidates.is_empty() {
        deps.passwords
            .verify_dummy(cmd.password.clone())
            .await
            .map_err(busy)?;
        return Ok(None);
    }
    for (identity, phc) in candidates {
        let verdict = if trusted {
            verify_trusted(deps, &cmd.password, phc).await
        } else {
            deps.passwords.verify(cmd.password.clone(), phc).await
        }
        .map_err(busy)?;
        if !verdict.valid {
            continue;
        }
        if verdict.needs_rehash {
            // Best effort: a failed (or refused) upgrade must not fail a correct sign-in.
            let upgraded = match deps.passwords.hash(cmd.password.clone()).await {
                Ok(hash) => deps.identities.set_password_hash(identity.id, hash).await,
                Err(e) => Err(anyhow::anyhow!("{e}")),
            };
            if let Err(e) = upgraded {
                tracing::warn!(error = %e, "password rehash failed");
            }
        }
        return Ok(Some((identity.id, identity.email)));
    }
    Ok(None)
}

/// Checks in the trusted devices' lane; when that lane is full (anyone holding a device cookie
/// of their own account can fill it), takes a place in the common lane instead, as a browser
/// without a cookie would: a full reserved lane never makes a trusted sign-in worse off.
async fn verify_trusted(
    deps: &Deps,
    password: &Password,
    phc: String,
) -> Result<PasswordVerdict, HashError> {
    match deps
        .passwords
        .verify_trusted(password.clone(), phc.clone())
        .await
    {
        Err(HashError::Busy { retry_after_secs }) => {
            let Some(_ticket) = deps.passwords.admit() else {
                return Err(HashError::Busy { retry_after_secs });
            };
            deps.passwords.verify(password.clone(), phc).await
        }
        other => other,
    }
}

async fn check_external(
    deps: &Deps,
    external: &dyn ExternalAuthProvider,
    cmd: &SignIn,
) -> Result<Option<(AuthUserId, String)>, SignInError> {
    let Ok(email) = Email::parse(&cmd.email) else {
        return Ok(None);
    };
    // No unit of work is open while the provider answers.
    match external
        .sign_in_with_password(email, cmd.password.clone())
        .await
    {
        Ok(user) => {
            let id = ensure_external_identity(deps, &user, true).await?;
            Ok(Some((id, user.email.unwrap_or_default().to_lowercase())))
        }
        Err(ExternalAuthError::InvalidCredentials) => Ok(None),
        Err(ExternalAuthError::RateLimited) => Err(SignInError::TooManyAttempts {
            retry_after_secs: 60,
        }),
        Err(ExternalAuthError::Unavailable(e)) => Err(SignInError::ProviderUnavailable(e)),
    }
}

/// Mirrors an external user as an identity (provider `supabase`, id = `sub`, no password). With
/// `authoritative` (the provider's own answer to a sign-in), the stored e-mail and its
/// verification are brought up to date; a locally verified bearer token only creates the
/// identity the first time it is seen. Nothing links the identity to a clinic: only accepting
/// an invitation does.
pub(crate) async fn ensure_external_identity(
    deps: &Deps,
    user: &ExternalUser,
    authoritative: bool,
) -> anyhow::Result<AuthUserId> {
    if !authoritative
        && deps
            .identities
            .find_by_id(user.auth_user_id)
            .await?
            .is_some()
    {
        return Ok(user.auth_user_id);
    }
    let email = user
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|_| anyhow::anyhow!("the identity provider sent an invalid e-mail"))?
        .ok_or_else(|| anyhow::anyhow!("the identity provider sent no e-mail"))?;
    let verified_at = (authoritative && user.email_verified).then(|| deps.clock.now());
    match deps
        .identities
        .sync_external(user.auth_user_id, email, verified_at)
        .await
    {
        Ok(()) => Ok(user.auth_user_id),
        Err(CreateIdentityError::Exists) => Err(anyhow::anyhow!(
            "an identity with this e-mail exists under another id"
        )),
        Err(CreateIdentityError::Other(e)) => Err(e),
    }
}

#[cfg(test)]
#[path = "sign_in_tests.rs"]
mod tests;
