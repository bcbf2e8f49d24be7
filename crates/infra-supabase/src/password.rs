//! `POST /auth/v1/token?grant_type=password`.

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::SupabaseAuth;
use crate::error::{JwtError, SupabaseError};
use crate::http::describe;
use crate::types::SupabaseUser;

/// Largest token-endpoint body read, in bytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Serialize)]
struct PasswordGrant<'a> {
    email: &'a str,
    password: &'a str,
}

/// The fields of the 200 body we use (no `Debug`: it holds tokens).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    user: Option<ResponseUser>,
}

#[derive(Deserialize)]
pub(crate) struct ResponseUser {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    /// Set once Supabase confirmed the email (a timestamp); `null` or absent before.
    #[serde(default)]
    pub(crate) email_confirmed_at: Option<String>,
}

/// Both error shapes: legacy `{error, error_description}` and current
/// `{code, error_code, msg}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
}

impl ErrorBody {
    fn is_invalid_credentials(&self) -> bool {
        self.error_code.as_deref() == Some("invalid_credentials")
            || (self.error.as_deref() == Some("invalid_grant")
                && self.error_description.as_deref() == Some("Invalid login credentials"))
    }

    /// A short code safe to log (never the free-text message).
    fn code(&self) -> &str {
        self.error_code
            .as_deref()
            .or(self.error.as_deref())
            .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or("-")
    }
}

impl SupabaseAuth {
    /// Signs a user in with email and password (the password grant), then
    /// verifies the returned access token like [`Self::verify_access_token`].
    ///
    /// The email is sent as given. Neither the password nor any token is
    /// logged or put in an error.
    ///
    /// # Errors
    ///
    /// [`SupabaseError::InvalidCredentials`] for a wrong email or password;
    /// [`SupabaseError::RateLimited`] on 429; [`SupabaseError::Unavailable`]
    /// on any other failure status, a timeout, a connection error, an
    /// unreadable body or an unavailable JWKS; [`SupabaseError::Token`] when
    /// the returned token fails verification or names another user.
    pub async fn sign_in_with_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<SupabaseUser, SupabaseError> {
        let unavailable = |e: &reqwest::Error| {
            let why = describe(e);
            tracing::warn!(error = why, "supabase password grant failed");
            SupabaseError::Unavailable(format!("token endpoint {why}"))
        };
        let resp = self
            .http
            .post(self.endpoints.password_grant.clone())
            .headers(self.endpoints.api_headers.clone())
            .json(&PasswordGrant { email, password })
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| unavailable(&e))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(SupabaseError::Unavailable(
                "token endpoint body too large".to_owned(),
            ));
        }
        if status.is_success() {
            return self.signed_in(&body).await;
        }
        let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        match status {
            StatusCode::BAD_REQUEST if error.is_invalid_credentials() => {
                Err(SupabaseError::InvalidCredentials)
            }
            StatusCode::TOO_MANY_REQUESTS => {
                tracing::warn!("supabase password grant rate limited");
                Err(SupabaseError::RateLimited)
            }
            _ => {
                let (status, code) = (status.as_u16(), error.code());
                tracing::warn!(status, code, "supabase password grant refused");
                Err(SupabaseError::Unavailable(format!(
                    "token endpoint answered {status} ({code})"
                )))
            }
        }
    }

    async fn signed_in(&self, body: &[u8]) -> Result<SupabaseUser, SupabaseError> {
        let resp: TokenResponse = serde_json::from_slice(body).map_err(|_| {
            SupabaseError::Unavailable("token endpoint sent an unexpected body".to_owned())
        })?;
        let token = self.verify_access_token(&resp.access_token).await?;
        let user = resp.user.unwrap_or(ResponseUser {
            id: None,
            email: None,
            email_confirmed_at: None,
        });
        if let Some(id) = user.id
            && Uuid::parse_str(&id).ok() != Some(token.sub)
        {
            return Err(SupabaseError::Token(JwtError::Malformed));
        }
        let email_verified = user
            .email_confirmed_at
            .as_deref()
            .is_some_and(|at| !at.is_empty());
        let email = token
            .email
            .or_else(|| user.email.filter(|e| !e.is_empty()))
            .ok_or(SupabaseError::Token(JwtError::Malformed))?;
        Ok(SupabaseUser {
            id: token.sub,
            email: email.to_lowercase(),
            email_verified,
        })
    }
}
