//! Error types of the adapter.

/// Why an access token was refused.
///
/// Messages never contain the token or any key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The token's `exp` is in the past (beyond the allowed leeway).
    #[error("token expired")]
    Expired,
    /// `aud` is missing or does not contain `authenticated`.
    #[error("token audience is not accepted")]
    InvalidAudience,
    /// `iss` is missing or is not `{url}/auth/v1`.
    #[error("token issuer is not accepted")]
    InvalidIssuer,
    /// The signature does not verify with the selected key, or the key is
    /// meant for another algorithm.
    #[error("token signature is invalid")]
    InvalidSignature,
    /// The token is not a well-formed JWT or a required claim is missing or
    /// has the wrong type (for example a `sub` that is not a UUID).
    #[error("token is malformed")]
    Malformed,
    /// The token has no `kid`, or its `kid` is not in the project's JWKS.
    #[error("token signing key is unknown")]
    UnknownKey,
    /// The `alg` is not ES256, RS256 or (with a configured secret) HS256.
    #[error("token algorithm is not supported")]
    UnsupportedAlgorithm,
    /// The JWKS could not be fetched or parsed.
    #[error("JWKS unavailable: {0}")]
    JwksUnavailable(String),
}

/// Why a Supabase Auth call failed.
///
/// Messages never contain the password, tokens or the anon key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupabaseError {
    /// Wrong email or password (Supabase does not say which).
    #[error("invalid login credentials")]
    InvalidCredentials,
    /// Supabase answered 429.
    #[error("rate limited by Supabase Auth")]
    RateLimited,
    /// Supabase could not be reached, timed out or answered an unexpected
    /// status or body.
    #[error("Supabase Auth unavailable: {0}")]
    Unavailable(String),
    /// Supabase returned an access token that failed verification.
    #[error("Supabase returned an unacceptable token: {0}")]
    Token(JwtError),
    /// The configuration is invalid.
    #[error("invalid Supabase configuration: {0}")]
    Config(String),
}

impl From<JwtError> for SupabaseError {
    fn from(err: JwtError) -> Self {
        match err {
            JwtError::JwksUnavailable(msg) => Self::Unavailable(format!("JWKS: {msg}")),
            other => Self::Token(other),
        }
    }
}
