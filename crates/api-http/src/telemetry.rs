//! The request log: one root span per request and one "request finished" event.
//!
//! Only the method, the matched route *pattern* (`/clients/{id}`, never the raw path, which
//! holds ids), the status, the latency and the request id are recorded: no query strings, no
//! bodies, no headers.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::RootSpanBuilder;

use crate::problem::{Problem, ProblemCode};
use crate::request_id::{self, RequestId};

/// Route recorded when no resource matched (unknown paths must not be logged verbatim either).
const UNMATCHED_ROUTE: &str = "unmatched";

/// Root span builder for `tracing_actix_web::TracingLogger`.
///
/// Span `HTTP request` fields: `request_id`, `http.method`, `http.route`, `http.status_code`,
/// `latency_ms`, and `company_id`, `user_id`, `conversation_id`, left empty for the auth and
/// feature code to fill with `Span::current().record("company_id", …)`.
pub struct ApiRootSpan;

impl RootSpanBuilder for ApiRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .cloned()
            .or_else(RequestId::current);
        // Before routing, actix matches the pattern against its resource map, so this is
        // already the pattern of the resource that will serve the request.
        let route = request.match_pattern();
        tracing::info_span!(
            "HTTP request",
            request_id = request_id.as_ref().map(RequestId::as_str),
            http.method = %request.method(),
            http.route = route.as_deref().unwrap_or(UNMATCHED_ROUTE),
            http.status_code = Empty,
            latency_ms = Empty,
            company_id = Empty,
            user_id = Empty,
            conversation_id = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, code) = match outcome {
            Ok(res) => (
                res.status(),
                res.response()
                    .extensions()
                    .get::<ProblemCode>()
                    .map(|c| c.0.to_string()),
            ),
            Err(err) => (
                err.as_response_error().status_code(),
                err.as_error::<Problem>().map(|p| p.code.to_string()),
            ),
        };
        let status = status.as_u16();
        let latency_ms = request_id::elapsed_ms();
        span.record("http.status_code", status);
        if let Some(ms) = latency_ms {
            span.record("latency_ms", ms);
        }
        tracing::info!(
            parent: &span,
            http.status_code = status,
            latency_ms,
            error_code = code.as_deref(),
            "request finished"
        );
    }
}
