//! Client-safe field errors out of serde's error messages.
//!
//! serde reports errors as text only, so the field is recovered from the message where serde
//! names it (unknown and missing fields). Values echoed by serde (`invalid type: string "…"`)
//! are cut out: they are request data, and problem details end up in logs.

use crate::problem::FieldError;

/// A field error for a serde data error message.
pub(crate) fn field_error(message: &str) -> FieldError {
    let message = strip_position(message);
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, tail) = quoted(rest);
        return FieldError::new(field, join("unknown field", tail));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let (field, _) = quoted(rest);
        return FieldError::new(field, "missing field");
    }
    for kind in ["invalid type", "invalid value", "unknown variant"] {
        if message.starts_with(kind) {
            // "invalid type: string \"abc\", expected u32" → "invalid type, expected u32"
            let expected = message.find(", expected ").map(|i| &message[i + 2..]);
            return FieldError::new("", join(kind, expected.unwrap_or("")));
        }
    }
    FieldError::new("", message)
}

/// The message without serde_json's trailing " at line L column C".
pub(crate) fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// Splits "`name`, rest" into ("name", "rest").
fn quoted(s: &str) -> (&str, &str) {
    let Some(inner) = s.strip_prefix('`') else {
        return ("", s);
    };
    match inner.find('`') {
        Some(end) => (
            &inner[..end],
            inner[end + 1..].trim_start_matches(',').trim_start(),
        ),
        None => ("", s),
    }
}

fn join(head: &str, tail: &str) -> String {
    if tail.is_empty() {
        head.to_owned()
    } else {
        format!("{head}, {tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_names_the_field() {
        let fe = field_error("unknown field `nmae`, expected `name` or `age` at line 1 column 8");
        assert_eq!(fe.field, "nmae");
        assert_eq!(fe.message, "unknown field, expected `name` or `age`");
    }

    #[test]
    fn missing_field_names_the_field() {
        let fe = field_error("missing field `name` at line 1 column 2");
        assert_eq!(fe, FieldError::new("name", "missing field"));
    }

    #[test]
    fn invalid_type_hides_the_value() {
        let fe =
            field_error("invalid type: string \"+55 11 secret\", expected u32 at line 1 column 20");
        assert_eq!(fe, FieldError::new("", "invalid type, expected u32"));
    }

    #[test]
    fn other_messages_pass_through() {
        let fe = field_error("invalid digit found in string");
        assert_eq!(fe, FieldError::new("", "invalid digit found in string"));
    }
}
