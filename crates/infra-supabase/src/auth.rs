//! The adapter handle: construction and access-token verification.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Url};
use secrecy::ExposeSecret;

use crate::claims::verify_claims;
use crate::clock::{Clock, SystemClock};
use crate::config::{MAX_JWKS_TTL, SupabaseConfig};
use crate::error::{JwtError, SupabaseError};
use crate::header::parse_header;
use crate::http::fetch_jwks;
use crate::jwks_cache::{DEFAULT_REFETCH_INTERVAL, JwksCache};
use crate::types::VerifiedToken;

/// Signs users in with Supabase Auth and verifies Supabase access tokens.
///
/// Cheap to clone; clones share the HTTP client and the JWKS cache.
#[derive(Clone)]
pub struct SupabaseAuth {
    pub(crate) http: Client,
    pub(crate) endpoints: Arc<Endpoints>,
    hs256: Option<Arc<DecodingKey>>,
    jwks_ttl: Duration,
    refetch_interval: Duration,
    cache: Arc<JwksCache>,
    clock: Arc<dyn Clock>,
}

/// The project's URLs and the `apikey` header.
pub(crate) struct Endpoints {
    /// Expected `iss`: `{url}/auth/v1`.
    pub(crate) issuer: String,
    /// `{url}/auth/v1/token?grant_type=password`.
    pub(crate) password_grant: Url,
    /// `{url}/auth/v1/.well-known/jwks.json`.
    pub(crate) jwks: Url,
    /// `{url}/auth/v1/user`.
    pub(crate) user: Url,
    /// `apikey: <anon key>` (marked sensitive).
    pub(crate) api_headers: HeaderMap,
}

impl fmt::Debug for SupabaseAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupabaseAuth")
            .field("issuer", &self.endpoints.issuer)
            .field("hs256", &self.hs256.is_some())
            .field("jwks_ttl", &self.jwks_ttl)
            .field("refetch_interval", &self.refetch_interval)
            .finish_non_exhaustive()
    }
}

impl SupabaseAuth {
    /// Builds the adapter (no network I/O happens here).
    ///
    /// # Errors
    ///
    /// [`SupabaseError::Config`] when the URL is not an absolute http(s) URL
    /// without query or fragment, the anon key is not a valid header value,
    /// the HS256 secret is empty, or the HTTP client cannot be built.
    pub fn new(config: SupabaseConfig) -> Result<Self, SupabaseError> {
        // Pin jsonwebtoken to aws-lc-rs even if feature unification ever also
        // enables its `rust_crypto` backend (which would otherwise panic).
        // An `Err` only means a provider is already installed.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let endpoints = endpoints(&config)?;
        let hs256 = match &config.jwt_secret {
            Some(secret) if secret.expose_secret().is_empty() => {
                return Err(SupabaseError::Config("jwt_secret is empty".to_owned()));
            }
            Some(secret) => Some(Arc::new(DecodingKey::from_secret(
                secret.expose_secret().as_bytes(),
            ))),
            None => None,
        };
        let http = Client::builder()
            .timeout(config.http_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| SupabaseError::Config("cannot build the HTTP client".to_owned()))?;
        let jwks_ttl = config.jwks_ttl.min(MAX_JWKS_TTL);
        Ok(Self {
            http,
            endpoints: Arc::new(endpoints),
            hs256,
            jwks_ttl,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            cache: Arc::new(JwksCache::new(jwks_ttl, DEFAULT_REFETCH_INTERVAL)),
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for the JWKS cache's TTL and refetch floor (for tests).
    /// The returned handle starts with an empty JWKS cache.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.cache = Arc::new(JwksCache::new(self.jwks_ttl, self.refetch_interval));
        self
    }

    /// Sets the minimum time between two JWKS fetches (default 30 s).
    /// The returned handle starts with an empty JWKS cache.
    #[must_use]
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self.cache = Arc::new(JwksCache::new(self.jwks_ttl, interval));
        self
    }

    /// Verifies a Supabase access token and returns its trusted claims.
    ///
    /// Accepts ES256 and RS256 tokens whose `kid` is in the project's JWKS
    /// (with a matching JWK `alg`), and HS256 tokens only when a legacy JWT
    /// secret is configured. Requires `iss == {url}/auth/v1`, an `aud`
    /// containing `authenticated`, `exp` in the future (30 s leeway) and a
    /// UUID `sub`.
    ///
    /// # Errors
    ///
    /// The [`JwtError`] naming the first failed check;
    /// [`JwtError::JwksUnavailable`] when the JWKS was needed but could not
    /// be fetched.
    pub async fn verify_access_token(&self, token: &str) -> Result<VerifiedToken, JwtError> {
        let header = parse_header(token)?;
        let issuer = &self.endpoints.issuer;
        if header.alg == Algorithm::HS256 {
            let key = self.hs256.as_ref().ok_or(JwtError::UnsupportedAlgorithm)?;
            return verify_claims(token, key, Algorithm::HS256, issuer);
        }
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let key = self
            .cache
            .key(
                &kid,
                || self.clock.now(),
                || fetch_jwks(&self.http, &self.endpoints),
            )
            .await?;
        if key.alg != header.alg {
            return Err(JwtError::InvalidSignature);
        }
        verify_claims(token, &key.key, header.alg, issuer)
    }
}

fn endpoints(config: &SupabaseConfig) -> Result<Endpoints, SupabaseError> {
    let bad = |why: &str| SupabaseError::Config(format!("url {why}"));
    let base = config.url.trim_end_matches('/');
    let parsed = Url::parse(base).map_err(|_| bad("is not an absolute URL"))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(bad("must be http(s) with a host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        tracing::warn!("supabase url is plain http; passwords would travel unencrypted");
    }
    let url = |path: &str| Url::parse(&format!("{base}{path}")).map_err(|_| bad("is invalid"));
    let mut apikey = HeaderValue::from_str(config.anon_key.expose_secret())
        .map_err(|_| SupabaseError::Config("anon_key is not a valid header value".to_owned()))?;
    apikey.set_sensitive(true);
    let mut api_headers = HeaderMap::new();
    api_headers.insert("apikey", apikey);
    Ok(Endpoints {
        issuer: format!("{base}/auth/v1"),
        password_grant: url("/auth/v1/token?grant_type=password")?,
        jwks: url("/auth/v1/.well-known/jwks.json")?,
        user: url("/auth/v1/user")?,
        api_headers,
    })
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
