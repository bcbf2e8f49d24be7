//! `PATCH /api/users/{id}`.

use actix_web::{HttpResponse, web};
use app::users::{UpdateMemberError, update_member};
use domain::UserId;
use domain::auth::{MemberPatch, UserStatus};
use garde::Validate;
use uuid::Uuid;

use super::dto::{SettableStatus, UpdateUserRequest, UserDto};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Changes a member's name, role or status (admin only). Disabling ends the member's sessions in
/// this clinic at once, and disabling an invited member revokes the invitation (its token
/// dies; `POST /api/users/{id}/invite` issues a new one); demoting or disabling the last active
/// admin is refused.
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`, 409 `last_admin`, 422.
#[utoipa::path(
    patch,
    path = "/api/users/{id}",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Member id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = UserDto),
        (status = 404, description = "No such member in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Would leave the clinic without an active admin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    let patch = MemberPatch {
        name: body.name,
        role: body.role,
        status: body.status.map(|s| match s {
            SettableStatus::Active => UserStatus::Active,
            SettableStatus::Disabled => UserStatus::Disabled,
        }),
    };
    match update_member(&state.deps, caller, UserId(id.into_inner()), patch).await {
        Ok(member) => Ok(HttpResponse::Ok().json(UserDto::from(member))),
        Err(UpdateMemberError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(UpdateMemberError::NotFound) => Err(Problem::not_found()),
        Err(UpdateMemberError::InvalidName) => Err(Problem::validation(vec![FieldError::new(
            "name",
            "must not be blank",
        )])),
        Err(UpdateMemberError::InvalidStatus) => Err(Problem::validation(vec![FieldError::new(
            "status",
            "a member who has not joined becomes active only by accepting an invitation",
        )])),
        Err(UpdateMemberError::LastAdmin) => Err(Problem::conflict(
            "last_admin",
            "the clinic must keep at least one active admin",
        )),
        Err(UpdateMemberError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
