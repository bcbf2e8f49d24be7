//! `PATCH /api/integrations/{id}`.

use actix_web::{HttpResponse, web};
use app::integrations::UpdateIntegrationError;
use domain::IntegrationId;
use domain::integration_admin::IntegrationPatch;
use garde::Validate;
use uuid::Uuid;

use super::dto::{IntegrationDto, UpdateIntegrationRequest};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Changes an integration (admin only): `config` replaces the whole object; in `secrets` a value
/// rotates that secret, `null` removes it and an absent key keeps it; `status` pauses or resumes
/// it. The provider and account id cannot change.
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`, 422 (nothing is changed).
#[utoipa::path(
    patch,
    path = "/api/integrations/{id}",
    tag = "integrations",
    params(("id" = Uuid, Path, description = "Integration id")),
    request_body = UpdateIntegrationRequest,
    responses(
        (status = 200, description = "Updated", body = IntegrationDto),
        (status = 404, description = "No such integration in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateIntegrationRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    let patch = IntegrationPatch {
        config: body.config,
        secrets: body.secrets.map(Into::into).unwrap_or_default(),
        status: body.status.map(Into::into),
    };
    match state
        .integrations
        .update(caller, IntegrationId(id.into_inner()), patch)
        .await
    {
        Ok(record) => {
            state
                .inbound
                .forget_unknown_account(record.provider, &record.account_id);
            Ok(HttpResponse::Ok().json(IntegrationDto::from(record)))
        }
        Err(UpdateIntegrationError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(UpdateIntegrationError::NotFound) => Err(Problem::not_found()),
        Err(UpdateIntegrationError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdateIntegrationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
