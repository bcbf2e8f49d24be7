//! `POST /api/users/{id}/invite`: a fresh invitation token for a member who has not joined.

use super::CreatedMember;
use crate::Deps;
use domain::UserId;
use domain::auth::Principal;
use domain::ports::members::ReinviteError;

/// Why the invitation was not issued again.
#[derive(Debug, thiserror::Error)]
pub enum ReinviteMemberError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such member in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// The member already joined: enable or disable them instead.
    #[error("already joined")]
    AlreadyJoined,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Issues a new one-time token (valid for the policy's `invite_ttl`) for an invited or revoked
/// member of the caller's clinic; the member is `invited` again and any earlier token dies.
///
/// # Errors
/// [`ReinviteMemberError`].
pub async fn reinvite_member(
    deps: &Deps,
    caller: Principal,
    id: UserId,
) -> Result<CreatedMember, ReinviteMemberError> {
    if !caller.is_admin() {
        return Err(ReinviteMemberError::Forbidden);
    }
    let token = deps.tokens.generate(crate::auth::INVITE_TOKEN_PREFIX)?;
    let expires_at = deps.clock.now() + deps.policy.invite_ttl;
    let member = deps
        .members
        .reinvite(
            caller.tenant(),
            id,
            deps.tokens.hash(token.clone()),
            expires_at,
        )
        .await
        .map_err(|e| match e {
            ReinviteError::NotFound => ReinviteMemberError::NotFound,
            ReinviteError::AlreadyJoined => ReinviteMemberError::AlreadyJoined,
            ReinviteError::Other(e) => ReinviteMemberError::Unknown(e),
        })?;
    Ok(CreatedMember {
        member,
        invite: Some((token, expires_at)),
    })
}
