//! CSRF defence for cookie-authenticated requests: the `Origin` (or, without it, the `Referer`)
//! must be the server's own or one of `ATENDE_ALLOWED_ORIGINS`.
//!
//! "The server's own" compares the origin's host (and port) with the request's `Host`, not the
//! scheme: behind a TLS-terminating proxy the server sees `http` while the browser says `https`.

use actix_web::HttpRequest;
use actix_web::http::{Method, header};

use crate::state::HttpSettings;

/// Whether `method` can change state.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// What the request says about where it comes from.
enum Source {
    /// An origin (`scheme://host[:port]`) from `Origin` or `Referer`.
    Origin(String),
    /// `Origin: null` (sandboxed frames, some redirects): a browser context we cannot trust.
    Opaque,
    /// Neither header.
    Unknown,
}

fn source(req: &HttpRequest) -> Source {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return match origin.trim() {
            "" => Source::Unknown,
            "null" => Source::Opaque,
            o => Source::Origin(o.trim_end_matches('/').to_ascii_lowercase()),
        };
    }
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    match referer.and_then(origin_of_url) {
        Some(o) => Source::Origin(o),
        None => Source::Unknown,
    }
}

/// `scheme://authority` of an absolute URL, lower-cased.
fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!scheme.is_empty() && !authority.is_empty())
        .then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

fn trusted(origin: &str, req: &HttpRequest, settings: &HttpSettings) -> bool {
    if settings
        .allowed_origins
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let authority = origin.split_once("://").map(|(_, a)| a);
    matches!((host, authority), (Some(h), Some(a)) if h == a)
}

/// Strict check, for cookie-authenticated unsafe requests: an origin is required and must be
/// trusted.
pub fn strict(req: &HttpRequest, settings: &HttpSettings) -> bool {
    match source(req) {
        Source::Origin(o) => trusted(&o, req, settings),
        Source::Opaque | Source::Unknown => false,
    }
}

/// Lenient check, for requests that set a session cookie without presenting one (sign-in,
/// accept-invite; "login CSRF"): a browser always sends `Origin` on a cross-site POST, so a
/// present origin must be trusted; non-browser clients that send none pass.
pub fn lenient(req: &HttpRequest, settings: &HttpSettings) -> bool {
    match source(req) {
        Source::Origin(o) => trusted(&o, req, settings),
        Source::Opaque => false,
        Source::Unknown => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn settings() -> HttpSettings {
        HttpSettings {
            allowed_origins: vec!["https://app.clinic.test".into()],
            ..HttpSettings::default()
        }
    }

    #[test]
    fn own_and_allowed_origins_pass_foreign_and_missing_ones_do_not() {
        let s = settings();
        let req = |h: &[(&str, &str)]| {
            let mut r = TestRequest::post().insert_header(("host", "api.clinic.test"));
            for (k, v) in h {
                r = r.insert_header((*k, *v));
            }
            r.to_http_request()
        };
        assert!(strict(&req(&[("origin", "https://app.clinic.test")]), &s));
        assert!(strict(&req(&[("origin", "https://api.clinic.test")]), &s));
        assert!(strict(
            &req(&[("referer", "https://app.clinic.test/x?y")]),
            &s
        ));
        assert!(!strict(&req(&[("origin", "https://evil.test")]), &s));
        assert!(!strict(
            &req(&[("origin", "https://app.clinic.test.evil")]),
            &s
        ));
        assert!(!strict(&req(&[("origin", "null")]), &s));
        assert!(!strict(&req(&[]), &s));
        assert!(lenient(&req(&[]), &s));
        assert!(!lenient(&req(&[("origin", "https://evil.test")]), &s));
        assert!(!lenient(&req(&[("origin", "null")]), &s));
    }
}
