//! The middleware in front of every `/api/*` route (see [`crate::security`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use app::auth::{AuthorizeError, Credential, authorize};
use domain::auth::Principal;

use super::{credential, csrf};
use crate::problem::Problem;
use crate::state::AppState;

/// Authenticates, checks CSRF, resolves the tenant scope and stores the [`Principal`]. Refusals
/// are answered here as problems (`Ok(req.error_response(..))`).
///
/// # Errors
/// Passes inner `Err`s through unchanged.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        let problem = Problem::from_internal("AppState missing in the /api gate");
        return Ok(req.error_response(problem));
    };
    let Some(credential) = credential::from_request(req.request(), &state.http) else {
        return Ok(req.error_response(Problem::unauthenticated()));
    };
    if matches!(credential, Credential::Session(_))
        && csrf::is_unsafe(req.method())
        && !csrf::strict(req.request(), &state.http)
    {
        return Ok(req.error_response(Problem::forbidden("csrf_rejected")));
    }
    match authorize(&state.deps, credential).await {
        Ok(authorized) => {
            record(&authorized.principal);
            req.extensions_mut().insert(authorized.principal);
            req.extensions_mut().insert(authorized.grant);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(err) => Ok(req.error_response(problem(&err))),
    }
}

/// Fills the request span's tenant fields (declared empty by `telemetry::ApiRootSpan`).
fn record(principal: &Principal) {
    let span = tracing::Span::current();
    span.record("company_id", tracing::field::display(principal.company_id));
    if let Some(user_id) = principal.user_id {
        span.record("user_id", tracing::field::display(user_id));
    }
}

/// The problem for an [`AuthorizeError`].
pub(crate) fn problem(err: &AuthorizeError) -> Problem {
    match err {
        AuthorizeError::Unauthenticated => Problem::unauthenticated(),
        AuthorizeError::NoCompany => Problem::forbidden("no_company"),
        AuthorizeError::UserDisabled => Problem::forbidden("user_disabled"),
        AuthorizeError::ProviderUnavailable(e) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            Problem::service_unavailable("auth_provider_unavailable", "try again shortly")
        }
        AuthorizeError::Unknown(e) => Problem::from_internal(e),
    }
}
