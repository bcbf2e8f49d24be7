//! `POST /api/services`.

use actix_web::{HttpResponse, web};
use app::catalog::{CreateServiceError, CreateServiceInput};

use super::dto::{CreateServiceRequest, ServiceDto};
use super::service_exists;
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Adds a service to the catalogue.
///
/// # Errors
/// 401, 409 `service_exists` (with `service_id`), 422 naming each bad field.
#[utoipa::path(
    post,
    path = "/api/services",
    tag = "services",
    request_body = CreateServiceRequest,
    responses(
        (status = 201, description = "Created", body = ServiceDto),
        (status = 409, description = "Name taken (`service_exists`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreateServiceRequest = body(json.into_inner())?;
    let input = CreateServiceInput {
        name: req.name,
        description: req.description,
        price_cents: req.price_cents,
        currency: req.currency,
        duration_minutes: req.duration_minutes,
        active: req.active,
    };
    match state.crm.create_service().run(caller.tenant(), input).await {
        Ok(service) => Ok(HttpResponse::Created().json(ServiceDto::from(service))),
        Err(CreateServiceError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreateServiceError::NameTaken { existing }) => Err(service_exists(existing)),
        Err(CreateServiceError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
