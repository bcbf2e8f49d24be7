//! `GET /api/services/{id}`.

use actix_web::{HttpResponse, web};
use app::catalog::GetServiceError;
use domain::ServiceId;
use uuid::Uuid;

use super::dto::ServiceDto;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// One service.
///
/// # Errors
/// 401, 404 `not_found` (also for another clinic's ids).
#[utoipa::path(
    get,
    path = "/api/services/{id}",
    tag = "services",
    params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = ServiceDto),
        (status = 404, description = "No such service in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = ServiceId(id.into_inner());
    match state.crm.get_service().run(caller.tenant(), id).await {
        Ok(service) => Ok(HttpResponse::Ok().json(ServiceDto::from(service))),
        Err(GetServiceError::NotFound) => Err(Problem::not_found()),
        Err(GetServiceError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
