//! `POST /auth/signin`.

use actix_web::{HttpRequest, HttpResponse, web};
use app::auth::{SignIn, SignInError, SignedIn, sign_in};
use domain::auth::Password;
use garde::Validate;

use super::dto::{AccountResponse, SignInRequest};
use super::{client, cookie};
use crate::problem::{Problem, ProblemDoc};
use crate::security::csrf;
use crate::state::AppState;

/// 401 `invalid_credentials`: the same body for an unknown e-mail and a wrong password.
pub(crate) fn invalid_credentials() -> Problem {
    Problem::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Invalid e-mail or password",
    )
}

/// Signs in with e-mail and password and sets a new session cookie and a trusted-device cookie.
///
/// # Errors
/// 401 `invalid_credentials` (also for an account disabled in every clinic: a right password
/// is not revealed), 403 `csrf_rejected` (foreign `Origin`), 429 `too_many_attempts` with
/// `Retry-After` (per e-mail and address, or per address), 422 `validation_failed`, 503 `busy`
/// with `Retry-After` (password hashing saturated).
#[utoipa::path(
    post,
    path = "/auth/signin",
    tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie` carries the session and a trusted-device cookie (`atende_device`, 180 days: this browser's next sign-ins for the same e-mail take a reserved hashing lane)", body = AccountResponse),
        (status = 401, description = "Wrong e-mail or password", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Foreign Origin (`csrf_rejected`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address (for this e-mail, or in all)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing saturated (`busy`, with `Retry-After`), or the identity provider unreachable", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, Problem> {
    if !csrf::lenient(&req, &state.http) {
        return Err(Problem::forbidden("csrf_rejected"));
    }
    body.validate()?;
    let body = body.into_inner();
    let cmd = SignIn {
        email: body.email,
        password: Password::new(body.password),
        client: client::info(&req, &state.http),
        previous_session: cookie::read(&req, state.http.cookie_secure),
        device: cookie::read_device(&req, state.http.cookie_secure),
    };
    match sign_in(&state.deps, cmd).await {
        Ok(signed_in) => Ok(signed_in_response(signed_in, state.http.cookie_secure)),
        Err(SignInError::InvalidCredentials) => Err(invalid_credentials()),
        Err(SignInError::TooManyAttempts { retry_after_secs }) => Err(Problem::too_many_requests(
            "too_many_attempts",
            retry_after_secs,
        )
        .with_detail("too many failed sign-ins; try again later")),
        Err(SignInError::Busy { retry_after_secs }) => Err(super::busy(retry_after_secs)),
        Err(SignInError::ProviderUnavailable(e)) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            Err(Problem::service_unavailable(
                "auth_provider_unavailable",
                "try again shortly",
            ))
        }
        Err(SignInError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// 200 `{user, company}` with the new session cookie.
pub(crate) fn signed_in_response(signed_in: SignedIn, secure: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.cookie(cookie::session(signed_in.session_token, secure));
    if let Some(device) = signed_in.device_cookie {
        response.cookie(cookie::device(device, secure));
    }
    response.json(AccountResponse::from(signed_in.account))
}
