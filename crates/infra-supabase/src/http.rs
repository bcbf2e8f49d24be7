//! HTTP plumbing shared by the JWKS fetch and the password grant.

use crate::auth::Endpoints;
use crate::jwks::{KeySet, MAX_JWKS_BYTES, parse_jwks};

/// A secret-free description of a transport error (the URL is left out too).
pub(crate) fn describe(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "could not read the response"
    } else {
        "request failed"
    }
}

/// `GET {url}/auth/v1/.well-known/jwks.json` and parse it.
///
/// # Errors
///
/// A secret-free description of the transport error, the unexpected status
/// or the unparsable body.
pub(crate) async fn fetch_jwks(
    http: &reqwest::Client,
    endpoints: &Endpoints,
) -> Result<KeySet, String> {
    let resp = http
        .get(endpoints.jwks.clone())
        .headers(endpoints.api_headers.clone())
        .send()
        .await
        .map_err(|e| format!("JWKS fetch {}", describe(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("JWKS endpoint answered {}", status.as_u16()));
    }
    if resp
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
    {
        return Err("JWKS body too large".to_owned());
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("JWKS fetch {}", describe(&e)))?;
    parse_jwks(&body)
}
