//! Free text that accounts store: display names and labels.

/// `raw` trimmed, when it keeps 1 to `max` characters and no control character (`\u{0}` among
/// them: PostgreSQL text cannot hold it, so it must be refused before it reaches a query).
#[must_use]
pub fn clean_label(raw: &str, max: usize) -> Option<String> {
    let value = raw.trim();
    let len = value.chars().count();
    ((1..=max).contains(&len) && !value.chars().any(char::is_control)).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_refuses_blank_long_and_control_text() {
        assert_eq!(clean_label("  Ana  ", 5).as_deref(), Some("Ana"));
        for bad in ["", "   ", "abcdef", "a\u{0}b", "a\nb", "\u{7f}"] {
            assert_eq!(clean_label(bad, 5), None, "{bad:?}");
        }
    }
}
