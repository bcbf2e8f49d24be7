//! Last line of the error contract: any error response that is not problem+json (actix's empty
//! 405 for a known path, a foreign `ResponseError`, a handler's ad-hoc 4xx) is replaced by the
//! generic [`Problem`] for its status, keeping its other headers (`Allow`, `Retry-After`, …).
//!
//! It also detaches the `actix_web::Error` from every response. tracing-actix-web logs each
//! attached error with its `Debug` output (its `emit_event_on_error` feature is on by default
//! and cannot be turned off from a workspace dependency); detaching keeps the log to the single
//! "request finished" event plus whatever `Problem::from_internal` or this module chose to log.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Response, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

use crate::problem::{Problem, is_problem_response};

/// Normalises error responses to problem+json. Use with `actix_web::middleware::from_fn`,
/// inside `TracingLogger` so the request log sees the final status.
///
/// # Errors
/// Passes inner `Err`s through unchanged (`request_id::middleware` renders those).
pub async fn problem_fallback(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (req, res) = next.call(req).await?.into_parts();
    Ok(ServiceResponse::new(req, ensure_problem(res, None)))
}

/// Returns `res` unchanged if it is a success or already a problem, else the generic problem for
/// its status. `cause` is the error `res` was rendered from, when it is not attached to `res`.
pub(crate) fn ensure_problem<B: MessageBody + 'static>(
    res: HttpResponse<B>,
    cause: Option<&dyn ResponseError>,
) -> HttpResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem_response(res.headers())
    {
        return detach_error(res.map_into_boxed_body());
    }
    let cause = cause.or_else(|| res.error().map(Error::as_response_error));
    // The replaced body may have held internal text; this is where it stops, so log it here.
    match cause {
        Some(err) if status.is_server_error() => {
            tracing::error!(error = %err, status = status.as_u16(), "non-problem error response");
        }
        Some(err) => {
            tracing::debug!(error = %err, status = status.as_u16(), "non-problem error response");
        }
        None if status.is_server_error() => {
            tracing::error!(status = status.as_u16(), "non-problem error response");
        }
        None => {}
    }
    let mut fresh = Problem::for_status(status).error_response();
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().append(name.clone(), value.clone());
        }
    }
    detach_error(fresh)
}

/// Rebuilds the response without its `actix_web::Error` (head, body and extensions are kept).
fn detach_error(res: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
    if res.error().is_none() {
        return res;
    }
    HttpResponse::from(Response::from(res))
}
