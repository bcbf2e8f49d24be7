//! `POST /api/integrations`.

use actix_web::{HttpResponse, web};
use app::integrations::{CreateIntegration, CreateIntegrationError};
use garde::Validate;

use super::dto::{CreateIntegrationRequest, IntegrationDto};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Connects a channel account to the clinic (admin only). Secrets are stored encrypted and never
/// returned; the response says which are set (`has_*`).
///
/// Account ids are unique per clinic, never across clinics: another clinic holding the same
/// account id neither blocks this one nor is revealed by it; a delivery goes to the integration
/// whose own secret signs it (docs/integrations.md).
///
/// # Errors
/// 401, 403 `forbidden`, 409 `integration_exists` (this clinic already has this provider and
/// account id), 422.
#[utoipa::path(
    post,
    path = "/api/integrations",
    tag = "integrations",
    request_body = CreateIntegrationRequest,
    responses(
        (status = 201, description = "Created", body = IntegrationDto),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "This clinic already has this provider and account id", body = ProblemDoc, content_type = "application/problem+json"),
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
        Ok(record) => {
            // Deliveries for this account may have been remembered as routing nowhere.
            state
                .inbound
                .forget_unknown_account(record.provider, &record.account_id);
            Ok(HttpResponse::Created().json(IntegrationDto::from(record)))
        }
        Err(CreateIntegrationError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(CreateIntegrationError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreateIntegrationError::AccountTaken) => Err(Problem::conflict(
            "integration_exists",
            "this clinic already has an integration with this provider and account id",
        )),
        Err(CreateIntegrationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
