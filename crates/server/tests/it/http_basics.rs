//! Issue 2's HTTP basics over a real socket and a real database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::{TestApp, assert_problem};

#[tokio::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn readyz_is_200_on_a_migrated_database() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn unknown_routes_and_bad_path_ids_are_problems_with_a_request_id() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/no/such/route"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    let resp = app
        .client
        .get(app.url("/nowhere"))
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 404, "not_found").await;
    assert_eq!(body["request_id"], "trace-abc-123");
}

#[tokio::test]
async fn the_clinic_helper_creates_an_admin_and_a_staff_member() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    assert_ne!(a.company_id, b.company_id);
    assert_ne!(a.admin.email, b.admin.email);
}

#[tokio::test]
async fn the_openapi_document_lists_the_conversation_webhook_and_frontend_routes() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/conversations/start",
        "/api/conversations/{id}",
        "/api/conversations/{id}/close",
        "/api/interactions",
        "/webhooks/whatsapp",
        "/webhooks/instagram",
        "/api/summary/home",
        "/api/inbox/summary",
        "/api/clients/{id}/profile",
        "/api/settings",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}
