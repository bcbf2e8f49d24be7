//! Issue 3 over HTTP: clinic users, invitations, last-admin protection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{TestApp, assert_cross_tenant_404, assert_problem};

#[tokio::test]
async fn an_invited_user_accepts_with_a_password_and_exactly_the_tokens_row_is_linked() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Convite").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post(
            "/api/users",
            json!({ "email": "Nova@Clinic.test", "name": "Nova", "role": "staff" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["user"]["status"], "invited");
    assert_eq!(created["user"]["email"], "nova@clinic.test");
    let token = created["invite_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("inv_"));
    let user_id = created["user"]["id"].as_str().unwrap().to_owned();
    // Valid for 7 days; only the hash is stored.
    let row = app
        .scalar(&format!(
            "SELECT format('%s/%s', invite_token_hash = sha256('{token}'::bytea),
                    invite_expires_at BETWEEN now() + interval '6 days 23 hours' AND now() + interval '7 days 1 hour')
               FROM users WHERE id = '{user_id}'"
        ))
        .await;
    assert_eq!(row.as_deref(), Some("t/t"));
    // An invited user cannot sign in before accepting.
    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": "nova@clinic.test", "password": "a-new-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "invalid_credentials").await;

    let browser = app.browser();
    let resp = browser
        .post(
            "/auth/accept-invite",
            json!({ "token": token, "password": "a-new-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("set-cookie"));
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["user"]["id"], user_id);
    assert_eq!(me["user"]["status"], "active");
    assert_eq!(me["company"]["id"], clinic.company_id.to_string());
    // Linked and activated by accepting (no trigger); the invitation is spent.
    let row = app
        .scalar(&format!(
            "SELECT format('%s/%s/%s', u.status, u.auth_user_id = i.id, u.invite_token_hash IS NULL)
               FROM users u JOIN auth_identities i ON i.email = u.email WHERE u.id = '{user_id}'"
        ))
        .await;
    assert_eq!(row.as_deref(), Some("active/t/t"));
    assert_eq!(browser.get("/auth/me").send().await.unwrap().status(), 200);
    let resp = app
        .browser()
        .post(
            "/auth/accept-invite",
            json!({ "token": token, "password": "another-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "invalid_invite").await;
    app.sign_in("nova@clinic.test", "a-new-long-password").await;
}

#[tokio::test]
async fn expired_invitations_and_short_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Prazo").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let created: Value = admin
        .post(
            "/api/users",
            json!({ "email": "late@clinic.test", "name": "Late", "role": "staff" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["invite_token"].as_str().unwrap();
    let resp = app
        .browser()
        .post(
            "/auth/accept-invite",
            json!({ "token": token, "password": "short" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    app.sql("UPDATE users SET invite_expires_at = now() - interval '1 second' WHERE email = 'late@clinic.test'")
        .await;
    let resp = app
        .browser()
        .post(
            "/auth/accept-invite",
            json!({ "token": token, "password": "a-new-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "invalid_invite").await;
}

#[tokio::test]
async fn a_user_created_with_a_password_is_active_at_once_and_duplicates_are_409() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Cria").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post(
            "/api/users",
            json!({ "email": "ready@clinic.test", "name": "Ready", "role": "admin",
                    "password": "ready-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["user"]["status"], "active");
    assert_eq!(created["invite_token"], Value::Null);
    let ready = app
        .sign_in("ready@clinic.test", "ready-long-password")
        .await;
    assert_eq!(ready.get("/api/users").send().await.unwrap().status(), 200);

    let resp = admin
        .post(
            "/api/users",
            json!({ "email": "READY@clinic.test", "name": "Again", "role": "staff" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "user_exists").await;
    // An e-mail with an account elsewhere cannot get a password here.
    let other = app.clinic("Clínica Outra").await;
    let resp = admin
        .post(
            "/api/users",
            json!({ "email": other.staff.email, "name": "X", "role": "staff",
                    "password": "some-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "account_exists").await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Admin").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let me = format!("/api/users/{}", clinic.admin.user_id);
    for body in [json!({ "role": "staff" }), json!({ "status": "disabled" })] {
        let resp = admin.patch(&me, body).send().await.unwrap();
        assert_problem(resp, 409, "last_admin").await;
    }
    // With a second admin, demotion works.
    let resp = admin
        .patch(
            &format!("/api/users/{}", clinic.staff.user_id),
            json!({ "role": "admin", "name": "Promoted" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["role"], "admin");
    assert_eq!(body["name"], "Promoted");
    let resp = admin
        .patch(&me, json!({ "role": "staff" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The demoted admin's session now has staff rights.
    let resp = admin.get("/api/users").send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
}

#[tokio::test]
async fn another_clinics_users_are_404_and_never_listed() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let a_staff = format!("/api/users/{}", a.staff.user_id);
    assert_cross_tenant_404(&b_admin, Method::GET, &a_staff, None).await;
    assert_cross_tenant_404(
        &b_admin,
        Method::PATCH,
        &a_staff,
        Some(json!({ "status": "disabled" })),
    )
    .await;
    let list: Value = b_admin
        .get("/api/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(emails.len(), 2);
    assert!(!emails.contains(&a.staff.email));
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM users WHERE id = '{}'",
            a.staff.user_id
        ))
        .await
        .as_deref(),
        Some("active")
    );
}

#[tokio::test]
async fn lists_are_paginated_with_a_cursor() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Página").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    for i in 0..3 {
        let resp = admin
            .post(
                "/api/users",
                json!({ "email": format!("p{i}@clinic.test"), "name": "P", "role": "staff" }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=2&cursor={c}"),
            None => "/api/users?limit=2".to_owned(),
        };
        let page: Value = admin.get(&path).send().await.unwrap().json().await.unwrap();
        for u in page["data"].as_array().unwrap() {
            seen.push(u["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let resp = admin.get("/api/users?limit=0").send().await.unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    let resp = admin.get("/api/users?cursor=nope").send().await.unwrap();
    assert_problem(resp, 422, "invalid_cursor").await;
}
