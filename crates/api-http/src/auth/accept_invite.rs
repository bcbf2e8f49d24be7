//! `POST /auth/accept-invite`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{AcceptInvite, AcceptInviteError, Credential, accept_invite as accept};
use domain::auth::Password;
use garde::Validate;

use super::dto::{AcceptInviteRequest, AccountResponse};
use super::signin::signed_in_response;
use super::{busy, client};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::{credential, csrf};
use crate::state::AppState;

/// Accepts exactly the invitation the token names (that row, in its clinic, still invited,
/// unexpired and unrevoked). With `password`, a new account with the invited e-mail is created;
/// without it, the signed-in person (session cookie, or a Supabase access token) whose e-mail
/// is the invited one joins (in Supabase mode only with an e-mail Supabase has verified). A
/// session acting in the invitation's clinic is set.
///
/// # Errors
/// 401 `unauthenticated` (no password and not signed in), 403 `csrf_rejected`, 403
/// `invite_email_mismatch`, 403 `email_not_verified`, 404 `invalid_invite` (unknown, used,
/// revoked or expired token), 409 `account_exists` (sign in and accept without a password),
/// 409 `already_member`, 422 `validation_failed`, 503 `busy` or `auth_provider_unavailable`.
#[utoipa::path(
    post,
    path = "/auth/accept-invite",
    tag = "auth",
    request_body = AcceptInviteRequest,
    responses(
        (status = 200, description = "Joined and signed in to the invitation's clinic", body = AccountResponse),
        (status = 401, description = "No password and not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Foreign Origin, another e-mail, or an unverified e-mail", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used, revoked or expired invitation", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "An account with this e-mail exists, or already a member", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing saturated (`busy`), or the identity provider unreachable", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn accept_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<AcceptInviteRequest>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let credential = credential::from_request(&req, &state.http);
    // Accepting as the signed-in person changes that person's memberships with their cookie:
    // the strict check (an Origin is required), so no other site can make them join a clinic.
    let by_cookie = body.password.is_none() && matches!(credential, Some(Credential::Session(_)));
    let origin_ok = if by_cookie {
        csrf::strict(&req, &state.http)
    } else {
        csrf::lenient(&req, &state.http)
    };
    if !origin_ok {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let cmd = AcceptInvite {
        token: body.token,
        password: body.password.map(Password::new),
        credential,
        client: client::info(&req, &state.http),
    };
    match accept(&state.deps, cmd).await {
        Ok(signed_in) => Ok(signed_in_response(signed_in, state.http.cookie_secure)),
        Err(e) => Err(problem(e)),
    }
}

fn problem(err: AcceptInviteError) -> Problem {
    match err {
        AcceptInviteError::InvalidInvite => Problem::new(
            StatusCode::NOT_FOUND,
            "invalid_invite",
            "Invalid or expired invitation",
        ),
        e @ AcceptInviteError::WeakPassword { .. } => {
            Problem::validation(vec![FieldError::new("password", e.to_string())])
        }
        AcceptInviteError::PasswordNotAccepted => Problem::validation(vec![FieldError::new(
            "password",
            "passwords are managed by Supabase: sign in there and accept without one",
        )]),
        AcceptInviteError::AccountExists => Problem::conflict(
            "account_exists",
            "an account with this e-mail already exists: sign in and accept without a password",
        ),
        AcceptInviteError::SignInRequired => Problem::unauthenticated()
            .with_detail("sign in to accept, or choose a password for a new account"),
        AcceptInviteError::EmailMismatch => Problem::forbidden("invite_email_mismatch")
            .with_detail("the invitation is for another e-mail address"),
        AcceptInviteError::EmailNotVerified => Problem::forbidden("email_not_verified")
            .with_detail("verify your e-mail address with the identity provider first"),
        AcceptInviteError::AlreadyMember => {
            Problem::conflict("already_member", "you are already a member of this clinic")
        }
        AcceptInviteError::Busy { retry_after_secs } => busy(retry_after_secs),
        AcceptInviteError::ProviderUnavailable(e) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            Problem::service_unavailable("auth_provider_unavailable", "try again shortly")
        }
        AcceptInviteError::Unknown(e) => Problem::from_internal(&e),
    }
}
