//! Shared helpers for the integration tests: app construction, problem assertions and the
//! throwaway routes that exercise extractors.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod capture;
pub mod routes;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::test;
use api_http::AppState;
use domain::ports::health::{MockHealthProbe, Readiness};
use serde_json::Value;

/// State whose probe answers `readiness` every time it is asked.
pub fn state_with(readiness: Readiness) -> AppState {
    let mut probe = MockHealthProbe::new();
    probe
        .expect_readiness()
        .returning(move || readiness.clone());
    AppState {
        health: Arc::new(probe),
    }
}

/// State for tests that never reach the probe.
pub fn state() -> AppState {
    state_with(Readiness::Ready)
}

/// The production app plus the test routes of [`routes::configure`], initialised for
/// `actix_web::test` (a macro because the service type names a crate we do not depend on).
#[macro_export]
macro_rules! test_app {
    () => {
        actix_web::test::init_service(api_http::app_with_routes(
            $crate::support::state(),
            $crate::support::routes::configure,
        ))
        .await
    };
}

/// Header value as `&str`, panicking when absent.
pub fn header<'a, B>(res: &'a ServiceResponse<B>, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

/// Reads a problem response, checking status, media type, code and that the body's
/// `request_id` equals the `X-Request-Id` header. Returns the body.
pub async fn read_problem<B: MessageBody>(
    res: ServiceResponse<B>,
    status: StatusCode,
    code: &str,
) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    let request_id = header(&res, "x-request-id").to_owned();
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string());
    assert_eq!(body["request_id"], request_id.as_str(), "body: {body}");
    body
}
