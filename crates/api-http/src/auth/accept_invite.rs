//! `POST /auth/accept-invite`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{AcceptInvite, AcceptInviteError, accept_invite as accept};
use domain::auth::Password;
use garde::Validate;

use super::client;
use super::dto::{AcceptInviteRequest, AccountResponse};
use super::signin::signed_in_response;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::csrf;
use crate::state::AppState;

/// Creates the invited person's account with the chosen password (the database links and
/// activates the invited member) and signs them in.
///
/// # Errors
/// 404 `invalid_invite` (unknown, used or expired token), 409 `account_exists`, 422
/// `validation_failed`, 403 `csrf_rejected`.
#[utoipa::path(
    post,
    path = "/auth/accept-invite",
    tag = "auth",
    request_body = AcceptInviteRequest,
    responses(
        (status = 200, description = "Account created and signed in", body = AccountResponse),
        (status = 403, description = "Foreign Origin (`csrf_rejected`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used or expired invitation", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "An account with this e-mail exists", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn accept_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<AcceptInviteRequest>,
) -> Result<HttpResponse, Problem> {
    if !csrf::lenient(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let body = body.into_inner();
    let cmd = AcceptInvite {
        token: body.token,
        password: Password::new(body.password),
        client: client::info(&req, &state.http),
    };
    match accept(&state.deps, cmd).await {
        Ok(signed_in) => Ok(signed_in_response(signed_in, state.http.cookie_secure)),
        Err(AcceptInviteError::InvalidInvite) => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "invalid_invite",
            "Invalid or expired invitation",
        )),
        Err(e @ AcceptInviteError::WeakPassword { .. }) => {
            Err(Problem::validation(vec![FieldError::new(
                "password",
                e.to_string(),
            )]))
        }
        Err(AcceptInviteError::AccountExists) => Err(Problem::conflict(
            "account_exists",
            "an account with this e-mail already exists",
        )),
        Err(AcceptInviteError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
