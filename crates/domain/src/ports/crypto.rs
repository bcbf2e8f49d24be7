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

/// Password hashing (argon2id). Implementations run the hashing off the async executor.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHashing: Send + Sync {
    /// A new PHC string for `password`.
    ///
    /// # Errors
    /// When hashing fails (password too long, no randomness).
    async fn hash(&self, password: Password) -> anyhow::Result<String>;

    /// Checks `password` against the stored PHC string `phc`.
    ///
    /// # Errors
    /// When `phc` is malformed or the password is too long.
    async fn verify(&self, password: Password, phc: String) -> anyhow::Result<PasswordVerdict>;

    /// Spends the time of a [`PasswordHashing::verify`] and always fails: used when the account
    /// does not exist, so timing does not reveal which e-mails are registered.
    async fn verify_dummy(&self, password: Password);
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
