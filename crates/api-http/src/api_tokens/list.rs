//! `GET /api/api-tokens`.

use actix_web::{HttpResponse, web};
use app::api_tokens::{ListApiTokensError, list_api_tokens};

use super::dto::{ApiTokenDto, ApiTokenList};
use crate::pagination::{List, PageQuery};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// The list's cursors (keyed by id).
const LIST: List<uuid::Uuid> = List::new("api_tokens");

/// The clinic's API tokens, without their values (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 422.
#[utoipa::path(
    get,
    path = "/api/api-tokens",
    tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tokens", body = ApiTokenList),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let page = query.page(&LIST)?;
    match list_api_tokens(&state.deps, caller, page).await {
        Ok(page) => Ok(HttpResponse::Ok().json(ApiTokenList {
            data: page.data.into_iter().map(ApiTokenDto::from).collect(),
            next_cursor: LIST.encode(page.next.as_ref()),
        })),
        Err(ListApiTokensError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(ListApiTokensError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
