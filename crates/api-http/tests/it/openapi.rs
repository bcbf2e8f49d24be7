//! `GET /api/openapi.json`.

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::Value;
use support::header;

#[actix_web::test]
async fn serves_the_document_with_health_routes_and_the_problem_schema() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(
        &app,
        TestRequest::get().uri("/api/openapi.json").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/json");
    let doc: Value = test::read_body_json(res).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    let not_ready = &doc["paths"]["/readyz"]["get"]["responses"]["503"];
    assert!(
        not_ready["content"]["application/problem+json"].is_object(),
        "{not_ready}"
    );
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem["properties"]["type"].is_object(), "{problem}");
    assert!(problem["properties"]["request_id"].is_object());
    assert!(doc["components"]["schemas"]["FieldError"].is_object());
}
