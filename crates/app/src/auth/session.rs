//! Issuing and resolving server-side sessions.

use super::SignedIn;
use super::{Account, Credential};
use crate::Deps;
use domain::AuthUserId;
use domain::auth::NewSession;

/// Where a new session comes from (stored for the user's session list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// Client address.
    pub ip: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

/// Creates a session for `account` (a new 256-bit token; only its hash is stored). A session the
/// client already held is deleted: the id changes at every sign-in (session fixation).
pub(crate) async fn issue(
    deps: &Deps,
    account: Account,
    client: ClientInfo,
    previous: Option<String>,
) -> anyhow::Result<SignedIn> {
    if let Some(old) = previous {
        deps.sessions.delete(deps.tokens.hash(old)).await?;
    }
    let now = deps.clock.now();
    let token = deps.tokens.generate("")?;
    let expires_at = now + deps.policy.session_max;
    let idle_expires_at = (now + deps.policy.session_idle).min(expires_at);
    deps.sessions
        .create(NewSession {
            token_hash: deps.tokens.hash(token.clone()),
            auth_user_id: account.auth_user_id,
            created_at: now,
            idle_expires_at,
            expires_at,
            user_agent: client.user_agent.map(|ua| ua.chars().take(512).collect()),
            ip: client.ip.map(|ip| ip.chars().take(64).collect()),
        })
        .await?;
    Ok(SignedIn {
        session_token: token,
        expires_at,
        account,
    })
}

/// The identity behind a session cookie, if the session exists and has not expired. Expired
/// sessions are deleted; activity slides the idle deadline, written at most once per
/// `touch_every`.
pub(crate) async fn resolve(deps: &Deps, token: String) -> anyhow::Result<Option<AuthUserId>> {
    let hash = deps.tokens.hash(token);
    let Some(session) = deps.sessions.find(hash).await? else {
        return Ok(None);
    };
    let now = deps.clock.now();
    if now >= session.expires_at || now >= session.idle_expires_at {
        deps.sessions.delete(hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= deps.policy.touch_every {
        let idle = (now + deps.policy.session_idle).min(session.expires_at);
        deps.sessions.touch(session.id, now, idle).await?;
    }
    Ok(Some(session.auth_user_id))
}

/// The account behind a session cookie or an external bearer token. API tokens are not
/// accounts: `None`.
pub(crate) async fn account_for(
    deps: &Deps,
    credential: Credential,
) -> Result<Option<Account>, AccountLookupError> {
    let auth_user_id = match credential {
        Credential::Session(token) => match resolve(deps, token).await? {
            Some(id) => id,
            None => return Ok(None),
        },
        Credential::Bearer(token) if token.starts_with(super::API_TOKEN_PREFIX) => return Ok(None),
        Credential::Bearer(token) => {
            let Some(external) = &deps.external else {
                return Ok(None);
            };
            match external.verify_bearer(token).await {
                Ok(user) => super::sign_in::ensure_external_identity(deps, &user).await?,
                Err(domain::ports::external_auth::ExternalAuthError::Unavailable(e)) => {
                    return Err(AccountLookupError::ProviderUnavailable(e));
                }
                Err(_) => return Ok(None),
            }
        }
    };
    let membership = deps.directory.membership_of(auth_user_id).await?;
    let email = match &membership {
        Some(m) => m.email.clone(),
        None => match deps.identities.find_by_id(auth_user_id).await? {
            Some(identity) => identity.email,
            // The identity was deleted under a live session.
            None => return Ok(None),
        },
    };
    Ok(Some(Account {
        auth_user_id,
        email,
        membership,
    }))
}

/// Failures of [`account_for`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum AccountLookupError {
    /// The external provider (JWKS) could not be reached.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}
