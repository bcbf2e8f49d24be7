//! `POST /api/api-tokens`.

use actix_web::{HttpResponse, web};
use app::api_tokens::{CreateApiTokenError, create_api_token};
use garde::Validate;

use super::dto::{ApiTokenDto, CreateApiTokenRequest, CreatedApiTokenDto};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Creates an API token; the response is the only time its value is shown (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 422.
#[utoipa::path(
    post,
    path = "/api/api-tokens",
    tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = CreateApiTokenRequest,
    responses(
        (status = 201, description = "Created", body = CreatedApiTokenDto),
        (status = 403, description = "Not an admin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    body: web::Json<CreateApiTokenRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    match create_api_token(&state.deps, caller, body.name, body.role).await {
        Ok(created) => Ok(HttpResponse::Created().json(CreatedApiTokenDto {
            token_info: ApiTokenDto::from(created.summary),
            token: created.token,
        })),
        Err(CreateApiTokenError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(CreateApiTokenError::InvalidName) => Err(Problem::validation(vec![FieldError::new(
            "name",
            "must not be blank",
        )])),
        Err(CreateApiTokenError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
