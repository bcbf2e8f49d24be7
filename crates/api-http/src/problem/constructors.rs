//! The catalogue of problems the API returns. Codes are part of the public contract: clients
//! branch on them, so never rename one.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use domain::ports::StoreUnavailable;

use super::{FieldError, Problem};
use crate::request_id::RequestId;

/// `Retry-After` of a 503 `database_unavailable`: about the pool's wait, so a retry usually
/// finds a connection.
const UNAVAILABLE_RETRY_SECS: u64 = 2;

/// What [`Problem::from_internal`] accepts: anything printable, and for error chains, whether
/// the chain says the store is unavailable.
pub trait InternalError: fmt::Display {
    /// Whether [`StoreUnavailable`] is in the chain.
    fn store_unavailable(&self) -> bool {
        false
    }
}

impl InternalError for anyhow::Error {
    fn store_unavailable(&self) -> bool {
        self.chain().any(|e| e.is::<StoreUnavailable>())
    }
}

impl InternalError for dyn std::error::Error {
    fn store_unavailable(&self) -> bool {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = source {
            if e.is::<StoreUnavailable>() {
                return true;
            }
            source = e.source();
        }
        false
    }
}

impl InternalError for str {}
impl InternalError for String {}
impl InternalError for fmt::Error {}
impl InternalError for actix_web::error::JsonPayloadError {}

impl Problem {
    /// 422 `validation_failed`: the body or query is well-formed but its values are not.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Validation failed",
        )
        .with_errors(errors)
    }

    /// 400 `malformed_json`: the body is not JSON at all.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Malformed JSON body",
        )
        .with_detail(detail)
    }

    /// 401 `unauthenticated`: no valid session or credentials.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
        )
        .with_detail("Sign in for a session cookie, or send `Authorization: Bearer <token>`.")
    }

    /// 401 `invalid_signature`: a signed request (webhook) failed verification.
    pub fn invalid_signature() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "Invalid signature",
        )
        .with_detail("The signature header is missing or does not match the raw body under this account's secret.")
    }

    /// 401 `stale_signature`: a signed request's timestamp is outside the accepted window.
    pub fn stale_signature() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "stale_signature",
            "Stale signature",
        )
        .with_detail("The signature's timestamp is more than 300 seconds from the server's clock.")
    }

    /// 403 with `code` (`forbidden`, `no_company`, `csrf_rejected`, …).
    pub fn forbidden(code: impl Into<Cow<'static, str>>) -> Self {
        let code = code.into();
        let detail = match code.as_ref() {
            "csrf_rejected" => {
                "A cookie-authenticated write must come from this server's origin or one in ATENDE_ALLOWED_ORIGINS."
            }
            "no_company" => "This account is not a member of any clinic.",
            "user_disabled" => "This member is disabled in the clinic.",
            _ => "Your role in this clinic does not allow this.",
        };
        Self::new(StatusCode::FORBIDDEN, code, "Forbidden").with_detail(detail)
    }

    /// 404 `not_found`. Deliberately says nothing about whether the resource exists elsewhere
    /// (e.g. in another clinic).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found")
            .with_detail("There is no such resource in this clinic.")
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
        )
    }

    /// 409 with `code`: the request conflicts with the current state.
    pub fn conflict(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict").with_detail(detail)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
        )
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
    }

    /// 422 with a specific `code`, for business rules that are not field validation.
    pub fn unprocessable(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Unprocessable request",
        )
        .with_detail(detail)
    }

    /// 429 with `code` and a `Retry-After` header.
    pub fn too_many_requests(code: impl Into<Cow<'static, str>>, retry_after_secs: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, "Too many requests")
            .with_retry_after(retry_after_secs)
    }

    /// 500 `internal_error`. Carries no detail: internal error text is logged, never returned.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
        )
    }

    /// 502 with `code`: an upstream (n8n, OpenAI, Meta) failed or answered nonsense.
    pub fn bad_gateway(code: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, code, "Bad gateway")
    }

    /// 503 with `code`: this node or a dependency cannot serve the request right now.
    pub fn service_unavailable(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, "Service unavailable").with_detail(detail)
    }

    /// Logs `err` once at ERROR (with the request id) and returns [`Problem::internal`], so the
    /// text reaches operators but never the client. Call it where the error becomes a response.
    ///
    /// When the chain holds [`StoreUnavailable`] (the pool exhausted past its wait, the database
    /// down or restarting), the answer is 503 `database_unavailable` with `Retry-After` instead,
    /// logged at WARN: nothing was done and the client may simply retry.
    pub fn from_internal<E: InternalError + ?Sized>(err: &E) -> Self {
        let request_id = RequestId::current();
        if err.store_unavailable() {
            tracing::warn!(
                request_id = request_id.as_ref().map(RequestId::as_str),
                error = %format_args!("{err:#}"),
                "database unavailable"
            );
            return Self::service_unavailable(
                "database_unavailable",
                "the database is busy or unreachable; retry shortly",
            )
            .with_retry_after(UNAVAILABLE_RETRY_SECS);
        }
        tracing::error!(
            request_id = request_id.as_ref().map(RequestId::as_str),
            error = %format_args!("{err:#}"),
            "internal error"
        );
        Self::internal()
    }

    /// A generic problem for `status`, used when something other than a `Problem` produced an
    /// error response (actix defaults such as a resource's empty 405).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::BAD_REQUEST => Self::new(status, "bad_request", "Bad request"),
            StatusCode::UNAUTHORIZED => Self::unauthenticated(),
            StatusCode::FORBIDDEN => Self::forbidden("forbidden"),
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(),
            StatusCode::CONFLICT => Self::new(status, "conflict", "Conflict"),
            StatusCode::PAYLOAD_TOO_LARGE => Self::payload_too_large(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::unsupported_media_type(),
            StatusCode::UNPROCESSABLE_ENTITY => Self::validation(Vec::new()),
            StatusCode::TOO_MANY_REQUESTS => {
                Self::new(status, "too_many_requests", "Too many requests")
            }
            StatusCode::INTERNAL_SERVER_ERROR => Self::internal(),
            StatusCode::BAD_GATEWAY => Self::bad_gateway("bad_gateway"),
            StatusCode::SERVICE_UNAVAILABLE => {
                Self::new(status, "service_unavailable", "Service unavailable")
            }
            other => {
                let title = other.canonical_reason().unwrap_or("Error");
                let code = if other.is_server_error() {
                    "server_error"
                } else {
                    "client_error"
                };
                Self::new(other, code, title)
            }
        }
    }
}
