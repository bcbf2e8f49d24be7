//! Issuing and resolving server-side sessions, and the account (with its clinics) behind a
//! credential.

use super::SignedIn;
use super::{Account, Credential};
use crate::Deps;
use domain::auth::{Membership, NewSession, SessionRecord, TokenHash, UserStatus};
use domain::ports::accounts::CredentialChange;
use domain::ports::external_auth::ExternalAuthError;
use domain::{AuthUserId, CompanyId};

/// Where a new session comes from (stored for the user's session list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// Client address.
    pub ip: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

/// Creates a session for `account`, acting in the clinic of `account.membership` (a new 256-bit
/// token; only its hash is stored). A session the client already held is deleted: the id
/// changes at every sign-in and every switch (session fixation).
pub(crate) async fn issue(
    deps: &Deps,
    account: Account,
    client: ClientInfo,
    previous: Option<String>,
) -> anyhow::Result<SignedIn> {
    if let Some(old) = previous {
        let hash = deps.tokens.hash(old);
        deps.sessions.delete(hash).await?;
        deps.principals.forget(CredentialChange::Session(hash));
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
            active_company_id: account.membership.as_ref().map(|m| m.company_id),
        })
        .await?;
    Ok(SignedIn {
        session_token: token,
        expires_at,
        account,
        device_cookie: None,
    })
}

/// The session behind a cookie value, if it exists and has not expired. Expired sessions are
/// deleted; activity slides the idle deadline, written at most once per `touch_every`.
pub(crate) async fn resolve(deps: &Deps, token: String) -> anyhow::Result<Option<SessionRecord>> {
    resolve_hash(deps, deps.tokens.hash(token)).await
}

/// [`resolve`] by the token's hash; the record returned carries the use just written, if any.
pub(crate) async fn resolve_hash(
    deps: &Deps,
    hash: TokenHash,
) -> anyhow::Result<Option<SessionRecord>> {
    let Some(mut session) = deps.sessions.find(hash).await? else {
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
        session.last_seen_at = now;
        session.idle_expires_at = idle;
    }
    Ok(Some(session))
}

/// The membership a session acts with: the one of its active clinic (whatever its status, so a
/// disabled membership is refused, not silently replaced), or, for a session without one, the
/// oldest active membership.
pub(crate) fn active_membership(
    memberships: &[Membership],
    active: Option<CompanyId>,
) -> Option<Membership> {
    match active {
        Some(company) => memberships.iter().find(|m| m.company_id == company),
        None => memberships.iter().find(|m| m.status == UserStatus::Active),
    }
    .cloned()
}

/// The account behind a session cookie or an external bearer token, acting in the session's
/// clinic (external bearer tokens: the oldest active membership). API tokens are not accounts:
/// `None`.
pub(crate) async fn account_for(
    deps: &Deps,
    credential: Credential,
) -> Result<Option<Account>, AccountLookupError> {
    let (auth_user_id, active) = match credential {
        Credential::Session(token) => match resolve(deps, token).await? {
            Some(session) => (session.auth_user_id, session.active_company_id),
            None => return Ok(None),
        },
        Credential::Bearer(token) if token.starts_with(super::API_TOKEN_PREFIX) => return Ok(None),
        Credential::Bearer(token) => {
            let Some(external) = &deps.external else {
                return Ok(None);
            };
            // The network call (JWKS) happens before any unit of work.
            match external.verify_bearer(token).await {
                Ok(user) => (
                    super::sign_in::ensure_external_identity(deps, &user, false).await?,
                    None,
                ),
                Err(ExternalAuthError::Unavailable(e)) => {
                    return Err(AccountLookupError::ProviderUnavailable(e));
                }
                Err(_) => return Ok(None),
            }
        }
    };
    let memberships = deps.directory.memberships_of(auth_user_id).await?;
    let membership = active_membership(&memberships, active);
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
        memberships,
    }))
}

/// An account whose active clinic is `company` (which must be among `memberships`).
pub(crate) fn account_in(
    auth_user_id: AuthUserId,
    email: String,
    memberships: Vec<Membership>,
    company: Option<CompanyId>,
) -> Account {
    let membership = company.and_then(|c| active_membership(&memberships, Some(c)));
    Account {
        auth_user_id,
        email: membership.as_ref().map_or(email, |m| m.email.clone()),
        membership,
        memberships,
    }
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
