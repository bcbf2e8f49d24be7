//! Adapter configuration.

use std::time::Duration;

use secrecy::SecretString;

/// Longest time a fetched JWKS is trusted (Supabase's own edge cache time).
pub const MAX_JWKS_TTL: Duration = Duration::from_secs(600);

/// Default HTTP timeout for calls to Supabase Auth.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach one Supabase project's Auth service.
#[derive(Debug, Clone)]
pub struct SupabaseConfig {
    /// Project URL, e.g. `https://abc.supabase.co` (a trailing `/` is ignored).
    pub url: String,
    /// The project's anon (publishable) key, sent as the `apikey` header.
    pub anon_key: SecretString,
    /// Legacy HS256 JWT secret; when `None`, HS256 tokens are refused.
    pub jwt_secret: Option<SecretString>,
    /// How long a fetched JWKS is trusted; values above [`MAX_JWKS_TTL`] are capped.
    pub jwks_ttl: Duration,
    /// Total timeout of each HTTP call to Supabase.
    pub http_timeout: Duration,
}

impl SupabaseConfig {
    /// A configuration with the default JWKS TTL (10 min), the default HTTP
    /// timeout (10 s) and no legacy HS256 secret.
    pub fn new(url: impl Into<String>, anon_key: SecretString) -> Self {
        Self {
            url: url.into(),
            anon_key,
            jwt_secret: None,
            jwks_ttl: MAX_JWKS_TTL,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
        }
    }

    /// Sets the legacy HS256 JWT secret.
    #[must_use]
    pub fn with_jwt_secret(mut self, secret: SecretString) -> Self {
        self.jwt_secret = Some(secret);
        self
    }

    /// Sets the JWKS TTL (capped at [`MAX_JWKS_TTL`] when used).
    #[must_use]
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_ttl = ttl;
        self
    }

    /// Sets the HTTP timeout.
    #[must_use]
    pub fn with_http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }
}
