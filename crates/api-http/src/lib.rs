//! Atende's HTTP layer: actix-web routes, DTOs, extractors and the error contract.
//!
//! [`app`] builds the whole application (routes, extractor configs, middlewares); the binary
//! and every integration test use it, so what is tested is what is served.
//!
//! Middlewares, outermost first:
//! 1. [`request_id::middleware`]: resolves the request id, scopes the request with it, sets
//!    `X-Request-Id`;
//! 2. [`metrics::middleware`]: the request latency histogram and the webhook delivery counters;
//! 3. [`middleware::security_headers::security_headers`];
//! 4. `TracingLogger` with [`telemetry::ApiRootSpan`]: the request log;
//! 5. CORS ([`security::cors`]): exactly `ATENDE_ALLOWED_ORIGINS`, with credentials;
//! 6. [`middleware::problem_fallback::problem_fallback`]: every error response is problem+json;
//! 7. [`extractors::nul::reject_nul_outside_api`]: JSON bodies with `\u0000` are 422 (`/auth/*`);
//! 8. on the `/api` scope only, [`security::gate::gate`]: authentication, CSRF, tenant scope, then
//!    [`extractors::nul::reject_nul`] (the same check, after authentication).
//!
//! Public routes: `/healthz`, `/readyz`, `/auth/signin`, `/auth/signout`, `/auth/accept-invite`,
//! `/webhooks/*`, `/api/openapi.json`, `/docs`. `/auth/me` checks its own credential; everything
//! under `/api` passes the gate (unknown `/api/*` paths included, so they are 401 when anonymous).
//! `/metrics` exists only when `ATENDE_METRICS_TOKEN` is set (then it checks its own bearer
//! token) and `ATENDE_METRICS_BIND` is not: see [`metrics`].
//!
//! Middlewares added later should answer with `Ok(req.error_response(problem))` rather than
//! `Err(problem.into())`: an `Err` skips the inner policies and is patched up only at the top.

#![warn(missing_docs)]
// `Problem` is the HTTP layer's one error type, built once per failed request: boxing it would
// only add an allocation.
#![allow(clippy::result_large_err)]

pub mod api_tokens;
pub mod appointments;
pub mod auth;
pub mod availability;
pub mod clients;
pub mod conversations;
pub mod crm;
pub mod docs_ui;
pub mod events;
pub mod extractors;
pub mod health;
pub mod integrations;
pub mod labels;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod openapi_examples;
pub mod openapi_extra;
pub mod outbound;
pub mod pagination;
pub mod payments;
pub mod problem;
pub mod reads;
pub mod reports;
pub mod request_id;
pub mod search;
pub mod security;
pub mod services;
pub mod snapshots;
pub mod state;
pub mod telemetry;
pub mod users;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use tracing_actix_web::TracingLogger;

pub use problem::{FieldError, Problem};
pub use request_id::RequestId;
pub use state::{AppState, HttpSettings};

/// The application with every production route.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    app_with_routes(state, |_| {})
}

/// [`app`] plus the routes registered by `extra`, behind the same configs and middlewares.
/// Meant for tests that need throwaway routes (e.g. to exercise extractor errors).
pub fn app_with_routes(
    state: AppState,
    extra: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = security::cors::cors(&state.http.allowed_origins);
    let metrics_access = state.metrics_access.clone();
    App::new()
        .app_data(web::Data::new(state))
        .app_data(extractors::json_config())
        .app_data(extractors::path_config())
        .app_data(extractors::query_config())
        .configure(health::configure)
        // Before the `/api` scope: the one public `/api` route.
        .configure(openapi::configure)
        .configure(docs_ui::configure)
        .configure(auth::configure)
        .configure(webhooks::configure)
        .configure(outbound::configure_webhooks)
        .configure(|cfg| metrics::configure(cfg, &metrics_access))
        .configure(extra)
        .service(
            web::scope("/api")
                .configure(users::configure)
                .configure(conversations::configure)
                .configure(events::configure)
                .configure(reads::configure)
                .configure(clients::configure)
                .configure(services::configure)
                .configure(appointments::configure)
                .configure(api_tokens::configure)
                .configure(integrations::configure)
                .configure(outbound::configure)
                .configure(snapshots::configure)
                .configure(availability::configure)
                .configure(payments::configure)
                .configure(labels::configure)
                .configure(reports::configure)
                .configure(search::configure)
                .default_service(web::to(extractors::unknown_route))
                .wrap(from_fn(extractors::nul::reject_nul))
                .wrap(from_fn(security::gate::gate)),
        )
        .default_service(web::to(extractors::unknown_route))
        // `wrap` order is inside-out: the last one wraps all the others.
        .wrap(from_fn(extractors::nul::reject_nul_outside_api))
        .wrap(from_fn(middleware::problem_fallback::problem_fallback))
        .wrap(cors)
        .wrap(TracingLogger::<telemetry::ApiRootSpan>::new())
        .wrap(from_fn(middleware::security_headers::security_headers))
        .wrap(from_fn(metrics::middleware))
        .wrap(from_fn(request_id::middleware))
}
