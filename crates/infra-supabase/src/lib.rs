//! Supabase Auth adapter for clinics whose users live in Supabase.
//!
//! - [`SupabaseAuth::sign_in_with_password`]: the password grant
//!   (`POST {url}/auth/v1/token?grant_type=password` with the `apikey`
//!   header), whose returned access token is verified before the user is
//!   trusted.
//! - [`SupabaseAuth::user`]: the user behind a (locally verified) access token as
//!   Supabase describes them (`GET {url}/auth/v1/user`), with whether the email is confirmed.
//! - [`SupabaseAuth::verify_access_token`]: local verification of Supabase
//!   access tokens. ES256/RS256 keys come from the project's JWKS
//!   (`{url}/auth/v1/.well-known/jwks.json`), picked by `kid`, cached for at
//!   most 10 minutes and refetched on an unknown `kid` no more than once per
//!   30 s. HS256 is accepted only with an explicitly configured legacy
//!   secret. `alg: none` and every other algorithm are refused.
//!
//! Passwords, tokens and keys never appear in logs, errors or `Debug` output.

mod auth;
mod claims;
mod clock;
mod config;
mod error;
mod header;
mod http;
mod jwks;
mod jwks_cache;
mod password;
mod types;
mod user;

pub use auth::SupabaseAuth;
pub use clock::{Clock, SystemClock};
pub use config::{DEFAULT_HTTP_TIMEOUT, MAX_JWKS_TTL, SupabaseConfig};
pub use error::{JwtError, SupabaseError};
pub use jwks_cache::DEFAULT_REFETCH_INTERVAL;
pub use types::{SupabaseUser, VerifiedToken};
