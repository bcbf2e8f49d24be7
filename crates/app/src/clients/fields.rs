//! Parsing of the client fields shared by create and update.

use crate::crm::FieldIssue;
use domain::auth::Email;
use domain::clients::{
    InstagramUsername, MAX_NAME_CHARS, MAX_NOTES_CHARS, MAX_TAG_CHARS, MAX_TAGS, clean_tags,
    clean_text,
};
use domain::phone::{Phone, Region};

/// Trimmed name, `None` when blank.
pub(super) fn name(raw: Option<String>, issues: &mut Vec<FieldIssue>) -> Option<String> {
    let value = raw.as_deref().and_then(clean_text)?;
    if value.chars().count() > MAX_NAME_CHARS {
        issues.push(FieldIssue::new(
            "name",
            format!("at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Some(value)
}

/// Trimmed notes, `None` when blank.
pub(super) fn notes(raw: Option<String>, issues: &mut Vec<FieldIssue>) -> Option<String> {
    let value = raw.as_deref().and_then(clean_text)?;
    if value.chars().count() > MAX_NOTES_CHARS {
        issues.push(FieldIssue::new(
            "notes",
            format!("at most {MAX_NOTES_CHARS} characters"),
        ));
    }
    Some(value)
}

/// Cleaned tags within the limits.
pub(super) fn tags(raw: Vec<String>, issues: &mut Vec<FieldIssue>) -> Vec<String> {
    let tags = clean_tags(raw);
    if tags.len() > MAX_TAGS {
        issues.push(FieldIssue::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    if tags.iter().any(|t| t.chars().count() > MAX_TAG_CHARS) {
        issues.push(FieldIssue::new(
            "tags",
            format!("each tag has at most {MAX_TAG_CHARS} characters"),
        ));
    }
    tags
}

/// A lower-cased e-mail, `None` when blank.
pub(super) fn email(raw: Option<String>, issues: &mut Vec<FieldIssue>) -> Option<Email> {
    let raw = raw.as_deref().and_then(clean_text)?;
    match Email::parse(&raw) {
        Ok(e) => Some(e),
        Err(e) => {
            issues.push(FieldIssue::new("email", e.to_string()));
            None
        }
    }
}

/// A normalised Instagram username, `None` when blank.
pub(super) fn instagram(
    raw: Option<String>,
    issues: &mut Vec<FieldIssue>,
) -> Option<InstagramUsername> {
    let raw = raw.as_deref().and_then(clean_text)?;
    match InstagramUsername::parse(&raw) {
        Ok(u) => Some(u),
        Err(e) => {
            issues.push(FieldIssue::new("instagram_username", e.to_string()));
            None
        }
    }
}

/// An E.164 phone read in `region`, `None` when blank.
pub(super) fn phone(raw: &str, region: Region, issues: &mut Vec<FieldIssue>) -> Option<Phone> {
    let raw = clean_text(raw)?;
    match Phone::parse(&raw, region) {
        Ok(p) => Some(p),
        Err(_) => {
            issues.push(FieldIssue::new(
                "phone",
                format!("not a valid phone number (national numbers are read as {region})"),
            ));
            None
        }
    }
}

/// The issue of a client with nothing to tell it apart.
pub(super) fn no_contact() -> FieldIssue {
    FieldIssue::new(
        "name",
        "at least one of name, phone, email or instagram_username is required",
    )
}
