//! `POST /api/users/{id}/invite` (re-invite) and `POST /api/users/{id}/password-reset`.

use actix_web::{HttpResponse, web};
use app::auth::{IssueResetError, issue_password_reset};
use app::users::{ReinviteMemberError, reinvite_member};
use domain::UserId;
use uuid::Uuid;

use super::dto::{CreatedUser, PasswordResetDto, UserDto};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Issues a fresh one-time invitation token (valid 7 days) for a member who has not joined —
/// invited, or revoked — who becomes `invited` again; any earlier token dies (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`, 409 `already_joined` (enable or disable them
/// instead).
#[utoipa::path(
    post,
    path = "/api/users/{id}/invite",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 200, description = "A new invitation token (shown once)", body = CreatedUser),
        (status = 404, description = "No such member in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The member already joined", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn reinvite(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match reinvite_member(&state.deps, caller, UserId(id.into_inner())).await {
        Ok(created) => {
            let (invite_token, invite_expires_at) = created.invite.unzip();
            Ok(HttpResponse::Ok().json(CreatedUser {
                user: UserDto::from(created.member),
                invite_token,
                invite_expires_at,
            }))
        }
        Err(ReinviteMemberError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(ReinviteMemberError::NotFound) => Err(Problem::not_found()),
        Err(ReinviteMemberError::AlreadyJoined) => Err(Problem::conflict(
            "already_joined",
            "the member already joined; enable or disable them instead",
        )),
        Err(ReinviteMemberError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Issues a one-time password reset token (valid 24 hours) for a member of this clinic whose
/// account belongs to no other clinic; a pending token of that account is replaced. Atende sends
/// no e-mail: hand the token over, and the member sets a new password at
/// `POST /auth/reset-password`, which ends every session of the account (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`, 409 `not_joined` (re-invite instead), 409
/// `not_local_account` (the password lives in Supabase), 409 `account_shared` (the account is
/// also a member of another clinic: the person changes it, or the operator runs
/// `atende user reset-password`).
#[utoipa::path(
    post,
    path = "/api/users/{id}/password-reset",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 201, description = "A reset token (shown once)", body = PasswordResetDto),
        (status = 404, description = "No such member in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not joined, not a local account, or shared with another clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn password_reset(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match issue_password_reset(&state.deps, caller, UserId(id.into_inner())).await {
        Ok(issued) => Ok(HttpResponse::Created().json(PasswordResetDto {
            reset_token: issued.token,
            expires_at: issued.expires_at,
        })),
        Err(IssueResetError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(IssueResetError::NotFound) => Err(Problem::not_found()),
        Err(IssueResetError::NotJoined) => Err(Problem::conflict(
            "not_joined",
            "the member has not joined yet; re-send the invitation instead",
        )),
        Err(IssueResetError::NotLocalAccount) => Err(Problem::conflict(
            "not_local_account",
            "the password is managed by the identity provider",
        )),
        Err(IssueResetError::AccountShared) => Err(Problem::conflict(
            "account_shared",
            "the account also belongs to another clinic; the person changes the password, or \
             the operator resets it",
        )),
        // Only the operator's reset by e-mail can be ambiguous.
        Err(IssueResetError::Ambiguous) => Err(Problem::from_internal("ambiguous admin reset")),
        Err(IssueResetError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
