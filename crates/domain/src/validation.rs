//! The one shape of an invalid input, shared by every use case that validates a command or a
//! delivery (the HTTP layer turns each into a problem+json `errors[]` entry).

/// One invalid input, named as the API names it (`phone`, `ends_at`, `messages[2].from.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// Where: a field, a JSON path or a query parameter; empty for the request as a whole.
    pub field: String,
    /// Why, safe to show to the user.
    pub message: String,
}

impl FieldIssue {
    /// An issue with `field`.
    #[must_use]
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
