//! `POST /api/api-tokens`.

use actix_web::{HttpResponse, web};
use app::api_tokens::{CreateApiToken, CreateApiTokenError, Expiry, issue_api_token};
use domain::auth::{Scope, Scopes};
use garde::Validate;

use super::dto::{ApiTokenDto, CreateApiTokenRequest, CreatedApiTokenDto};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::{Admin, CallerGrant};
use crate::state::AppState;

/// Creates an API token with scopes and an expiry; the response is the only time its value is
/// shown (admin only: a session admin, or a token with the `admin` scope).
///
/// # Errors
/// 401, 403 `forbidden` (not an admin, or scopes the caller lacks), 403 `insufficient_scope`,
/// 422 (no scopes, a bad expiry).
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
    CallerGrant(grant): CallerGrant,
    state: web::Data<AppState>,
    body: web::Json<CreateApiTokenRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    let scopes = match (body.scopes, body.role) {
        (Some(list), None) => Scopes::of(list.into_iter().map(Scope::from)),
        (None, Some(role)) => Scopes::for_role(role),
        _ => {
            return Err(Problem::validation(vec![FieldError::new(
                "scopes",
                "give `scopes` (or the deprecated `role`), not both",
            )]));
        }
    };
    let expiry = match body.expires_at {
        None => Expiry::Default,
        Some(None) => Expiry::Never,
        Some(Some(at)) => Expiry::At(at),
    };
    let cmd = CreateApiToken {
        name: body.name,
        scopes,
        expiry,
    };
    match issue_api_token(&state.deps, caller, grant, cmd).await {
        Ok(created) => Ok(HttpResponse::Created().json(CreatedApiTokenDto {
            token_info: ApiTokenDto::from(created.summary),
            token: created.token,
        })),
        Err(CreateApiTokenError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(CreateApiTokenError::InvalidName) => Err(Problem::validation(vec![FieldError::new(
            "name",
            "must not be blank nor hold control characters",
        )])),
        Err(CreateApiTokenError::NoScopes) => Err(Problem::validation(vec![FieldError::new(
            "scopes",
            "at least one scope is needed",
        )])),
        Err(CreateApiTokenError::InvalidExpiry { reason }) => {
            Err(Problem::validation(vec![FieldError::new(
                "expires_at",
                reason,
            )]))
        }
        Err(CreateApiTokenError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
