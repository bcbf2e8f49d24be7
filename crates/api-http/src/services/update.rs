//! `PATCH /api/services/{id}`.

use actix_web::{HttpResponse, web};
use app::catalog::{ServicePatch, UpdateServiceError};
use domain::ServiceId;
use uuid::Uuid;

use super::dto::{ServiceDto, UpdateServiceRequest};
use super::service_exists;
use crate::clients::update::edit_conflict;
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Changes some fields of a service (`null` clears the description).
///
/// # Errors
/// 401, 404 `not_found`, 409 `service_exists` / `edit_conflict`, 422 naming each bad field.
#[utoipa::path(
    patch,
    path = "/api/services/{id}",
    tag = "services",
    params(("id" = Uuid, Path, description = "Service id")),
    request_body = UpdateServiceRequest,
    responses(
        (status = 200, description = "Updated", body = ServiceDto),
        (status = 404, description = "No such service in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Name taken or changed concurrently", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdateServiceRequest = body(json.into_inner())?;
    let patch = ServicePatch {
        name: req.name,
        description: req.description,
        price_cents: req.price_cents,
        currency: req.currency,
        duration_minutes: req.duration_minutes,
        active: req.active,
    };
    let id = ServiceId(id.into_inner());
    match state
        .crm
        .update_service()
        .run(caller.tenant(), id, patch)
        .await
    {
        Ok(service) => Ok(HttpResponse::Ok().json(ServiceDto::from(service))),
        Err(UpdateServiceError::NotFound) => Err(Problem::not_found()),
        Err(UpdateServiceError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdateServiceError::NameTaken { existing }) => Err(service_exists(existing)),
        Err(UpdateServiceError::Conflict) => Err(edit_conflict()),
        Err(UpdateServiceError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
