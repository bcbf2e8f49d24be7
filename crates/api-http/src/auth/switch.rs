//! `POST /auth/switch-clinic`.

use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{SwitchClinic, SwitchClinicError, switch_clinic};
use domain::CompanyId;
use garde::Validate;

use super::dto::{AccountResponse, SwitchClinicRequest};
use super::signin::signed_in_response;
use super::{client, cookie};
use crate::problem::{Problem, ProblemDoc};
use crate::security::csrf;
use crate::state::AppState;

/// Moves the session to another of the caller's clinics: a new session cookie (the old one
/// ends) whose every request reads and writes that clinic's rows only.
///
/// # Errors
/// 401 `unauthenticated` without a valid session cookie (bearer tokens cannot switch), 403
/// `csrf_rejected` (foreign `Origin`, as for sign-in), 403 `user_disabled` (disabled in that
/// clinic), 404 `not_found` (not one of the caller's clinics), 422 `validation_failed`.
#[utoipa::path(
    post,
    path = "/auth/switch-clinic",
    tag = "auth",
    security(("session_cookie" = [])),
    request_body = SwitchClinicRequest,
    responses(
        (status = 200, description = "Switched; `Set-Cookie` carries the new session", body = AccountResponse),
        (status = 401, description = "No valid session", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Foreign Origin, or disabled in that clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the caller's clinics", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn switch(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SwitchClinicRequest>,
) -> Result<HttpResponse, Problem> {
    if !csrf::lenient(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let token =
        cookie::read(&req, state.http.cookie_secure).ok_or_else(Problem::unauthenticated)?;
    let cmd = SwitchClinic {
        session_token: token,
        company_id: CompanyId(body.company_id),
        client: client::info(&req, &state.http),
    };
    match switch_clinic(&state.deps, cmd).await {
        Ok(signed_in) => Ok(signed_in_response(signed_in, state.http.cookie_secure)),
        Err(SwitchClinicError::Unauthenticated) => Err(Problem::unauthenticated()),
        Err(SwitchClinicError::NotAMember) => Err(Problem::not_found()),
        Err(SwitchClinicError::UserDisabled) => Err(Problem::forbidden("user_disabled")),
        Err(SwitchClinicError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
