//! Conversation labels (issue 19, item 5): per-clinic names with a colour, attached to threads
//! and used as inbox filters. Admins manage them; any member attaches and detaches them.

use crate::LabelId;
use crate::validation::FieldIssue;
use chrono::{DateTime, Utc};

/// The longest label name, in characters.
pub const MAX_LABEL_NAME_CHARS: usize = 50;

/// A label's name and colour, checked ([`LabelFields::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFields {
    /// Trimmed, 1 to [`MAX_LABEL_NAME_CHARS`] characters; unique in the clinic ignoring case.
    pub name: String,
    /// `#rrggbb`, lower-case.
    pub colour: String,
}

impl LabelFields {
    /// Checks and normalises a name and a colour, naming each bad field.
    ///
    /// # Errors
    /// One issue per bad field (`name`, `colour`).
    pub fn parse(name: &str, colour: &str) -> Result<Self, Vec<FieldIssue>> {
        let mut issues = Vec::new();
        let name = name.trim();
        let n = name.chars().count();
        if n == 0 || n > MAX_LABEL_NAME_CHARS {
            issues.push(FieldIssue::new(
                "name",
                format!("1 to {MAX_LABEL_NAME_CHARS} characters"),
            ));
        }
        let colour = parse_colour(colour);
        if colour.is_none() {
            issues.push(FieldIssue::new("colour", "must be #rrggbb (hexadecimal)"));
        }
        match colour {
            Some(colour) if issues.is_empty() => Ok(Self {
                name: name.to_owned(),
                colour,
            }),
            _ => Err(issues),
        }
    }
}

/// `#rrggbb` (either case) as lower-case, or `None`.
#[must_use]
pub fn parse_colour(raw: &str) -> Option<String> {
    let hex = raw.trim().strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

/// A stored label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Its id.
    pub id: LabelId,
    /// Name and colour.
    pub fields: LabelFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Label {
    /// The sort key of the label list.
    #[must_use]
    pub fn cursor(&self) -> LabelCursor {
        LabelCursor {
            name: self.fields.name.clone(),
            id: self.id,
        }
    }
}

/// The sort key of the label list (by name, then id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCursor {
    /// Name of the last label of the previous page.
    pub name: String,
    /// Its id (tie-breaker).
    pub id: LabelId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hash_and_six_hex_digits_stored_lower_case() {
        assert_eq!(parse_colour("#FF8800").as_deref(), Some("#ff8800"));
        assert_eq!(parse_colour(" #a1b2c3 ").as_deref(), Some("#a1b2c3"));
        for bad in ["ff8800", "#ff880", "#ff88001", "#gg8800", "red", "#fff", ""] {
            assert_eq!(parse_colour(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded_and_every_bad_field_is_named() {
        let ok = LabelFields::parse("  Retorno ", "#00AA00").unwrap_or_else(|_| unreachable!());
        assert_eq!(ok.name, "Retorno");
        assert_eq!(ok.colour, "#00aa00");
        let Err(issues) = LabelFields::parse(" ", "verde") else {
            unreachable!()
        };
        let named: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(named, ["name", "colour"]);
        assert!(LabelFields::parse(&"x".repeat(51), "#000000").is_err());
    }
}
