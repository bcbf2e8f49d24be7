//! Implementations of the domain's crypto ports.

use crate::password::PasswordHasher;
use async_trait::async_trait;
use domain::auth::{Password, TokenHash};
use domain::ports::crypto::{PasswordHashing, PasswordVerdict, TokenService};

/// [`PasswordHashing`] with argon2id, run on tokio's blocking pool (a verification takes tens
/// of milliseconds of CPU).
#[derive(Debug, Clone, Default)]
pub struct Argon2Passwords {
    hasher: PasswordHasher,
}

impl Argon2Passwords {
    /// The adapter over `hasher` (OWASP parameters with [`PasswordHasher::new`]).
    #[must_use]
    pub fn new(hasher: PasswordHasher) -> Self {
        Self { hasher }
    }
}

#[async_trait]
impl PasswordHashing for Argon2Passwords {
    async fn hash(&self, password: Password) -> anyhow::Result<String> {
        let hasher = self.hasher.clone();
        Ok(tokio::task::spawn_blocking(move || hasher.hash(password.expose())).await??)
    }

    async fn verify(&self, password: Password, phc: String) -> anyhow::Result<PasswordVerdict> {
        let hasher = self.hasher.clone();
        let check =
            tokio::task::spawn_blocking(move || hasher.verify(password.expose(), &phc)).await??;
        Ok(PasswordVerdict {
            valid: check.valid,
            needs_rehash: check.needs_rehash,
        })
    }

    async fn verify_dummy(&self, password: Password) {
        let hasher = self.hasher.clone();
        let _ = tokio::task::spawn_blocking(move || hasher.verify_dummy(password.expose())).await;
    }
}

/// [`TokenService`] with the OS random generator and SHA-256 ([`crate::token`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTokens;

impl TokenService for RandomTokens {
    fn generate(&self, prefix: &'static str) -> anyhow::Result<String> {
        Ok(crate::token::generate(prefix)?)
    }

    fn hash(&self, value: String) -> TokenHash {
        TokenHash(crate::token::hash(&value))
    }
}
