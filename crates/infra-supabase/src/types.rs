//! Values returned by the adapter.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A Supabase Auth user who just signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupabaseUser {
    /// The Supabase user id (`auth.users.id`, the token's `sub`).
    pub id: Uuid,
    /// The user's email, lower-cased.
    pub email: String,
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
