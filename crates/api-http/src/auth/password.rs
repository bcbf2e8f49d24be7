//! `POST /auth/password` (change, signed in) and `POST /auth/reset-password` (redeem a reset
//! token).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{
    ChangePassword, ChangePasswordError, RedeemReset, RedeemResetError, change_password,
    redeem_password_reset,
};
use domain::auth::Password;
use garde::Validate;

use super::dto::{ChangePasswordRequest, ResetPasswordRequest};
use super::{busy, client, cookie};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::csrf;
use crate::state::AppState;

/// Changes the signed-in member's password (local accounts): the current one is checked
/// (counted like a sign-in attempt), the new one stored, and every OTHER session of the
/// account ends (every device, every clinic); this session stays.
///
/// # Errors
/// 401 `unauthenticated` without a valid session cookie, 403 `csrf_rejected` (foreign or
/// missing `Origin`), 403 `wrong_password`, 409 `not_local_account` (the password lives in
/// Supabase), 422 `validation_failed` (new password length), 429 `too_many_attempts` with
/// `Retry-After`, 503 `busy` with `Retry-After`.
#[utoipa::path(
    post,
    path = "/auth/password",
    tag = "auth",
    security(("session_cookie" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; the account's other sessions ended"),
        (status = 401, description = "No valid session", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Wrong current password, or foreign Origin", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The password is managed by Supabase", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing saturated (`busy`)", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, Problem> {
    let token =
        cookie::read(&req, state.http.cookie_secure).ok_or_else(Problem::unauthenticated)?;
    if !csrf::strict(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let body = body.into_inner();
    let cmd = ChangePassword {
        session_token: token,
        current: Password::new(body.current_password),
        new: Password::new(body.new_password),
        client: client::info(&req, &state.http),
    };
    match change_password(&state.deps, cmd).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ChangePasswordError::Unauthenticated) => Err(Problem::unauthenticated()),
        Err(ChangePasswordError::NotLocalAccount) => Err(not_local()),
        Err(ChangePasswordError::WrongPassword) => {
            Err(Problem::forbidden("wrong_password")
                .with_detail("the current password is not right"))
        }
        Err(e @ ChangePasswordError::WeakPassword { .. }) => {
            Err(Problem::validation(vec![FieldError::new(
                "new_password",
                e.to_string(),
            )]))
        }
        Err(ChangePasswordError::TooManyAttempts { retry_after_secs }) => Err(
            Problem::too_many_requests("too_many_attempts", retry_after_secs)
                .with_detail("too many attempts; try again later"),
        ),
        Err(ChangePasswordError::Busy { retry_after_secs }) => Err(busy(retry_after_secs)),
        Err(ChangePasswordError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

fn not_local() -> Problem {
    Problem::conflict(
        "not_local_account",
        "the password is managed by the identity provider; change it there",
    )
}

/// Sets a new password with a one-time reset token (issued by an admin at
/// `POST /api/users/{id}/password-reset` or by `atende user reset-password`, handed over by
/// hand: Atende sends no e-mail). Every session of the account ends; sign in again.
///
/// # Errors
/// 403 `csrf_rejected` (foreign `Origin`), 404 `invalid_reset_token` (unknown, used or
/// expired), 422 `validation_failed`, 503 `busy` with `Retry-After`.
#[utoipa::path(
    post,
    path = "/auth/reset-password",
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password set; every session of the account ended"),
        (status = 403, description = "Foreign Origin (`csrf_rejected`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used or expired reset token", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing saturated (`busy`)", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, Problem> {
    if !csrf::lenient(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let body = body.into_inner();
    let cmd = RedeemReset {
        token: body.token,
        new: Password::new(body.new_password),
    };
    match redeem_password_reset(&state.deps, cmd).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(RedeemResetError::InvalidToken) => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "invalid_reset_token",
            "Invalid or expired reset token",
        )),
        Err(e @ RedeemResetError::WeakPassword { .. }) => {
            Err(Problem::validation(vec![FieldError::new(
                "new_password",
                e.to_string(),
            )]))
        }
        Err(RedeemResetError::Busy { retry_after_secs }) => Err(busy(retry_after_secs)),
        Err(RedeemResetError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
