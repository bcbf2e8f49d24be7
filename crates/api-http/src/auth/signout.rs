//! `POST /auth/signout`.

use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{SignOutAllError, sign_out, sign_out_all};

use super::cookie;
use crate::problem::{Problem, ProblemDoc};
use crate::security::csrf;
use crate::state::AppState;

/// Ends the session (the row is deleted) and expires the cookie; 204 also without a session.
///
/// # Errors
/// 403 `csrf_rejected` when a session cookie comes with a foreign or missing `Origin`.
#[utoipa::path(
    post,
    path = "/auth/signout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Foreign Origin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let secure = state.http.cookie_secure;
    let token = cookie::read(&req, secure);
    if token.is_some() && !csrf::strict(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    sign_out(&state.deps, token)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::NoContent()
        .cookie(cookie::expired(secure))
        .finish())
}

/// Ends every session of the signed-in account — this one, its other devices, every clinic —
/// and expires the cookie.
///
/// # Errors
/// 401 `unauthenticated` without a valid session cookie, 403 `csrf_rejected` (foreign or
/// missing `Origin`).
#[utoipa::path(
    post,
    path = "/auth/signout-all",
    tag = "auth",
    responses(
        (status = 204, description = "Every session of the account ended"),
        (status = 401, description = "No valid session", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Foreign or missing Origin", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn signout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let secure = state.http.cookie_secure;
    let token = cookie::read(&req, secure).ok_or_else(Problem::unauthenticated)?;
    if !csrf::strict(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    match sign_out_all(&state.deps, token).await {
        Ok(_) => Ok(HttpResponse::NoContent()
            .cookie(cookie::expired(secure))
            .finish()),
        Err(SignOutAllError::Unauthenticated) => Err(Problem::unauthenticated()),
        Err(SignOutAllError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
