//! Use-case errors that several routes share, mapped to problems once.

use app::inbound::InboundError;
use domain::ports::inbound::SignatureFailure;
use domain::validation::FieldIssue;

use super::{FieldError, Problem};

impl From<FieldIssue> for FieldError {
    fn from(i: FieldIssue) -> Self {
        Self::new(i.field, i.message)
    }
}

impl Problem {
    /// 422 `validation_failed` with one error per field issue of a use case.
    #[must_use]
    pub fn invalid(issues: Vec<FieldIssue>) -> Self {
        Self::validation(issues.into_iter().map(FieldError::from).collect())
    }
}

/// Every signed delivery (relay, Meta, n8n status callback) fails the same ways.
impl From<InboundError> for Problem {
    fn from(e: InboundError) -> Self {
        match e {
            InboundError::Malformed(detail) => Self::malformed_json(detail),
            InboundError::Unauthorized(SignatureFailure::Stale) => Self::stale_signature(),
            InboundError::Unauthorized(_) => Self::invalid_signature(),
            InboundError::Invalid(issues) => Self::invalid(issues),
            InboundError::TooLarge { code, detail } => Self::unprocessable(code, detail),
            InboundError::Unknown(e) => Self::from_internal(&e),
        }
    }
}
