//! Issue 16 over HTTP: API token scopes, expiry and their creator, enforced on every `/api`
//! route — the route × scope matrix walks the OpenAPI document, whose `bearer` requirement of
//! each operation names the scope it needs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp};

const SCOPES: [&str; 4] = ["read", "write", "messages:write", "admin"];

/// Every gated operation of the served document: (method, path with ids filled in, scope).
async fn operations(app: &TestApp) -> Vec<(Method, String, String)> {
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") || path == "/api/openapi.json" {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let bearer: Vec<&Value> = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r.get("bearer"))
                .collect();
            assert_eq!(bearer.len(), 1, "{method} {path}: one bearer requirement");
            let scopes = bearer[0].as_array().unwrap();
            assert_eq!(scopes.len(), 1, "{method} {path}: exactly one scope");
            let scope = scopes[0].as_str().unwrap().to_owned();
            assert!(SCOPES.contains(&scope.as_str()), "{method} {path}: {scope}");
            let filled = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
            out.push((method, filled, scope));
        }
    }
    assert!(out.len() >= 40, "only {} operations", out.len());
    out
}

async fn token(admin: &Session, body: Value) -> String {
    let resp = admin.post("/api/api-tokens", body).send().await.unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let created: Value = resp.json().await.unwrap();
    created["token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, token: &str, method: &Method, path: &str) -> (u16, String) {
    let mut req = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if *method != Method::GET {
        req = req.json(&json!({}));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    // The event stream never ends: its status is the answer.
    let streaming = resp
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streaming {
        return (status, String::new());
    }
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_route_admits_exactly_the_tokens_whose_scope_it_declares() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Matriz").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let mut tokens = Vec::new();
    for scope in SCOPES {
        let value = token(&admin, json!({ "name": scope, "scopes": [scope] })).await;
        tokens.push((scope, value));
    }
    let mut checked = 0;
    for (method, path, needed) in operations(&app).await {
        for (scope, value) in &tokens {
            let (status, code) = call(&app, value, &method, &path).await;
            assert!(status < 500, "{method} {path} with {scope}: {status}");
            let allowed = *scope == needed || *scope == "admin";
            if allowed {
                assert!(
                    status != 401 && status != 403,
                    "{method} {path} needs {needed}; a {scope} token got {status} {code}"
                );
            } else {
                assert_eq!(
                    status, 403,
                    "{method} {path} needs {needed}; a {scope} token got {status} {code}"
                );
                assert!(
                    code == "insufficient_scope" || code == "forbidden",
                    "{method} {path}: {code}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 160, "{checked}");
}

async fn refused_everywhere(app: &TestApp, ops: &[(Method, String, String)], token: &str) {
    for (method, path, _) in ops {
        let (status, code) = call(app, token, method, path).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "unauthenticated"),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn expired_tokens_and_tokens_of_a_disabled_or_demoted_creator_stop_on_every_route() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Criadora").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    // A second admin makes tokens, then is demoted or disabled.
    let resp = admin
        .post(
            "/api/users",
            json!({ "email": "second@clinic.test", "name": "Second", "role": "admin",
                    "password": "second-admin-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let second_id = resp.json::<Value>().await.unwrap()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app
        .sign_in("second@clinic.test", "second-admin-long-password")
        .await;
    let second_admin_token = token(&second, json!({ "name": "a", "scopes": ["admin"] })).await;
    let second_read_token = token(&second, json!({ "name": "r", "scopes": ["read"] })).await;
    let expired = token(&admin, json!({ "name": "e", "scopes": ["admin"] })).await;
    app.sql(&format!(
        "UPDATE api_tokens SET expires_at = now() - interval '1 second'
          WHERE token_hash = sha256('{expired}'::bytea)"
    ))
    .await;
    let ops = operations(&app).await;
    refused_everywhere(&app, &ops, &expired).await;

    // Demoted: the admin-scoped token stops everywhere; the read one keeps reading.
    let resp = admin
        .patch(
            &format!("/api/users/{second_id}"),
            json!({ "role": "staff" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    refused_everywhere(&app, &ops, &second_admin_token).await;
    let (status, _) = call(&app, &second_read_token, &Method::GET, "/api/clients").await;
    assert_eq!(status, 200);
    // Promoted back, it works again: the creator's role is read on every request.
    let resp = admin
        .patch(
            &format!("/api/users/{second_id}"),
            json!({ "role": "admin" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, _) = call(&app, &second_admin_token, &Method::GET, "/api/users").await;
    assert_eq!(status, 200);
    // Disabled: every token of theirs stops at once.
    let resp = admin
        .patch(
            &format!("/api/users/{second_id}"),
            json!({ "status": "disabled" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    refused_everywhere(&app, &ops, &second_admin_token).await;
    refused_everywhere(&app, &ops, &second_read_token).await;
}

#[tokio::test]
async fn expiry_defaults_to_ninety_days_at_most_a_year_and_never_only_when_an_admin_asks() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Prazo Token").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let created: Value = admin
        .post(
            "/api/api-tokens",
            json!({ "name": "n8n", "scopes": ["read", "messages:write"] }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["scopes"], json!(["read", "messages:write"]));
    assert_eq!(created["role"], "staff");
    assert_eq!(created["created_by"], clinic.admin.user_id.to_string());
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.scalar(&format!(
            "SELECT expires_at BETWEEN now() + interval '89 days 23 hours' AND now() + interval '90 days 1 hour'
               FROM api_tokens WHERE id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("true")
    );
    let in_days = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    for (body, status) in [
        (
            json!({ "name": "y", "scopes": ["read"], "expires_at": in_days(364) }),
            201,
        ),
        (
            json!({ "name": "y", "scopes": ["read"], "expires_at": in_days(367) }),
            422,
        ),
        (
            json!({ "name": "y", "scopes": ["read"], "expires_at": in_days(-1) }),
            422,
        ),
        (json!({ "name": "y", "scopes": [] }), 422),
        (json!({ "name": "y", "scopes": ["root"] }), 422),
        (json!({ "name": "y" }), 422),
        (
            json!({ "name": "y", "scopes": ["read"], "role": "staff" }),
            422,
        ),
        (json!({ "name": "y\u{0}", "scopes": ["read"] }), 422),
        (json!({ "name": "legacy", "role": "staff" }), 201),
    ] {
        let resp = admin
            .post("/api/api-tokens", body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{body}");
    }
    // `null` explicitly: never expires, when a signed-in admin asks...
    let never: Value = admin
        .post(
            "/api/api-tokens",
            json!({ "name": "forever", "scopes": ["read"], "expires_at": null }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(never["expires_at"], Value::Null);
    // ...but not when a token asks, and a token's child never outlives it nor exceeds it.
    let parent = token(
        &admin,
        json!({ "name": "p", "scopes": ["admin"], "expires_at": in_days(10) }),
    )
    .await;
    let by_token = |body: Value| {
        app.client
            .post(app.url("/api/api-tokens"))
            .bearer_auth(&parent)
            .json(&body)
            .send()
    };
    let resp = by_token(json!({ "name": "c", "scopes": ["read"], "expires_at": null }))
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = by_token(json!({ "name": "c", "scopes": ["read"], "expires_at": in_days(30) }))
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let child: Value = by_token(json!({ "name": "c", "scopes": ["read"] }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(child["created_by"], clinic.admin.user_id.to_string());
    let child_expiry =
        chrono::DateTime::parse_from_rfc3339(child["expires_at"].as_str().unwrap()).unwrap();
    assert!(child_expiry < chrono::Utc::now() + chrono::Duration::days(11));
    // A token without `admin` creates nothing.
    let reader = token(
        &admin,
        json!({ "name": "r", "scopes": ["read", "write", "messages:write"] }),
    )
    .await;
    for path in ["/api/api-tokens", "/api/users", "/api/integrations"] {
        let resp = app
            .client
            .post(app.url(path))
            .bearer_auth(&reader)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }
}
