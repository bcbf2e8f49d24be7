//! Default security headers for an API that serves only JSON to a browser frontend.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;

/// The liveness probe is the one response caches may keep: it does no IO and says nothing
/// about tenants.
const CACHEABLE_PATH: &str = "/healthz";

/// Adds `X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options` and (except on
/// `/healthz`) `Cache-Control: no-store`. Use with `actix_web::middleware::from_fn`.
///
/// # Errors
/// Passes inner `Err`s through unchanged.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let cacheable = req.path() == CACHEABLE_PATH;
    let mut res = next.call(req).await?;
    apply(res.headers_mut(), cacheable);
    Ok(res)
}

/// Sets the headers on `headers`. A `Cache-Control` chosen by a handler is kept.
pub(crate) fn apply(headers: &mut HeaderMap, cacheable: bool) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Nothing Atende serves is meant to be framed (clickjacking on the /docs page included).
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
