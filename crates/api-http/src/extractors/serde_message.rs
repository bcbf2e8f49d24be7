//! Client-safe field errors out of serde's error messages.
//!
//! serde reports errors as text only, so the field is recovered from the message where serde
//! names it (unknown and missing fields). Values echoed by serde (`invalid type: string "…"`)
//! are cut out: they are request data, and problem details end up in logs.

use crate::problem::FieldError;

/// The one client-safe field error out of a serde error `message` at `path` (serde_path_to_error's
/// path, `.` or empty when unknown; JSON bodies read by `web::Json` and query strings have no
/// path). Unknown and missing fields are named from the message when the path does not name
/// them; kinds of errors keep serde's "expected …" but never the value it echoes; any other
/// message (a `FromStr` failure of a uuid or a date may quote the input) is "invalid value".
pub(crate) fn field_error(path: &str, message: &str) -> FieldError {
    let message = strip_position(message);
    let path = if path == "." { "" } else { path };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // A path, when known, already ends at the unknown field.
        let (name, _) = quoted(rest);
        let field = if path.is_empty() { name } else { path };
        return FieldError::new(field, "unknown field");
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        // A path, when known, ends at the object that lacks the field.
        let (name, _) = quoted(rest);
        let field = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return FieldError::new(field, "missing field");
    }
    for kind in [
        "invalid type",
        "invalid value",
        "unknown variant",
        "invalid length",
    ] {
        if message.starts_with(kind) {
            // "invalid type: string \"abc\", expected u32" → "invalid type, expected u32"
            let expected = message.find(", expected ").map(|i| &message[i + 2..]);
            return FieldError::new(path, join(kind, expected.unwrap_or("")));
        }
    }
    FieldError::new(path, "invalid value")
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
        let fe = field_error(
            "",
            "unknown field `nmae`, expected `name` or `age` at line 1 column 8",
        );
        assert_eq!(fe, FieldError::new("nmae", "unknown field"));
        let fe = field_error("address.nmae", "unknown field `nmae`, expected `city`");
        assert_eq!(fe, FieldError::new("address.nmae", "unknown field"));
    }

    #[test]
    fn missing_field_names_the_field() {
        let fe = field_error(".", "missing field `name` at line 1 column 2");
        assert_eq!(fe, FieldError::new("name", "missing field"));
        let fe = field_error("address", "missing field `city`");
        assert_eq!(fe, FieldError::new("address.city", "missing field"));
    }

    #[test]
    fn invalid_type_hides_the_value() {
        let fe = field_error(
            "",
            "invalid type: string \"+55 11 secret\", expected u32 at line 1 column 20",
        );
        assert_eq!(fe, FieldError::new("", "invalid type, expected u32"));
        let fe = field_error("tags[1]", "invalid type: integer `2`, expected a string");
        assert_eq!(
            fe,
            FieldError::new("tags[1]", "invalid type, expected a string")
        );
    }

    #[test]
    fn other_messages_never_echo_the_input() {
        let fe = field_error("starts_at", "input contains invalid characters: \"secret\"");
        assert_eq!(fe, FieldError::new("starts_at", "invalid value"));
    }
}
