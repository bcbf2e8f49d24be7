//! The session cookie: `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` and the `__Host-` name
//! when secure. No `Max-Age`: a browser-session cookie; the server enforces the lifetimes. And
//! the trusted-device cookie ([`device`]).

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};

/// Cookie name in secure mode (`__Host-` binds it to this host, `Path=/`, `Secure`).
pub const SECURE_NAME: &str = "__Host-atende_session";
/// Cookie name otherwise (plain-HTTP development).
pub const PLAIN_NAME: &str = "atende_session";

/// The cookie name for the mode.
#[must_use]
pub fn name(secure: bool) -> &'static str {
    if secure { SECURE_NAME } else { PLAIN_NAME }
}

/// The cookie carrying a new session token.
#[must_use]
pub fn session(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name(secure), token)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .finish()
}

/// A cookie that makes the browser drop the session cookie.
#[must_use]
pub fn expired(secure: bool) -> Cookie<'static> {
    let mut c = session(String::new(), secure);
    c.set_max_age(Duration::ZERO);
    c
}

/// The trusted-device cookie's name in secure mode.
pub const DEVICE_SECURE_NAME: &str = "__Host-atende_device";
/// The trusted-device cookie's name otherwise.
pub const DEVICE_PLAIN_NAME: &str = "atende_device";

fn device_name(secure: bool) -> &'static str {
    if secure {
        DEVICE_SECURE_NAME
    } else {
        DEVICE_PLAIN_NAME
    }
}

/// The trusted-device cookie set after a password sign-in: like the session cookie, but kept
/// for 180 days (it only lets this browser's later sign-ins for the same e-mail take the
/// reserved hashing lane; it signs nobody in). `SameSite=Strict`: it is only needed on Atende's
/// own sign-in calls.
#[must_use]
pub fn device(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(device_name(secure), value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(Duration::days(180))
        .finish()
}

/// The trusted-device cookie sent by the client, if any.
#[must_use]
pub fn read_device(req: &HttpRequest, secure: bool) -> Option<String> {
    req.cookie(device_name(secure))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The session token sent by the client, if any.
#[must_use]
pub fn read(req: &HttpRequest, secure: bool) -> Option<String> {
    req.cookie(name(secure))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}
