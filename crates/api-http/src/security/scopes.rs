//! The scope each `/api` route needs from an API token: the one table both the extractors
//! ([`super::principal`]) enforce and the OpenAPI document ([`crate::openapi_extra`]) shows as
//! the operation's `bearer` requirement. Sessions hold what their member's role allows (every
//! scope for an admin, all but `admin` for staff), so for them the table changes nothing.
//!
//! - `admin`: members, API tokens, integrations, the clinic's numbers, changing the settings,
//!   the schedules' list and every change to schedules, time off and labels;
//! - `messages:write`: sending replies, retrying them, recording messages (n8n-style senders);
//! - otherwise `read` for `GET`/`HEAD` and `write` for every other method.
//!
//! `admin` implies every other scope.

use actix_web::http::Method;
use domain::auth::Scope;

/// Path prefixes (route patterns) that need `admin` whatever the method.
const ADMIN_PREFIXES: [&str; 4] = [
    "/api/users",
    "/api/api-tokens",
    "/api/integrations",
    "/api/reports",
];

/// Route patterns where only reads are open to members (each reads their own): every change
/// needs `admin`.
const ADMIN_WRITES: [&str; 6] = [
    "/api/schedules",
    "/api/schedules/{id}",
    "/api/time-off",
    "/api/time-off/{id}",
    "/api/labels",
    "/api/labels/{id}",
];

/// (method, route pattern) of the message routes.
const MESSAGE_ROUTES: [(&str, &str); 3] = [
    ("POST", "/api/chat/send"),
    ("POST", "/api/interactions"),
    ("POST", "/api/interactions/{id}/retry"),
];

/// The scope `method` on the route `pattern` (e.g. `/api/users/{id}`) needs.
#[must_use]
pub fn required(method: &Method, pattern: &str) -> Scope {
    let under = |prefix: &str| {
        pattern == prefix
            || pattern
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let admin_write =
        (pattern == "/api/settings" || ADMIN_WRITES.contains(&pattern)) && !is_read(method);
    // The list of every member's schedule is the admin's view (a member reads their own).
    let admin_read = pattern == "/api/schedules" && is_read(method);
    if ADMIN_PREFIXES.iter().any(|p| under(p)) || admin_write || admin_read {
        return Scope::Admin;
    }
    if MESSAGE_ROUTES
        .iter()
        .any(|(m, p)| *p == pattern && method.as_str() == *m)
    {
        return Scope::MessagesWrite;
    }
    if is_read(method) {
        Scope::Read
    } else {
        Scope::Write
    }
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_routes_message_routes_then_reads_and_writes() {
        assert_eq!(required(&Method::GET, "/api/users"), Scope::Admin);
        assert_eq!(
            required(&Method::POST, "/api/users/{id}/invite"),
            Scope::Admin
        );
        assert_eq!(
            required(&Method::DELETE, "/api/api-tokens/{id}"),
            Scope::Admin
        );
        assert_eq!(
            required(&Method::GET, "/api/integrations/{id}"),
            Scope::Admin
        );
        assert_eq!(required(&Method::PATCH, "/api/settings"), Scope::Admin);
        assert_eq!(required(&Method::GET, "/api/settings"), Scope::Read);
        assert_eq!(
            required(&Method::POST, "/api/chat/send"),
            Scope::MessagesWrite
        );
        assert_eq!(
            required(&Method::POST, "/api/interactions/{id}/retry"),
            Scope::MessagesWrite
        );
        assert_eq!(required(&Method::GET, "/api/clients"), Scope::Read);
        assert_eq!(required(&Method::PATCH, "/api/clients/{id}"), Scope::Write);
        // A prefix is a whole path segment.
        assert_eq!(required(&Method::GET, "/api/usersettings"), Scope::Read);
    }
}
