//! `GET /auth/me`.

use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{CurrentAccountError, current_account};

use super::dto::AccountResponse;
use crate::problem::{Problem, ProblemDoc};
use crate::security::credential;
use crate::state::AppState;

/// The signed-in account and its clinic (`company: null` when bound to none).
///
/// # Errors
/// 401 `unauthenticated` without a valid session (API tokens are not accounts), 403
/// `user_disabled`.
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The current account", body = AccountResponse),
        (status = 401, description = "No valid session", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Disabled member", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn me(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let credential =
        credential::from_request(&req, &state.http).ok_or_else(Problem::unauthenticated)?;
    match current_account(&state.deps, credential).await {
        Ok(account) => Ok(HttpResponse::Ok().json(AccountResponse::from(account))),
        Err(CurrentAccountError::Unauthenticated) => Err(Problem::unauthenticated()),
        Err(CurrentAccountError::UserDisabled) => Err(Problem::forbidden("user_disabled")),
        Err(CurrentAccountError::ProviderUnavailable(e)) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            Err(Problem::service_unavailable(
                "auth_provider_unavailable",
                "try again shortly",
            ))
        }
        Err(CurrentAccountError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
