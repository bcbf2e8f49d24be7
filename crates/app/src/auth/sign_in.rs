//! `POST /auth/signin`: e-mail and password in, a new session out.

use super::session::{self, ClientInfo};
use super::throttle::{self, Keys};
use super::{Account, SignedIn};
use crate::Deps;
use domain::AuthUserId;
use domain::auth::{Email, IdentityProvider, NewIdentity, Password, UserStatus};
use domain::ports::accounts::CreateIdentityError;
use domain::ports::external_auth::{ExternalAuthError, ExternalUser};

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
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown e-mail or wrong password (never says which).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures for this e-mail or address; retry after `retry_after_secs`.
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// The password is right but the member is disabled.
    #[error("user disabled")]
    UserDisabled,
    /// The external identity provider is unreachable.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Checks the throttle, then the password (locally, or with the external provider in Supabase
/// mode), and issues a new session. Unknown e-mails cost one dummy argon2 verification, so the
/// answer and its timing are the same as for a wrong password.
///
/// # Errors
/// [`SignInError`].
pub async fn sign_in(deps: &Deps, cmd: SignIn) -> Result<SignedIn, SignInError> {
    let now = deps.clock.now();
    let keys = Keys::new(deps, &cmd.email, cmd.client.ip.as_deref());
    if let Some(retry_after_secs) = throttle::blocked(deps, &keys, now).await? {
        return Err(SignInError::TooManyAttempts { retry_after_secs });
    }
    let verified = match &deps.external {
        None => check_local(deps, &cmd).await?,
        Some(external) => check_external(deps, external.as_ref(), &cmd).await?,
    };
    let Some(auth_user_id) = verified else {
        throttle::record_failure(deps, &keys, now).await?;
        return Err(SignInError::InvalidCredentials);
    };
    throttle::clear_email(deps, &keys).await?;
    let membership = deps.directory.membership_of(auth_user_id).await?;
    if membership
        .as_ref()
        .is_some_and(|m| m.status == UserStatus::Disabled)
    {
        return Err(SignInError::UserDisabled);
    }
    let email = match &membership {
        Some(m) => m.email.clone(),
        None => Email::parse(&cmd.email)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
    };
    let account = Account {
        auth_user_id,
        email,
        membership,
    };
    Ok(session::issue(deps, account, cmd.client, cmd.previous_session).await?)
}

/// The identity whose local password matches, if any.
async fn check_local(deps: &Deps, cmd: &SignIn) -> anyhow::Result<Option<AuthUserId>> {
    let identity = match Email::parse(&cmd.email) {
        Ok(email) => deps.identities.find_by_email(email).await?,
        Err(_) => None,
    };
    let Some((identity, phc)) = identity.and_then(|i| {
        let phc = i.password_hash.clone()?;
        Some((i, phc))
    }) else {
        deps.passwords.verify_dummy(cmd.password.clone()).await;
        return Ok(None);
    };
    let verdict = deps.passwords.verify(cmd.password.clone(), phc).await?;
    if !verdict.valid {
        return Ok(None);
    }
    if verdict.needs_rehash {
        // Best effort: a failed upgrade must not fail a correct sign-in.
        let upgraded = match deps.passwords.hash(cmd.password.clone()).await {
            Ok(hash) => deps.identities.set_password_hash(identity.id, hash).await,
            Err(e) => Err(e),
        };
        if let Err(e) = upgraded {
            tracing::warn!(error = %e, "password rehash failed");
        }
    }
    Ok(Some(identity.id))
}

async fn check_external(
    deps: &Deps,
    external: &dyn domain::ports::external_auth::ExternalAuthProvider,
    cmd: &SignIn,
) -> Result<Option<AuthUserId>, SignInError> {
    let Ok(email) = Email::parse(&cmd.email) else {
        return Ok(None);
    };
    match external
        .sign_in_with_password(email, cmd.password.clone())
        .await
    {
        Ok(user) => Ok(Some(ensure_external_identity(deps, &user).await?)),
        Err(ExternalAuthError::InvalidCredentials) => Ok(None),
        Err(ExternalAuthError::RateLimited) => Err(SignInError::TooManyAttempts {
            retry_after_secs: 60,
        }),
        Err(ExternalAuthError::Unavailable(e)) => Err(SignInError::ProviderUnavailable(e)),
    }
}

/// Mirrors an external user as an identity (provider `supabase`, id = `sub`, no password) the
/// first time it is seen; the database then links an invited member with the same e-mail.
pub(crate) async fn ensure_external_identity(
    deps: &Deps,
    user: &ExternalUser,
) -> anyhow::Result<AuthUserId> {
    if deps
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
    match deps
        .identities
        .create(NewIdentity {
            id: user.auth_user_id,
            email,
            provider: IdentityProvider::Supabase,
            password_hash: None,
        })
        .await
    {
        Ok(()) => Ok(user.auth_user_id),
        // Created concurrently by another request: fine. Taken by another identity: refuse.
        Err(CreateIdentityError::Exists) => {
            if deps
                .identities
                .find_by_id(user.auth_user_id)
                .await?
                .is_some()
            {
                Ok(user.auth_user_id)
            } else {
                Err(anyhow::anyhow!(
                    "an identity with this e-mail exists under another id"
                ))
            }
        }
        Err(CreateIdentityError::Other(e)) => Err(e),
    }
}

#[cfg(test)]
#[path = "sign_in_tests.rs"]
mod tests;
