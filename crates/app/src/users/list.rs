//! `GET /api/users`.

use crate::Deps;
use domain::auth::{Member, Principal};
use domain::page::{Page, PageRequest};

/// Why the members could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListMembersError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// A page of the caller's clinic's members.
///
/// # Errors
/// [`ListMembersError`].
pub async fn list_members(
    deps: &Deps,
    caller: Principal,
    page: PageRequest,
) -> Result<Page<Member>, ListMembersError> {
    if !caller.is_admin() {
        return Err(ListMembersError::Forbidden);
    }
    Ok(deps.members.list(caller.tenant(), page).await?)
}
