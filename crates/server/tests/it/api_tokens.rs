//! Issue 3 over HTTP: API tokens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{TestApp, assert_cross_tenant_404, assert_problem};

#[tokio::test]
async fn a_token_is_shown_once_works_as_bearer_and_stops_the_moment_it_is_revoked() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Token").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post("/api/api-tokens", json!({ "name": "n8n", "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("atk_") && token.len() == 47, "{token}");
    assert_eq!(created["role"], "admin");
    assert_eq!(created["last_used_at"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();

    // Only the hash is stored.
    let stored = app
        .scalar(&format!(
            "SELECT count(*) FROM api_tokens WHERE token_hash = sha256('{token}'::bytea)"
        ))
        .await;
    assert_eq!(stored.as_deref(), Some("1"));

    // Listed without the value.
    let list: Value = admin
        .get("/api/api-tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("token").is_none());
    assert_eq!(list["next_cursor"], Value::Null);

    // Works as Bearer on /api (no cookie, no Origin), and its use is recorded.
    let service = reqwest::Client::new();
    let resp = service
        .get(app.url("/api/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let users: Value = resp.json().await.unwrap();
    assert_eq!(users["data"].as_array().unwrap().len(), 2);
    let used = app
        .scalar(&format!(
            "SELECT last_used_at IS NOT NULL FROM api_tokens WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(used.as_deref(), Some("true"));
    // API tokens are not accounts.
    let resp = service
        .get(app.url("/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;

    let resp = admin
        .delete(&format!("/api/api-tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = service
        .get(app.url("/api/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    let list: Value = admin
        .get("/api/api-tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["data"][0]["revoked_at"].is_string());
}

#[tokio::test]
async fn a_staff_token_is_staff_and_another_clinics_token_ids_are_404() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let created: Value = a_admin
        .post("/api/api-tokens", json!({ "name": "bot", "role": "staff" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .get(app.url("/api/api-tokens"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;

    assert_cross_tenant_404(
        &b_admin,
        Method::DELETE,
        &format!("/api/api-tokens/{id}"),
        None,
    )
    .await;
    // Clinic B's list does not show it, and the token still works for A.
    let list: Value = b_admin
        .get("/api/api-tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.scalar(&format!(
            "SELECT revoked_at IS NULL FROM api_tokens WHERE id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn token_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Valida").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    for body in [
        json!({ "name": "", "role": "staff" }),
        json!({ "name": "x", "role": "owner" }),
        json!({ "name": "x", "role": "staff", "extra": 1 }),
    ] {
        let resp = admin.post("/api/api-tokens", body).send().await.unwrap();
        assert_problem(resp, 422, "validation_failed").await;
    }
}
