//! Extractors for the caller that [`super::gate::gate`] resolved. Both check the scope the
//! route needs ([`super::scopes::required`]) against the credential's grant: 403
//! `insufficient_scope` when it lacks it.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use domain::auth::{AuthMethod, Grant, Principal};

use crate::problem::Problem;

/// Any authenticated member or API token of a clinic (with the route's scope).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Principal);

/// An authenticated admin (403 `forbidden` for staff), with the route's scope.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Principal);

/// An admin or an API token (403 `forbidden` for a staff member), with the route's scope: the
/// callers that may record messages on the clinic's behalf (`POST /api/interactions`). Being an
/// extractor, it answers before the body is read, so a staff member gets 403, never a 422.
#[derive(Debug, Clone, Copy)]
pub struct Recorder(pub Principal);

/// The grant of the request's credential (its scopes, expiry and creator).
#[derive(Debug, Clone, Copy)]
pub struct CallerGrant(pub Grant);

/// Only the gate inserts a principal and its grant; a route outside it is unauthenticated by
/// construction.
fn authorized(req: &HttpRequest) -> Result<(Principal, Grant), Problem> {
    let ext = req.extensions();
    match (ext.get::<Principal>(), ext.get::<Grant>()) {
        (Some(p), Some(g)) => Ok((*p, *g)),
        _ => Err(Problem::unauthenticated()),
    }
}

/// 403 `insufficient_scope` unless the grant holds the scope this route needs.
fn scoped(req: &HttpRequest, grant: &Grant) -> Result<(), Problem> {
    let pattern = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    let needed = super::scopes::required(req.method(), &pattern);
    if grant.scopes.allows(needed) {
        Ok(())
    } else {
        Err(Problem::forbidden("insufficient_scope")
            .with_detail(format!("this credential lacks the `{needed}` scope")))
    }
}

impl FromRequest for Caller {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorized(req).and_then(|(p, g)| scoped(req, &g).map(|()| Self(p))))
    }
}

impl FromRequest for Admin {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorized(req).and_then(|(p, g)| {
            if !p.is_admin() {
                return Err(Problem::forbidden("forbidden"));
            }
            scoped(req, &g).map(|()| Self(p))
        }))
    }
}

impl FromRequest for Recorder {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorized(req).and_then(|(p, g)| {
            if !(p.is_admin() || p.method == AuthMethod::ApiToken) {
                return Err(Problem::forbidden("forbidden"));
            }
            scoped(req, &g).map(|()| Self(p))
        }))
    }
}

impl FromRequest for CallerGrant {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorized(req).map(|(_, g)| Self(g)))
    }
}
