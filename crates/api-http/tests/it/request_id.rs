//! `X-Request-Id` is on every response and in every problem body.

use crate::support;

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::Value;
use support::{header, read_problem};

#[actix_web::test]
async fn incoming_id_is_echoed_in_header_and_problem_body() {
    let app = test_app!();
    let req = test::TestRequest::get()
        .uri("/nope")
        .insert_header(("X-Request-Id", "abc-123:x_y.z"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(header(&res, "x-request-id"), "abc-123:x_y.z");
    let body = read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["request_id"], "abc-123:x_y.z");
}

#[actix_web::test]
async fn missing_id_is_generated_as_uuid_v7() {
    let app = test_app!();
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    let id = header(&res, "x-request-id");
    let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
    assert_eq!(uuid.get_version_num(), 7);
}

#[actix_web::test]
async fn unacceptable_ids_are_replaced() {
    let app = test_app!();
    let too_long = "a".repeat(129);
    for bad in ["", "has space", "semi;colon", "ünïcode", too_long.as_str()] {
        let req = test::TestRequest::get()
            .uri("/healthz")
            .insert_header(("x-request-id", bad))
            .to_request();
        let res = test::call_service(&app, req).await;
        let id = header(&res, "x-request-id");
        assert_ne!(id, bad);
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{bad:?} was replaced by {id}"
        );
    }
    let longest = "a".repeat(128);
    let req = test::TestRequest::get()
        .uri("/healthz")
        .insert_header(("x-request-id", longest.as_str()))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(header(&res, "x-request-id"), longest);
}

#[actix_web::test]
async fn handlers_can_extract_the_id() {
    let app = test_app!();
    let req = test::TestRequest::get()
        .uri("/test/echo-id")
        .insert_header(("x-request-id", "from-client"))
        .to_request();
    let res = test::call_service(&app, req).await;
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["request_id"], "from-client");
}

#[actix_web::test]
async fn extractor_errors_carry_the_id() {
    let app = test_app!();
    let req = test::TestRequest::post()
        .uri("/test/things")
        .insert_header(("x-request-id", "extractor-1"))
        .insert_header(("content-type", "application/json"))
        .set_payload("{not json")
        .to_request();
    let res = test::call_service(&app, req).await;
    let body = read_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    assert_eq!(body["request_id"], "extractor-1");
}

/// An `Err` that escapes every service is rendered by the dispatcher after the request scope
/// has ended; `error_response()` here is exactly what the dispatcher calls.
#[actix_web::test]
async fn errors_escaping_as_err_still_carry_the_id() {
    let app = test_app!();
    let req = test::TestRequest::get()
        .uri("/guarded")
        .insert_header(("x-request-id", "escaped-7"))
        .to_request();
    let Err(err) = app.call(req).await else {
        panic!("the guard middleware returns Err");
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let headers = res.headers().clone();
    assert_eq!(headers.get("x-request-id").unwrap(), "escaped-7");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert_eq!(body["request_id"], "escaped-7");
}
