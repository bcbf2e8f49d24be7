//! `GET /auth/v1/user`: the user behind an access token, in Supabase's own words.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use uuid::Uuid;

use crate::auth::SupabaseAuth;
use crate::error::{JwtError, SupabaseError};
use crate::http::describe;
use crate::password::ResponseUser;
use crate::types::SupabaseUser;

/// Largest user body read, in bytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

impl SupabaseAuth {
    /// The user behind `access_token` as Supabase's user record has them, with whether the
    /// email is confirmed (`email_confirmed_at`) — the claim an access token cannot be trusted
    /// with (its metadata is user-editable). The token is verified locally first, so a forged
    /// one costs no call to Supabase.
    ///
    /// # Errors
    ///
    /// [`SupabaseError::InvalidCredentials`] when the token does not verify or Supabase refuses
    /// it (401/403); [`SupabaseError::RateLimited`] on 429; [`SupabaseError::Unavailable`] on a
    /// transport error, another status or an unreadable body; [`SupabaseError::Token`] when the
    /// record names another user.
    pub async fn user(&self, access_token: &str) -> Result<SupabaseUser, SupabaseError> {
        let verified = self
            .verify_access_token(access_token)
            .await
            .map_err(|e| match e {
                JwtError::JwksUnavailable(msg) => {
                    SupabaseError::Unavailable(format!("JWKS: {msg}"))
                }
                _ => SupabaseError::InvalidCredentials,
            })?;
        let mut bearer = HeaderValue::from_str(&format!("Bearer {access_token}"))
            .map_err(|_| SupabaseError::InvalidCredentials)?;
        bearer.set_sensitive(true);
        let unavailable = |e: &reqwest::Error| {
            let why = describe(e);
            tracing::warn!(error = why, "supabase user lookup failed");
            SupabaseError::Unavailable(format!("user endpoint {why}"))
        };
        let resp = self
            .http
            .get(self.endpoints.user.clone())
            .headers(self.endpoints.api_headers.clone())
            .header(AUTHORIZATION, bearer)
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        let status = resp.status();
        if resp
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(SupabaseError::Unavailable(
                "user endpoint body too large".to_owned(),
            ));
        }
        let body = resp.bytes().await.map_err(|e| unavailable(&e))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(SupabaseError::Unavailable(
                "user endpoint body too large".to_owned(),
            ));
        }
        match status {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(SupabaseError::InvalidCredentials);
            }
            StatusCode::TOO_MANY_REQUESTS => return Err(SupabaseError::RateLimited),
            other => {
                let status = other.as_u16();
                tracing::warn!(status, "supabase user lookup refused");
                return Err(SupabaseError::Unavailable(format!(
                    "user endpoint answered {status}"
                )));
            }
        }
        let user: ResponseUser = serde_json::from_slice(&body).map_err(|_| {
            SupabaseError::Unavailable("user endpoint sent an unexpected body".to_owned())
        })?;
        if user.id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) != Some(verified.sub) {
            return Err(SupabaseError::Token(JwtError::Malformed));
        }
        let email = user
            .email
            .filter(|e| !e.is_empty())
            .ok_or(SupabaseError::Token(JwtError::Malformed))?;
        Ok(SupabaseUser {
            id: verified.sub,
            email: email.to_lowercase(),
            email_verified: user
                .email_confirmed_at
                .as_deref()
                .is_some_and(|at| !at.is_empty()),
        })
    }
}
