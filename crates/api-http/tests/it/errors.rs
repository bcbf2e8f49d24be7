//! The error contract outside extractors: unknown routes, wrong methods, internal errors.

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use api_http::{FieldError, Problem};
use support::{header, read_problem};

#[actix_web::test]
async fn unknown_route_is_404_problem() {
    let app = test_app!();
    let res = test::call_service(&app, TestRequest::get().uri("/no/such/route").to_request()).await;
    assert_eq!(header(&res, "cache-control"), "no-store");
    read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn wrong_method_on_a_known_path_is_405_problem_with_allow() {
    let app = test_app!();
    let res = test::call_service(&app, TestRequest::post().uri("/healthz").to_request()).await;
    assert_eq!(header(&res, "allow"), "GET");
    read_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[actix_web::test]
async fn internal_errors_do_not_leak() {
    let app = test_app!();
    let res = test::call_service(&app, TestRequest::get().uri("/test/boom").to_request()).await;
    let body = read_problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    // The request id is random hex, so look for the error's words, not for short fragments.
    let text = body.to_string();
    for leaked in [
        "hunter2",
        "connection to db",
        "loading the thing",
        "password",
    ] {
        assert!(!text.contains(leaked), "{leaked} leaked: {text}");
    }
    assert!(body.get("detail").is_none());
}

#[actix_web::test]
async fn ad_hoc_error_bodies_are_replaced_by_problems() {
    let app = test_app!();
    let res =
        test::call_service(&app, TestRequest::get().uri("/test/adhoc-500").to_request()).await;
    let body = read_problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    assert!(!body.to_string().contains("secrets"));
}

#[actix_web::test]
async fn every_response_has_the_security_headers() {
    let app = test_app!();
    for uri in ["/healthz", "/readyz", "/nope", "/test/things/x"] {
        let res = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{uri}");
        assert_eq!(header(&res, "x-frame-options"), "DENY", "{uri}");
        assert!(res.headers().contains_key("x-request-id"), "{uri}");
    }
}

#[actix_web::test]
async fn problem_body_shape() {
    let problem = Problem::conflict("duplicate_phone", "a client with this phone exists")
        .with_extra("client_id", "0190c1de-0000-7000-8000-000000000000")
        .with_extra("status", 999);
    let body = problem.body(None);
    assert_eq!(body["type"], "/problems/duplicate_phone");
    assert_eq!(body["status"], 409, "standard members win over extensions");
    assert_eq!(body["client_id"], "0190c1de-0000-7000-8000-000000000000");
    assert!(!body.contains_key("errors"));
    assert!(!body.contains_key("request_id"));

    let res = Problem::too_many_requests("rate_limited", 30).to_response(None);
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers().get("retry-after").unwrap(), "30");

    let body = Problem::validation(vec![FieldError::new("phone", "not E.164")]).body(None);
    assert_eq!(body["errors"][0]["field"], "phone");
    assert!(!body.contains_key("detail"));
}
