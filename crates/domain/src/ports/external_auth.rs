//! An external identity provider (Supabase Auth) for password sign-in and bearer tokens.

use crate::AuthUserId;
use crate::auth::{Email, Password};
use async_trait::async_trait;

/// A user as the external provider knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUser {
    /// The provider's user id (Supabase `sub`), used as our identity id.
    pub auth_user_id: AuthUserId,
    /// The user's e-mail, when the provider tells it.
    pub email: Option<String>,
    /// Whether the provider itself says the e-mail is verified (Supabase: `email_confirmed_at`
    /// of its user record). A locally verified access token does not say it: `false`.
    pub email_verified: bool,
}

/// Why the provider refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalAuthError {
    /// Wrong e-mail or password, or an invalid/expired token.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The provider rate-limited us.
    #[error("rate limited by the identity provider")]
    RateLimited,
    /// The provider could not be reached or answered nonsense.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

/// Sign-in and token verification against an external identity provider. Every method may
/// call the network: callers hold no database connection while they wait.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ExternalAuthProvider: Send + Sync {
    /// Checks an e-mail and password with the provider.
    ///
    /// # Errors
    /// [`ExternalAuthError`].
    async fn sign_in_with_password(
        &self,
        email: Email,
        password: Password,
    ) -> Result<ExternalUser, ExternalAuthError>;

    /// Verifies a provider access token (locally; keys may be fetched).
    ///
    /// # Errors
    /// [`ExternalAuthError::InvalidCredentials`] for any invalid token.
    async fn verify_bearer(&self, token: String) -> Result<ExternalUser, ExternalAuthError>;

    /// Asks the provider for the user behind a valid access token, with the provider's own
    /// word on whether the e-mail is verified (Supabase: `GET /auth/v1/user`).
    ///
    /// # Errors
    /// [`ExternalAuthError`].
    async fn current_user(&self, token: String) -> Result<ExternalUser, ExternalAuthError>;
}
