//! The `/api` gate in isolation (mocked ports): the tenant lands on the request span, anonymous
//! callers never reach routing, CORS answers preflights before the gate.

use crate::support;

use support::signed_in::{self, COMPANY, USER};

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use domain::auth::Role;
use support::capture::Captured;
use support::read_problem;

#[actix_web::test]
async fn the_gate_records_the_tenant_on_the_request_span() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test::init_service(api_http::app(signed_in::state(Role::Staff))).await;
    let req = TestRequest::get()
        .uri("/api/nothing-here")
        .cookie(actix_web::cookie::Cookie::new("atende_session", "good"))
        .to_request();
    let res = test::call_service(&app, req).await;
    // Authenticated, so routing answers: 404 for an unknown path.
    read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let events = captured.events();
    let done = events
        .iter()
        .find(|e| e.message() == "request finished")
        .expect("request log");
    let span = captured.span(done.span.expect("root span"));
    assert_eq!(span.values["company_id"], COMPANY.to_string());
    assert_eq!(span.values["user_id"], USER.to_string());
}

#[actix_web::test]
async fn anonymous_and_forged_callers_are_401_before_routing() {
    let app = test::init_service(api_http::app(signed_in::state(Role::Staff))).await;
    for req in [
        TestRequest::get().uri("/api/nothing-here").to_request(),
        TestRequest::get()
            .uri("/api/users")
            .cookie(actix_web::cookie::Cookie::new("atende_session", "forged"))
            .to_request(),
        TestRequest::get()
            .uri("/api/users")
            .insert_header(("authorization", "Basic Zm9vOmJhcg=="))
            .to_request(),
    ] {
        let res = test::call_service(&app, req).await;
        read_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}

#[actix_web::test]
async fn cookie_writes_from_a_foreign_origin_are_refused_before_any_lookup() {
    let app = test::init_service(api_http::app(signed_in::state(Role::Staff))).await;
    let req = TestRequest::post()
        .uri("/api/users")
        .insert_header(("origin", "https://evil.test"))
        .cookie(actix_web::cookie::Cookie::new("atende_session", "good"))
        .to_request();
    let res = test::call_service(&app, req).await;
    read_problem(res, StatusCode::FORBIDDEN, "csrf_rejected").await;
}

#[actix_web::test]
async fn cors_preflights_are_answered_before_the_gate() {
    let app = test::init_service(api_http::app(signed_in::state(Role::Staff))).await;
    let req = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/users")
        .insert_header(("origin", "https://app.clinic.test"))
        .insert_header(("access-control-request-method", "PATCH"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        support::header(&res, "access-control-allow-origin"),
        "https://app.clinic.test"
    );
    assert_eq!(
        support::header(&res, "access-control-allow-credentials"),
        "true"
    );
}

#[tokio::test]
async fn cross_origin_frontends_may_send_idempotency_keys_and_resume_event_streams() {
    let app = test::init_service(api_http::app(signed_in::state(Role::Staff))).await;
    for (method, path, header) in [
        ("POST", "/api/chat/send", "idempotency-key,content-type"),
        ("GET", "/api/events", "last-event-id"),
    ] {
        let req = TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri(path)
            .insert_header(("origin", "https://app.clinic.test"))
            .insert_header(("access-control-request-method", method))
            .insert_header(("access-control-request-headers", header))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let allowed = support::header(&res, "access-control-allow-headers").to_lowercase();
        for h in header.split(',') {
            assert!(allowed.contains(h), "{path}: {h} not in {allowed}");
        }
    }
}
