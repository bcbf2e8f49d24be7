//! `GET /api/integrations/{id}`.

use actix_web::{HttpResponse, web};
use app::integrations::GetIntegrationError;
use domain::IntegrationId;
use uuid::Uuid;

use super::dto::IntegrationDto;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// One integration of the clinic, without secrets (admin only); another clinic's id is 404.
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`.
#[utoipa::path(
    get,
    path = "/api/integrations/{id}",
    tag = "integrations",
    params(("id" = Uuid, Path, description = "Integration id")),
    responses(
        (status = 200, description = "The integration", body = IntegrationDto),
        (status = 404, description = "No such integration in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .integrations
        .get(caller, IntegrationId(id.into_inner()))
        .await
    {
        Ok(record) => Ok(HttpResponse::Ok().json(IntegrationDto::from(record))),
        Err(GetIntegrationError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(GetIntegrationError::NotFound) => Err(Problem::not_found()),
        Err(GetIntegrationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
