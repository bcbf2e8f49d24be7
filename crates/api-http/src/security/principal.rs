//! Extractors for the caller that [`super::gate::gate`] resolved.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use domain::auth::Principal;

use crate::problem::Problem;

/// Any authenticated member or API token of a clinic.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Principal);

/// An authenticated admin (403 `forbidden` for staff).
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Principal);

/// Only the gate inserts a principal; a route outside it is unauthenticated by construction.
fn principal(req: &HttpRequest) -> Option<Principal> {
    req.extensions().get::<Principal>().copied()
}

impl FromRequest for Caller {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            principal(req)
                .map(Self)
                .ok_or_else(Problem::unauthenticated),
        )
    }
}

impl FromRequest for Admin {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match principal(req) {
            Some(p) if p.is_admin() => Ok(Self(p)),
            Some(_) => Err(Problem::forbidden("forbidden")),
            None => Err(Problem::unauthenticated()),
        })
    }
}
