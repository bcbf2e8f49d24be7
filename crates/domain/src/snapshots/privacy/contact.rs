//! E-mail addresses and Instagram handles.
//!
//! - **E-mails**: `local@domain.tld` (the domain needs a dot and a top-level part of two or more
//!   letters) → `[email]`.
//! - **Handles**: `@` not glued to a word, then 1–30 letters, digits, `.` or `_` with at least one
//!   letter (`@fulana`, `@ana.souza_`, `(@clinica)`) → `[instagram]`. A lone `@`, `@ 14h` or
//!   `@123` stay.

use super::{Builder, EMAIL_MASK, HANDLE_MASK, Segment};

/// Longest Instagram username.
const MAX_HANDLE_CHARS: usize = 30;

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

pub(super) fn mask_emails(chars: &[char]) -> Vec<Segment> {
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > b.pending && is_email_local(chars[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_email_domain(chars[end]) {
            end += 1;
        }
        while end > i + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        if start < i && is_email_domain_shape(&chars[i + 1..end]) {
            b.mask(start, end, EMAIL_MASK);
            i = end;
        } else {
            i += 1;
        }
    }
    b.finish()
}

/// A domain with a dot, a non-empty first label and a top-level part of two or more letters.
fn is_email_domain_shape(domain: &[char]) -> bool {
    let Some(last_dot) = domain.iter().rposition(|c| *c == '.') else {
        return false;
    };
    let tld = &domain[last_dot + 1..];
    domain.first().is_some_and(char::is_ascii_alphanumeric)
        && tld.len() >= 2
        && tld.iter().all(char::is_ascii_alphabetic)
}

fn is_handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_')
}

pub(super) fn mask_handles(chars: &[char]) -> Vec<Segment> {
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < chars.len() {
        let glued = i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '.' | '_'));
        if chars[i] != '@' || glued {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < chars.len() && is_handle_char(chars[end]) {
            end += 1;
        }
        while end > i + 1 && chars[end - 1] == '.' {
            end -= 1;
        }
        let name = &chars[i + 1..end];
        if (1..=MAX_HANDLE_CHARS).contains(&name.len())
            && name.iter().any(char::is_ascii_alphabetic)
        {
            b.mask(i, end, HANDLE_MASK);
            i = end;
        } else {
            i += 1;
        }
    }
    b.finish()
}
