//! CORS: exactly the configured origins, with credentials; never `*`.

use actix_cors::Cors;
use actix_web::http::{Method, header};

use crate::request_id::HEADER as REQUEST_ID;

/// The CORS middleware for `allowed_origins`. With none, no cross-origin request gets CORS
/// headers (same-origin use only). Requests from other origins are not blocked here: browsers
/// enforce CORS, and the CSRF check refuses foreign cookie-authenticated writes.
pub fn cors(allowed_origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .supports_credentials()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            REQUEST_ID,
            // Replies are sent with an idempotency key (`POST /api/chat/send`).
            header::HeaderName::from_static("idempotency-key"),
            // EventSource sends it when it reconnects to `GET /api/events`; it is not
            // CORS-safelisted, so a cross-origin reconnect is preflighted.
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([REQUEST_ID, header::RETRY_AFTER])
        .max_age(600);
    for origin in allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
