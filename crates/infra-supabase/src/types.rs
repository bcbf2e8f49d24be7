//! Values returned by the adapter.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A Supabase Auth user, as Supabase itself describes them (a sign-in's answer, or
/// `GET /auth/v1/user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupabaseUser {
    /// The Supabase user id (`auth.users.id`, the token's `sub`).
    pub id: Uuid,
    /// The user's email, lower-cased.
    pub email: String,
    /// Whether Supabase has confirmed the email (`email_confirmed_at` is set in its user
    /// record; never taken from a token's user-editable metadata).
    pub email_verified: bool,
}

/// The trusted claims of a verified Supabase access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The Supabase user id.
    pub sub: Uuid,
    /// The `email` claim, lower-cased, if present and non-empty.
    pub email: Option<String>,
    /// The `role` claim (informational; never grant privileges from it).
    pub role: Option<String>,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
}
