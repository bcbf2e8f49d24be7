//! Authentication, tenant scope, roles, CSRF and CORS.
//!
//! - [`gate::gate`] guards the whole `/api` prefix (except `/api/openapi.json`, registered
//!   before it): it reads the credential (Bearer first, else the session cookie), refuses a
//!   cookie-authenticated unsafe request whose `Origin`/`Referer` is foreign (403
//!   `csrf_rejected`), resolves the [`domain::auth::Principal`] (401 `unauthenticated`, 403
//!   `no_company` / `user_disabled`), records `company_id` and `user_id` on the request span and
//!   stores the principal and its [`domain::auth::Grant`] for the [`principal::Caller`] /
//!   [`principal::Admin`] extractors, which refuse a credential without the scope the route
//!   needs ([`scopes::required`]: 403 `insufficient_scope`).
//! - Because the gate runs before routing inside `/api`, an unknown `/api/*` path is 401 for an
//!   anonymous caller and 404 only once authenticated: the route map is not disclosed.

pub mod cors;
pub mod credential;
pub mod csrf;
pub mod docs;
pub mod gate;
pub mod principal;
pub mod scopes;
