//! OpenAPI schema of the problem body (the runtime body is built in `render.rs`).

use utoipa::ToSchema;

use super::FieldError;

/// RFC 9457 problem details, as returned (with `Content-Type: application/problem+json`) by every
/// error response of the API.
#[derive(Debug, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDoc {
    /// `/problems/<code>`.
    #[schema(example = "/problems/validation_failed")]
    pub r#type: String,
    /// Short summary of the problem type.
    #[schema(example = "Validation failed")]
    pub title: String,
    /// HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: Option<String>,
    /// Stable machine-readable code.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Same value as the `X-Request-Id` response header.
    pub request_id: String,
    /// Per-field errors (validation only).
    pub errors: Option<Vec<FieldError>>,
}
