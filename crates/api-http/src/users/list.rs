//! `GET /api/users`.

use actix_web::{HttpResponse, web};
use app::users::{ListMembersError, list_members};

use super::dto::{UserDto, UserList};
use crate::pagination::{List, PageQuery};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// The list's cursors (keyed by id).
const LIST: List<uuid::Uuid> = List::new("users");

/// The clinic's members, in id order (admin only).
///
/// # Errors
/// 401, 403 `forbidden` for staff, 422 for a bad `limit`/`cursor`.
#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of members", body = UserList),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let page = query.page(&LIST)?;
    match list_members(&state.deps, caller, page).await {
        Ok(page) => Ok(HttpResponse::Ok().json(UserList {
            data: page.data.into_iter().map(UserDto::from).collect(),
            next_cursor: LIST.encode(page.next.as_ref()),
        })),
        Err(ListMembersError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(ListMembersError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
