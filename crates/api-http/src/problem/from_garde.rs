//! garde validation reports become 422 `validation_failed`.

use super::{FieldError, Problem};

impl From<garde::Report> for Problem {
    /// One [`FieldError`] per failed rule; the field is garde's path (`phone`, `tags[3]`,
    /// `address.city`), empty for struct-level rules.
    fn from(report: garde::Report) -> Self {
        let errors = report
            .iter()
            .map(|(path, error)| FieldError::new(path.to_string(), error.message()))
            .collect();
        Self::validation(errors)
    }
}
