//! `POST /api/integrations`.

use actix_web::{HttpResponse, web};
use app::integrations::{CreateIntegration, CreateIntegrationError};
use garde::Validate;

use super::dto::{CreateIntegrationRequest, IntegrationDto};
use super::invalid;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Connects a channel account to the clinic (admin only). Secrets are stored encrypted and never
/// returned; the response says which are set (`has_*`).
///
/// # Errors
/// 401, 403 `forbidden`, 409 `integration_exists` (the provider and account id are taken, by this
/// clinic or another), 422.
#[utoipa::path(
    post,
    path = "/api/integrations",
    tag = "integrations",
    request_body = CreateIntegrationRequest,
    responses(
        (status = 201, description = "Created", body = IntegrationDto),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Provider and account id already in use", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    body: web::Json<CreateIntegrationRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = CreateIntegration {
        provider: body.provider.into(),
        account_id: body.account_id,
        config: body.config,
        secrets: body.secrets.into(),
    };
    match state.integrations.create(caller, cmd).await {
        Ok(record) => Ok(HttpResponse::Created().json(IntegrationDto::from(record))),
        Err(CreateIntegrationError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(CreateIntegrationError::Invalid(issues)) => Err(invalid(issues)),
        Err(CreateIntegrationError::AccountTaken) => Err(Problem::conflict(
            "integration_exists",
            "an integration with this provider and account id already exists",
        )),
        Err(CreateIntegrationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
