//! The request log: one root span per request with the agreed fields, one INFO
//! "request finished" event, internal errors logged once, nothing sensitive.

use crate::support;

use actix_web::test::{self, TestRequest};
use support::capture::{Captured, EventRecord};
use tracing::Level;

fn finished(events: &[EventRecord]) -> Vec<&EventRecord> {
    events
        .iter()
        .filter(|e| e.message() == "request finished")
        .collect()
}

#[actix_web::test]
async fn one_info_event_per_request_inside_a_root_span_with_the_agreed_fields() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    let id = uuid::Uuid::now_v7();
    let req = TestRequest::get()
        .uri(&format!("/test/things/{id}?secret=query"))
        .insert_header(("x-request-id", "log-1"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert!(res.status().is_success());
    drop(res);

    let events = captured.events();
    let done = finished(&events);
    assert_eq!(done.len(), 1, "{events:#?}");
    let event = done[0];
    assert_eq!(event.level, Level::INFO);
    assert_eq!(event.fields["http.status_code"], "200");
    assert!(event.fields["latency_ms"].parse::<f64>().unwrap() >= 0.0);
    let infos = events.iter().filter(|e| e.level == Level::INFO).count();
    assert_eq!(infos, 1, "{events:#?}");

    let span = captured.span(event.span.expect("event inside the root span"));
    assert_eq!(span.name, "HTTP request");
    assert_eq!(span.values["request_id"], "log-1");
    assert_eq!(span.values["http.method"], "GET");
    assert_eq!(span.values["http.route"], "/test/things/{id}");
    assert_eq!(span.values["http.status_code"], "200");
    assert!(span.values.contains_key("latency_ms"));
    for empty in ["company_id", "user_id", "conversation_id"] {
        assert!(span.declared.iter().any(|f| f == empty), "{empty} declared");
        assert!(!span.values.contains_key(empty), "{empty} starts empty");
    }

    let everything = format!("{events:?} {span:?}");
    assert!(
        !everything.contains(&id.to_string()),
        "ids in paths are not logged"
    );
    assert!(
        !everything.contains("secret"),
        "query strings are not logged"
    );
}

#[actix_web::test]
async fn handlers_fill_tenant_fields_on_the_root_span() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    let res = test::call_service(&app, TestRequest::get().uri("/test/tenant").to_request()).await;
    drop(res);
    let events = captured.events();
    let span = captured.span(finished(&events)[0].span.unwrap());
    assert_eq!(span.values["company_id"], "company-123");
}

#[actix_web::test]
async fn error_responses_log_the_problem_code_once() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/test/things")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"name":"secret-name","age":"x"}"#)
        .to_request();
    drop(test::call_service(&app, req).await);
    let events = captured.events();
    let done = finished(&events);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].fields["http.status_code"], "422");
    assert_eq!(done[0].fields["error_code"], "validation_failed");
    assert_eq!(events.len(), 1, "no extra warn/error events: {events:#?}");
    assert!(!format!("{events:?}").contains("secret-name"));
}

#[actix_web::test]
async fn internal_errors_are_logged_once_with_the_request_id() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/test/boom")
        .insert_header(("x-request-id", "boom-1"))
        .to_request();
    drop(test::call_service(&app, req).await);
    let events = captured.events();
    let errors: Vec<_> = events.iter().filter(|e| e.level == Level::ERROR).collect();
    assert_eq!(errors.len(), 1, "{events:#?}");
    assert_eq!(errors[0].fields["request_id"], "boom-1");
    assert!(errors[0].fields["error"].contains("hunter2"));
    assert!(errors[0].fields["error"].contains("loading the thing"));
    let mentions = events
        .iter()
        .filter(|e| format!("{:?}", e.fields).contains("hunter2"))
        .count();
    assert_eq!(mentions, 1, "the internal text is logged exactly once");
    assert_eq!(finished(&events).len(), 1);
}

#[actix_web::test]
async fn unmatched_paths_are_not_logged_verbatim() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    let req = TestRequest::get().uri("/patients/maria-silva").to_request();
    drop(test::call_service(&app, req).await);
    let events = captured.events();
    let span = captured.span(finished(&events)[0].span.unwrap());
    assert_eq!(span.values["http.route"], "unmatched");
    assert!(!format!("{events:?} {span:?}").contains("maria"));
}

#[actix_web::test]
async fn escaped_errors_still_finish_with_status_and_latency() {
    let captured = Captured::default();
    let _guard = captured.install();
    let app = test_app!();
    use actix_web::dev::Service as _;
    let result = app
        .call(TestRequest::get().uri("/guarded").to_request())
        .await;
    assert!(result.is_err());
    let events = captured.events();
    let done = finished(&events);
    assert_eq!(done.len(), 1, "{events:#?}");
    assert_eq!(done[0].fields["http.status_code"], "401");
    assert_eq!(done[0].fields["error_code"], "unauthenticated");
    assert!(done[0].fields.contains_key("latency_ms"));
}
