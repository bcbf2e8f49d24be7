//! The request id: taken from `X-Request-Id` when the caller sent a sane one, else a new UUID v7.
//!
//! [`middleware`] must be the outermost middleware. It stores the id in the request extensions
//! (for the [`RequestId`] extractor and the root span) and runs the rest of the request inside a
//! `tokio` task-local scope. actix turns handler errors, extractor errors and the default service's
//! errors into responses *while the inner service future is polled*, i.e. inside that scope, so
//! [`Problem::error_response`](actix_web::ResponseError::error_response) can read the id without
//! being handed the request. Errors that escape every service as `Err` are rendered later by the
//! dispatcher, outside the scope; the middleware wraps them so they still carry the id.

use std::fmt;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use crate::middleware::{problem_fallback, security_headers};
use crate::problem::Problem;

/// The request/response header carrying the id.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming id we accept; longer ones are replaced, not truncated.
const MAX_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: Scope;
}

/// What the task-local scope knows about the request being served.
#[derive(Clone)]
struct Scope {
    id: RequestId,
    started: Instant,
}

/// Identifier of one request, echoed in `X-Request-Id`, every problem body and every log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// Accepts 1..=128 characters from `[A-Za-z0-9._:-]`; anything else could be a log-injection
    /// or header-smuggling attempt, so it is rejected rather than cleaned.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = (1..=MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        valid.then(|| Self(raw.into()))
    }

    /// A new time-ordered id (UUID v7).
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string().into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the request being served by the current task, if any.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(|scope| scope.id.clone()).ok()
    }

    fn header_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.0).ok()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<RequestId>().cloned();
        ready(found.or_else(Self::current).ok_or_else(|| {
            Problem::from_internal(
                "RequestId extracted but request_id::middleware is not installed",
            )
        }))
    }
}

/// Milliseconds since the current request entered [`middleware`], if inside one.
pub(crate) fn elapsed_ms() -> Option<f64> {
    CURRENT
        .try_with(|scope| scope.started.elapsed().as_secs_f64() * 1000.0)
        .ok()
}

/// Resolves the request id, scopes the request with it and sets `X-Request-Id` on the response.
/// Use with `actix_web::middleware::from_fn`, outermost.
///
/// # Errors
/// Never produces its own; an `Err` from inner services is wrapped so that rendering it still
/// yields a problem body and headers carrying the id.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_else(RequestId::generate);
    req.extensions_mut().insert(id.clone());
    let scope = Scope {
        id: id.clone(),
        started,
    };
    // `Next::call` starts the inner services eagerly, so call it inside the scope too: then the
    // root span builder and everything routing does run with the id available.
    let outcome = CURRENT.scope(scope, async { next.call(req).await }).await;
    match outcome {
        Ok(mut res) => {
            if let Some(value) = id.header_value() {
                res.headers_mut().insert(HEADER, value);
            }
            Ok(res)
        }
        Err(inner) => Err(Escaped { id, inner }.into()),
    }
}

/// An error that left every service as `Err`: the dispatcher renders it after the scope ended,
/// so it re-enters a scope with the id before rendering.
#[derive(Debug)]
struct Escaped {
    id: RequestId,
    inner: Error,
}

impl fmt::Display for Escaped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl ResponseError for Escaped {
    fn status_code(&self) -> StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let scope = Scope {
            id: self.id.clone(),
            started: Instant::now(),
        };
        let mut res = CURRENT.sync_scope(scope, || {
            let rendered = self.inner.error_response();
            problem_fallback::ensure_problem(rendered, Some(self.inner.as_response_error()))
        });
        security_headers::apply(res.headers_mut(), false);
        if let Some(value) = self.id.header_value() {
            res.headers_mut().insert(HEADER, value);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn parse_accepts_only_the_safe_alphabet() {
        assert!(RequestId::parse("A-z_0.9:x").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("a/b").is_none());
        assert!(RequestId::parse("a\nb").is_none());
        assert!(RequestId::parse("ação").is_none());
        assert!(RequestId::parse(&"x".repeat(128)).is_some());
        assert!(RequestId::parse(&"x".repeat(129)).is_none());
    }

    #[test]
    fn generated_ids_are_uuid_v7() {
        let id = RequestId::generate();
        let uuid = uuid::Uuid::parse_str(id.as_str()).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
    }

    #[test]
    fn no_current_id_outside_a_request() {
        assert!(RequestId::current().is_none());
    }
}
