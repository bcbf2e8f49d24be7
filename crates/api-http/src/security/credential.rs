//! Reading the credential of a request.

use actix_web::HttpRequest;
use actix_web::http::header;
use app::auth::Credential;

use crate::auth::cookie;
use crate::state::HttpSettings;

/// `Authorization: Bearer <token>` wins over the session cookie; `None` when neither is there.
pub fn from_request(req: &HttpRequest, settings: &HttpSettings) -> Option<Credential> {
    if let Some(token) = bearer(req) {
        return Some(Credential::Bearer(token));
    }
    cookie::read(req, settings.cookie_secure).map(Credential::Session)
}

/// The bearer token, if the request has a well-formed `Authorization: Bearer` header.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 4096)
        .then(|| token.to_owned())
}
