//! `GET /api/users/{id}`.

use actix_web::{HttpResponse, web};
use app::users::{GetMemberError, get_member};
use domain::UserId;
use uuid::Uuid;

use super::dto::UserDto;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// One member of the clinic (admin only); another clinic's id is 404.
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`.
#[utoipa::path(
    get,
    path = "/api/users/{id}",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = UserDto),
        (status = 404, description = "No such member in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match get_member(&state.deps, caller, UserId(id.into_inner())).await {
        Ok(member) => Ok(HttpResponse::Ok().json(UserDto::from(member))),
        Err(GetMemberError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(GetMemberError::NotFound) => Err(Problem::not_found()),
        Err(GetMemberError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
