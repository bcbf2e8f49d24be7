//! Password hashing and opaque tokens.

use crate::auth::{Password, TokenHash};
use async_trait::async_trait;

/// Outcome of a password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordVerdict {
    /// The password matches.
    pub valid: bool,
    /// The stored hash uses outdated parameters: store a fresh hash after a successful sign-in.
    pub needs_rehash: bool,
}

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot is taken and the waiting line is full: the request is refused at once
    /// (each argon2 run holds 19 MiB, so the number running at a time is bounded).
    #[error("password hashing is saturated")]
    Busy {
        /// Seconds after which a retry is sensible.
        retry_after_secs: u64,
    },
    /// Anything else (password too long, malformed stored hash, no randomness).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Password hashing (argon2id). Implementations run the hashing off the async executor, at most
/// a bounded number at a time, and refuse with [`HashError::Busy`] rather than queue without
/// bound.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHashing: Send + Sync {
    /// A new PHC string for `password`.
    ///
    /// # Errors
    /// [`HashError::Busy`] when saturated; otherwise when hashing fails (password too long, no
    /// randomness).
    async fn hash(&self, password: Password) -> Result<String, HashError>;

    /// Checks `password` against the stored PHC string `phc`.
    ///
    /// # Errors
    /// [`HashError::Busy`] when saturated; otherwise when `phc` is malformed or the password is
    /// too long.
    async fn verify(&self, password: Password, phc: String) -> Result<PasswordVerdict, HashError>;

    /// [`PasswordHashing::verify`] in the lane reserved for trusted devices (a browser that
    /// signed in to this account before, see [`DeviceTrust`]): its own slot and waiting line, so
    /// a flood of strangers' sign-ins cannot keep a member's browser waiting.
    ///
    /// # Errors
    /// As [`PasswordHashing::verify`], when the reserved lane is saturated too.
    async fn verify_trusted(
        &self,
        password: Password,
        phc: String,
    ) -> Result<PasswordVerdict, HashError>;

    /// Spends the time of a [`PasswordHashing::verify`] and always fails: used when the account
    /// does not exist, so timing does not reveal which e-mails are registered.
    ///
    /// # Errors
    /// [`HashError::Busy`] when saturated.
    async fn verify_dummy(&self, password: Password) -> Result<(), HashError>;

    /// Admits one sign-in to the common lane before it does any other work, or `None` when the
    /// lane is full: as many callers admitted and not yet done as there are slots and places in
    /// the waiting line. Holding the ticket until the check ends means a flood cannot queue
    /// database work for attempts that could not be hashed anyway.
    fn admit(&self) -> Option<HashTicket>;
}

/// A place in the hashing line (see [`PasswordHashing::admit`]); the place is given back when
/// the ticket is dropped.
pub struct HashTicket {
    /// Held only to be dropped.
    _place: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl HashTicket {
    /// A ticket that gives back `place` (whatever the adapter counts with) when dropped.
    #[must_use]
    pub fn holding(place: Box<dyn std::any::Any + Send + Sync>) -> Self {
        Self {
            _place: Some(place),
        }
    }

    /// A ticket that holds nothing (test doubles).
    #[must_use]
    pub fn untracked() -> Self {
        Self { _place: None }
    }
}

impl std::fmt::Debug for HashTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashTicket")
    }
}

/// Opaque 256-bit tokens and their SHA-256.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenService: Send + Sync {
    /// A new token: `prefix` followed by 43 base64url characters.
    ///
    /// # Errors
    /// When the system's random generator fails.
    fn generate(&self, prefix: &'static str) -> anyhow::Result<String>;

    /// SHA-256 of `value` (a token, or any key that must not be stored in clear).
    fn hash(&self, value: String) -> TokenHash;
}

/// Trusted-device cookies (OWASP's "device cookies"): a signed, long-lived cookie given to a
/// browser when it signs in, naming the e-mail it signed in with. A later sign-in for that e-mail
/// presenting it is from a browser that knew the password once; it gets the reserved hashing
/// lane ([`PasswordHashing::verify_trusted`]). Nothing is stored: the cookie is a MAC.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait DeviceTrust: Send + Sync {
    /// A new cookie value for the (normalised) `email`, issued at `now`.
    ///
    /// # Errors
    /// When no randomness is available.
    fn issue(&self, email: &str, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String>;

    /// Whether `cookie` was issued by [`DeviceTrust::issue`] for `email` and is still valid at
    /// `now`. Constant time in the MAC.
    fn trusts(&self, cookie: &str, email: &str, now: chrono::DateTime<chrono::Utc>) -> bool;
}
