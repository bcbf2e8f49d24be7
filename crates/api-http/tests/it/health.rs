//! `GET /healthz` and `GET /readyz`.

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test;
use domain::ports::health::Readiness;
use serde_json::{Value, json};
use support::{header, read_problem, state_with};

#[actix_web::test]
async fn healthz_is_ok_and_cacheable() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("cache-control").is_none());
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body, json!({ "status": "ok" }));
}

#[actix_web::test]
async fn readyz_is_ready_when_the_probe_says_so() {
    let app = test::init_service(api_http::app(state_with(Readiness::Ready))).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body, json!({ "status": "ready" }));
}

#[actix_web::test]
async fn readyz_reports_pending_migrations() {
    let state = state_with(Readiness::PendingMigrations { pending: 3 });
    let app = test::init_service(api_http::app(state)).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    let body = read_problem(res, StatusCode::SERVICE_UNAVAILABLE, "not_ready").await;
    assert_eq!(body["detail"], "3 migrations pending");
}

#[actix_web::test]
async fn readyz_reports_an_unavailable_database() {
    let app = test::init_service(api_http::app(state_with(Readiness::DatabaseUnavailable))).await;
    let req = test::TestRequest::get()
        .uri("/readyz")
        .insert_header(("x-request-id", "probe-42"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(header(&res, "x-request-id"), "probe-42");
    let body = read_problem(res, StatusCode::SERVICE_UNAVAILABLE, "not_ready").await;
    assert_eq!(body["detail"], "database unavailable");
    assert_eq!(body["request_id"], "probe-42");
    assert!(body.get("errors").is_none());
}
