//! `PATCH /api/users/{id}`: name, role, status.

use crate::Deps;
use domain::UserId;
use domain::auth::{Member, MemberPatch, Principal, Role, UserStatus, clean_label};
use domain::ports::members::UpdateMemberError as StoreError;

/// Why a member could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateMemberError {
    /// The caller is not an admin.
    #[error("forbidden")]
    Forbidden,
    /// No such member in the caller's clinic.
    #[error("not found")]
    NotFound,
    /// The name is blank, longer than 200 characters, or holds control characters.
    #[error("invalid name")]
    InvalidName,
    /// Only `active` and `disabled` can be set, and a member who never joined (invited, or a
    /// revoked invitation) cannot be activated by hand: accepting an invitation does that.
    #[error("invalid status change")]
    InvalidStatus,
    /// The change would leave the clinic without an active admin.
    #[error("last admin")]
    LastAdmin,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies `patch` to a member of the caller's clinic. Demoting or disabling the last active
/// admin is refused. Disabling an invited member revokes the invitation (its token dies);
/// disabling a member ends their sessions acting in this clinic at once (their sessions in
/// other clinics are not this clinic's to end; every request re-reads the membership anyway).
///
/// # Errors
/// [`UpdateMemberError`].
pub async fn update_member(
    deps: &Deps,
    caller: Principal,
    id: UserId,
    mut patch: MemberPatch,
) -> Result<Member, UpdateMemberError> {
    if !caller.is_admin() {
        return Err(UpdateMemberError::Forbidden);
    }
    if let Some(name) = &patch.name {
        patch.name = Some(clean_label(name, 200).ok_or(UpdateMemberError::InvalidName)?);
    }
    let tenant = caller.tenant();
    let current = deps
        .members
        .get(tenant, id)
        .await?
        .ok_or(UpdateMemberError::NotFound)?;
    let never_joined = current.auth_user_id.is_none() || current.status == UserStatus::Invited;
    match patch.status {
        Some(UserStatus::Invited) => return Err(UpdateMemberError::InvalidStatus),
        Some(UserStatus::Active) if never_joined => return Err(UpdateMemberError::InvalidStatus),
        _ => {}
    }
    let loses_admin = current.role == Role::Admin
        && current.status == UserStatus::Active
        && (patch.role == Some(Role::Staff) || patch.status == Some(UserStatus::Disabled));
    if loses_admin && deps.members.count_active_admins(tenant).await? <= 1 {
        return Err(UpdateMemberError::LastAdmin);
    }
    let disabling =
        patch.status == Some(UserStatus::Disabled) && current.status != UserStatus::Disabled;
    let updated = deps
        .members
        .update(tenant, id, patch)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => UpdateMemberError::NotFound,
            StoreError::LastAdmin => UpdateMemberError::LastAdmin,
            StoreError::NotJoined => UpdateMemberError::InvalidStatus,
            StoreError::Other(e) => UpdateMemberError::Unknown(e),
        })?;
    // Every other node hears it from the store (`atende_credentials`); this one at once.
    deps.principals
        .forget(domain::ports::accounts::CredentialChange::Member {
            user_id: id,
            auth_user_id: updated.auth_user_id,
        });
    if disabling && let Some(auth_user_id) = updated.auth_user_id {
        deps.sessions
            .delete_in_clinic(auth_user_id, tenant.company_id)
            .await?;
    }
    Ok(updated)
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
