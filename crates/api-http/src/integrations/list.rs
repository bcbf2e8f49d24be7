//! `GET /api/integrations`.

use actix_web::{HttpResponse, web};
use app::integrations::ListIntegrationsError;

use super::dto::{IntegrationDto, IntegrationList};
use crate::pagination::{List, PageQuery};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// The list's cursors (keyed by id).
const LIST: List<uuid::Uuid> = List::new("integrations");

/// The clinic's integrations, in id order, without secrets (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 422 for a bad `limit`/`cursor`.
#[utoipa::path(
    get,
    path = "/api/integrations",
    tag = "integrations",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of integrations", body = IntegrationList),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let page = query.page(&LIST)?;
    match state.integrations.list(caller, page).await {
        Ok(page) => Ok(HttpResponse::Ok().json(IntegrationList {
            data: page.data.into_iter().map(IntegrationDto::from).collect(),
            next_cursor: LIST.encode(page.next.as_ref()),
        })),
        Err(ListIntegrationsError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(ListIntegrationsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
