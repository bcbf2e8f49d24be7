//! `GET /api/users/{id}`.

use crate::Deps;
use domain::UserId;
use domain::auth::{Member, Principal};

/// Why a member could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum GetMemberError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such member in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One member of the caller's clinic.
///
/// # Errors
/// [`GetMemberError`].
pub async fn get_member(
    deps: &Deps,
    caller: Principal,
    id: UserId,
) -> Result<Member, GetMemberError> {
    if !caller.is_admin() {
        return Err(GetMemberError::Forbidden);
    }
    deps.members
        .get(caller.tenant(), id)
        .await?
        .ok_or(GetMemberError::NotFound)
}
