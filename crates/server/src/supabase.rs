//! The [`ExternalAuthProvider`] port over `infra_supabase::SupabaseAuth` (Supabase mode).

use async_trait::async_trait;
use domain::AuthUserId;
use domain::auth::{Email, Password};
use domain::ports::external_auth::{ExternalAuthError, ExternalAuthProvider, ExternalUser};
use infra_supabase::{JwtError, SupabaseAuth, SupabaseError};

/// Supabase Auth as Atende's identity provider.
#[derive(Debug, Clone)]
pub struct SupabaseProvider {
    client: SupabaseAuth,
}

impl SupabaseProvider {
    /// The provider over a configured client.
    #[must_use]
    pub fn new(client: SupabaseAuth) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ExternalAuthProvider for SupabaseProvider {
    async fn sign_in_with_password(
        &self,
        email: Email,
        password: Password,
    ) -> Result<ExternalUser, ExternalAuthError> {
        match self
            .client
            .sign_in_with_password(email.as_str(), password.expose())
            .await
        {
            Ok(user) => Ok(ExternalUser {
                auth_user_id: AuthUserId(user.id),
                email: Some(user.email),
            }),
            Err(SupabaseError::InvalidCredentials) => Err(ExternalAuthError::InvalidCredentials),
            Err(SupabaseError::RateLimited) => Err(ExternalAuthError::RateLimited),
            // A token Supabase itself issued that does not verify is a configuration or
            // upstream fault, not the user's.
            Err(
                e @ (SupabaseError::Unavailable(_)
                | SupabaseError::Token(_)
                | SupabaseError::Config(_)),
            ) => Err(ExternalAuthError::Unavailable(e.to_string())),
        }
    }

    async fn verify_bearer(&self, token: String) -> Result<ExternalUser, ExternalAuthError> {
        match self.client.verify_access_token(&token).await {
            Ok(verified) => Ok(ExternalUser {
                auth_user_id: AuthUserId(verified.sub),
                email: verified.email,
            }),
            Err(JwtError::JwksUnavailable(e)) => Err(ExternalAuthError::Unavailable(e)),
            Err(e) => {
                tracing::debug!(error = %e, "supabase access token refused");
                Err(ExternalAuthError::InvalidCredentials)
            }
        }
    }
}
