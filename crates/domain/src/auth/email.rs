//! E-mail addresses as Atende stores them: trimmed and lower-cased.

use std::fmt;

/// A syntactically plausible e-mail address, trimmed and lower-cased (the form stored in
/// `auth_identities.email` and `users.email`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The input is not a usable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

impl Email {
    /// Normalises and checks `raw`: 3 to 254 characters, one `@` with text on both sides, no
    /// whitespace or control characters.
    ///
    /// # Errors
    /// [`InvalidEmail`] when `raw` does not look like an address.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let value = raw.trim().to_lowercase();
        let len = value.chars().count();
        let Some((local, domain)) = value.split_once('@') else {
            return Err(InvalidEmail);
        };
        let ok = (3..=254).contains(&len)
            && !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(value))
        } else {
            Err(InvalidEmail)
        }
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@` (a default display name).
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(
            Email::parse("  Ana@Clinic.TEST ").map(|e| e.0),
            Ok("ana@clinic.test".to_owned())
        );
        for bad in ["", "a", "@x", "x@", "a b@c", "a@b@c"] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad}");
        }
        assert_eq!(
            Email::parse("x@y").map(|e| e.local_part().to_owned()),
            Ok("x".into())
        );
    }
}
