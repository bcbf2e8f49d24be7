//! RFC 9457 problem details: the one error type of the HTTP layer.
//!
//! Every error response of the API, whether a handler returned it, an extractor rejected the
//! request or no route matched, is `application/problem+json` rendered from a [`Problem`].

mod constructors;
mod doc;
mod from_errors;
mod from_garde;
mod render;

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};

pub use doc::ProblemDoc;
pub(crate) use render::{ProblemCode, is_problem_response};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where the input is: `phone`, `tags[3]`, `address.city`, or a query parameter name. Empty
    /// when the error concerns the request as a whole or the location is unknown.
    #[schema(example = "phone")]
    pub field: String,
    /// Why it is invalid; safe to show to the user.
    #[schema(example = "not a valid E.164 phone number")]
    pub message: String,
}

impl FieldError {
    /// A field error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error response: status, a stable machine-readable `code` and client-safe text.
///
/// Internal error text never goes in here (see [`Problem::from_internal`]); everything in a
/// `Problem` may be shown to the caller and written to logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Stable snake_case code; also the last segment of the `type` URI.
    pub code: Cow<'static, str>,
    /// Short summary of the problem type.
    pub title: Cow<'static, str>,
    /// Explanation of this occurrence, if any.
    pub detail: Option<String>,
    /// Per-field errors (validation); omitted from the body when empty.
    pub errors: Vec<FieldError>,
    /// Extension members (e.g. `client_id` of the existing row on a 409).
    pub extra: Map<String, Value>,
    /// Seconds after which the client may retry; becomes a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with no detail, field errors or extension members.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        title: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            title: title.into(),
            detail: None,
            errors: Vec::new(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// Sets the `detail` member.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Appends field errors.
    #[must_use]
    pub fn with_errors(mut self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        self.errors.extend(errors);
        self
    }

    /// Adds an extension member. Standard members (`type`, `status`, `request_id`, …) win over an
    /// extension of the same name.
    #[must_use]
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Sets the `Retry-After` delay in seconds.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}
