//! `DELETE /api/api-tokens/{id}`.

use actix_web::{HttpResponse, web};
use app::api_tokens::{RevokeApiTokenError, revoke_api_token};
use uuid::Uuid;

use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Revokes a token; it stops working on the next request (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 404 `not_found`.
#[utoipa::path(
    delete,
    path = "/api/api-tokens/{id}",
    tag = "api-tokens",
    security(("session_cookie" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn revoke(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match revoke_api_token(&state.deps, caller, id.into_inner()).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(RevokeApiTokenError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(RevokeApiTokenError::NotFound) => Err(Problem::not_found()),
        Err(RevokeApiTokenError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
