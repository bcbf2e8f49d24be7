//! Issue 3 over HTTP: the `/api` gate (401 / 403 `no_company` / `user_disabled` / `forbidden`),
//! CSRF and CORS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::json;
use server::config::AuthSettings;
use support::{TestApp, assert_problem};
use uuid::Uuid;

/// Every `/api` route of this issue (method, path), for the blanket rules.
fn api_routes() -> Vec<(Method, String)> {
    let id = Uuid::now_v7();
    vec![
        (Method::GET, "/api/users".into()),
        (Method::POST, "/api/users".into()),
        (Method::GET, format!("/api/users/{id}")),
        (Method::PATCH, format!("/api/users/{id}")),
        (Method::GET, "/api/api-tokens".into()),
        (Method::POST, "/api/api-tokens".into()),
        (Method::DELETE, format!("/api/api-tokens/{id}")),
        (Method::GET, "/api/no-such-route".into()),
    ]
}

#[tokio::test]
async fn every_api_route_is_401_without_a_session_even_unknown_ones() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    for (method, path) in api_routes() {
        let resp = anonymous
            .request(method.clone(), &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{method} {path}");
        assert_problem(resp, 401, "unauthenticated").await;
    }
    // A bogus cookie or bearer token is the same.
    let resp = app
        .client
        .get(app.url("/api/users"))
        .header("cookie", "atende_session=forged")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    let resp = app
        .client
        .get(app.url("/api/users"))
        .bearer_auth("atk_forged")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    // The public routes stay public.
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn an_account_bound_to_no_clinic_gets_403_no_company_on_every_api_route() {
    let app = TestApp::spawn().await;
    let loner = app.account_without_clinic().await;
    let s = app.sign_in_as(&loner).await;
    for (method, path) in api_routes() {
        let resp = s
            .request(method.clone(), &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{method} {path}");
        assert_problem(resp, 403, "no_company").await;
    }
}

#[tokio::test]
async fn staff_get_403_forbidden_on_admin_routes_and_unknown_api_paths_are_404_once_signed_in() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Staff").await;
    let s = app.sign_in_as(&clinic.staff).await;
    for (method, path) in api_routes() {
        let resp = s
            .request(method.clone(), &path)
            .json(&json!({ "name": "x", "role": "staff" }))
            .send()
            .await
            .unwrap();
        if path == "/api/no-such-route" {
            assert_problem(resp, 404, "not_found").await;
        } else {
            assert_eq!(resp.status(), 403, "{method} {path}");
            assert_problem(resp, 403, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn a_disabled_members_existing_session_stops_working_at_once() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Fecha").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    assert_eq!(staff.get("/auth/me").send().await.unwrap().status(), 200);
    // Disabled behind the API's back: membership is read on every request.
    app.sql(&format!(
        "UPDATE users SET status = 'disabled' WHERE id = '{}'",
        clinic.staff.user_id
    ))
    .await;
    let resp = staff.get("/api/users").send().await.unwrap();
    assert_problem(resp, 403, "user_disabled").await;
    // Disabled through the API: the sessions are deleted too.
    app.sql(&format!(
        "UPDATE users SET status = 'active' WHERE id = '{}'",
        clinic.staff.user_id
    ))
    .await;
    let resp = admin
        .patch(
            &format!("/api/users/{}", clinic.staff.user_id),
            json!({ "status": "disabled" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_problem(
        staff.get("/auth/me").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM auth_sessions WHERE auth_user_id = '{}'",
            clinic.staff.user_id
        ))
        .await
        .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn cookie_writes_need_an_own_or_allowed_origin_and_bearer_requests_are_exempt() {
    let app = TestApp::spawn_with(AuthSettings {
        allowed_origins: vec!["https://app.clinic.test".into()],
        ..AuthSettings::default()
    })
    .await;
    let clinic = app.clinic("Clínica Origem").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let body = json!({ "name": "n8n", "role": "staff" });
    let post = |origin: Option<&str>| {
        let mut req = admin.client.post(app.url("/api/api-tokens")).json(&body);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    assert_problem(
        post(Some("https://evil.test")).await.unwrap(),
        403,
        "csrf_rejected",
    )
    .await;
    assert_problem(post(None).await.unwrap(), 403, "csrf_rejected").await;
    assert_eq!(
        post(Some("https://app.clinic.test"))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(post(Some(&app.base)).await.unwrap().status(), 201);
    // A Referer of an allowed origin is accepted when Origin is absent.
    let resp = admin
        .client
        .post(app.url("/api/api-tokens"))
        .header("referer", "https://app.clinic.test/settings/tokens")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    // Safe methods are not checked.
    let resp = admin
        .client
        .get(app.url("/api/api-tokens"))
        .header("origin", "https://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Bearer requests carry no ambient credential: no Origin needed.
    let created: serde_json::Value = post(Some(&app.base)).await.unwrap().json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    let resp = app
        .client
        .post(app.url("/api/api-tokens"))
        .bearer_auth(token)
        .header("origin", "https://evil.test")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a staff token is not an admin");
    assert_problem(resp, 403, "forbidden").await;
    // Login CSRF: a sign-in from a foreign page is refused.
    let resp = app
        .browser()
        .client
        .post(app.url("/auth/signin"))
        .header("origin", "https://evil.test")
        .json(&json!({ "email": clinic.admin.email, "password": clinic.admin.password }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "csrf_rejected").await;
    // Sign-out with a session cookie from a foreign page is refused as well.
    let resp = admin
        .client
        .post(app.url("/auth/signout"))
        .header("origin", "https://evil.test")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "csrf_rejected").await;
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins_with_credentials() {
    let app = TestApp::spawn_with(AuthSettings {
        allowed_origins: vec!["https://app.clinic.test".into()],
        ..AuthSettings::default()
    })
    .await;
    let preflight = |origin: &str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/users"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let resp = preflight("https://app.clinic.test").await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.clinic.test");
    assert_eq!(h["access-control-allow-credentials"], "true");
    let resp = preflight("https://evil.test").await.unwrap();
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://app.clinic.test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.clinic.test"
    );
    assert_ne!(resp.headers()["access-control-allow-origin"], "*");
}
