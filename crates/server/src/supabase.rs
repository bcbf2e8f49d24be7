//! The [`ExternalAuthProvider`] port over `infra_supabase::SupabaseAuth` (Supabase mode).

use async_trait::async_trait;
use domain::AuthUserId;
use domain::auth::{Email, Password};
use domain::ports::external_auth::{ExternalAuthError, ExternalAuthProvider, ExternalUser};
use infra_supabase::{JwtError, SupabaseAuth, SupabaseError, SupabaseUser};

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

fn external(user: SupabaseUser) -> ExternalUser {
    ExternalUser {
        auth_user_id: AuthUserId(user.id),
        email: Some(user.email),
        email_verified: user.email_verified,
    }
}

fn refused(e: SupabaseError) -> ExternalAuthError {
    match e {
        SupabaseError::InvalidCredentials => ExternalAuthError::InvalidCredentials,
        SupabaseError::RateLimited => ExternalAuthError::RateLimited,
        // A token Supabase itself issued that does not verify is a configuration or upstream
        // fault, not the user's.
        e
        @ (SupabaseError::Unavailable(_) | SupabaseError::Token(_) | SupabaseError::Config(_)) => {
            ExternalAuthError::Unavailable(e.to_string())
        }
    }
}

#[async_trait]
impl ExternalAuthProvider for SupabaseProvider {
    async fn sign_in_with_password(
        &self,
        email: Email,
        password: Password,
    ) -> Result<ExternalUser, ExternalAuthError> {
        self.client
            .sign_in_with_password(email.as_str(), password.expose())
            .await
            .map(external)
            .map_err(refused)
    }

    async fn verify_bearer(&self, token: String) -> Result<ExternalUser, ExternalAuthError> {
        match self.client.verify_access_token(&token).await {
            Ok(verified) => Ok(ExternalUser {
                auth_user_id: AuthUserId(verified.sub),
                email: verified.email,
                // A token's own claims never vouch for the e-mail.
                email_verified: false,
            }),
            Err(JwtError::JwksUnavailable(e)) => Err(ExternalAuthError::Unavailable(e)),
            Err(e) => {
                tracing::debug!(error = %e, "supabase access token refused");
                Err(ExternalAuthError::InvalidCredentials)
            }
        }
    }

    async fn current_user(&self, token: String) -> Result<ExternalUser, ExternalAuthError> {
        self.client
            .user(&token)
            .await
            .map(external)
            .map_err(|e| match e {
                // The caller's token names another user than Supabase's record: not theirs.
                SupabaseError::Token(_) => ExternalAuthError::InvalidCredentials,
                e => refused(e),
            })
    }
}
