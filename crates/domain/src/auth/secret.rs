//! Secret values that must never show up in logs or mock failure messages.

use std::fmt;

/// A plaintext password on its way to the hasher. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a plaintext password.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plaintext, for the hasher only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters (for the password policy).
    #[must_use]
    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// SHA-256 of an opaque token (session, API token, invite): the only form ever stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Lowercase hex, for keys such as the throttle counters.
    #[must_use]
    pub fn to_hex(&self) -> String {
        use fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        assert_eq!(format!("{:?}", Password::new("hunter2")), "Password(***)");
        let h = TokenHash([0xab; 32]);
        assert_eq!(h.to_hex().len(), 64);
        assert_eq!(format!("{h:?}"), "TokenHash(abababab…)");
    }
}
