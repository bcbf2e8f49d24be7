//! Issue 16 over HTTP: changing a password, admin and operator resets (no e-mail: the token is
//! handed over), and signing out everywhere. Each ends the account's other sessions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::invitations::invite;
use crate::support;

use serde_json::{Value, json};
use support::{Session, TestApp, assert_problem};

async fn me_status(s: &Session) -> u16 {
    s.get("/auth/me").send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session_and_checks_the_current_one() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Senha").await;
    let laptop = app.sign_in_as(&clinic.staff).await;
    let phone = app.sign_in_as(&clinic.staff).await;
    let change = |current: &str, new: &str| {
        laptop
            .post(
                "/auth/password",
                json!({ "current_password": current, "new_password": new }),
            )
            .send()
    };
    let resp = change("not-the-password", "a-brand-new-long-password")
        .await
        .unwrap();
    assert_problem(resp, 403, "wrong_password").await;
    let resp = change(&clinic.staff.password, "short").await.unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(me_status(&phone).await, 200, "nothing changed yet");

    let resp = change(&clinic.staff.password, "a-brand-new-long-password")
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(me_status(&laptop).await, 200, "this session stays");
    assert_eq!(me_status(&phone).await, 401, "every other session ends");
    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": clinic.staff.email, "password": clinic.staff.password }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "invalid_credentials").await;
    app.sign_in(&clinic.staff.email, "a-brand-new-long-password")
        .await;
    // Cookie-authenticated: a foreign origin is refused; no session is 401.
    let resp = laptop
        .client
        .post(app.url("/auth/password"))
        .header("origin", "https://evil.test")
        .json(&json!({ "current_password": "x", "new_password": "a-third-long-password" }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "csrf_rejected").await;
    let resp = app
        .browser()
        .post(
            "/auth/password",
            json!({ "current_password": "x", "new_password": "a-third-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}

async fn issue_reset(admin: &Session, member: &str) -> reqwest::Response {
    admin
        .post(&format!("/api/users/{member}/password-reset"), json!({}))
        .send()
        .await
        .unwrap()
}

async fn redeem(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    app.browser()
        .post(
            "/auth/reset-password",
            json!({ "token": token, "new_password": new_password }),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_reset_token_sets_a_new_password_once_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Reset").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff_a = app.sign_in_as(&clinic.staff).await;
    let staff_b = app.sign_in_as(&clinic.staff).await;
    let resp = issue_reset(&admin, &clinic.staff.user_id.to_string()).await;
    assert_eq!(resp.status(), 201);
    let issued: Value = resp.json().await.unwrap();
    let token = issued["reset_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("rst_"), "{token}");
    assert!(issued["expires_at"].is_string());
    // Only the hash is stored.
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM auth_password_resets WHERE token_hash = sha256('{token}'::bytea)"
        ))
        .await
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        me_status(&staff_a).await,
        200,
        "issuing changes nothing yet"
    );

    let resp = redeem(&app, &token, "short").await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = redeem(&app, &token, "the-reset-long-password").await;
    assert_eq!(resp.status(), 204);
    assert_eq!(me_status(&staff_a).await, 401);
    assert_eq!(me_status(&staff_b).await, 401);
    app.sign_in(&clinic.staff.email, "the-reset-long-password")
        .await;
    // Spent: a second use is refused, and the password stays.
    let resp = redeem(&app, &token, "yet-another-long-password").await;
    assert_problem(resp, 404, "invalid_reset_token").await;
    // Expired tokens are refused.
    let resp = issue_reset(&admin, &clinic.staff.user_id.to_string()).await;
    let token: Value = resp.json().await.unwrap();
    app.sql("UPDATE auth_password_resets SET expires_at = now() - interval '1 second'")
        .await;
    let resp = redeem(
        &app,
        token["reset_token"].as_str().unwrap(),
        "x-long-password-x",
    )
    .await;
    assert_problem(resp, 404, "invalid_reset_token").await;
    // Staff cannot issue; another clinic's member is 404; a pending invitation is 409.
    let staff = app
        .sign_in(&clinic.staff.email, "the-reset-long-password")
        .await;
    let resp = issue_reset(&staff, &clinic.admin.user_id.to_string()).await;
    assert!(resp.status() == 403, "{}", resp.status());
    let other = app.clinic("Clínica Fora").await;
    let resp = issue_reset(&admin, &other.staff.user_id.to_string()).await;
    assert_problem(resp, 404, "not_found").await;
    let (pending, _) = invite(&admin, "pending@clinic.test", "staff").await;
    let resp = issue_reset(&admin, &pending).await;
    assert_problem(resp, 409, "not_joined").await;
}

#[tokio::test]
async fn an_admin_cannot_reset_the_password_of_an_account_another_clinic_trusts() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica Tomadora").await;
    let b = app.clinic("Clínica Vítima").await;
    // B's admin also joins A (accepting A's invitation signed in).
    let a_admin = app.sign_in_as(&a.admin).await;
    let (member, token) = invite(&a_admin, &b.admin.email, "staff").await;
    let person = app.sign_in_as(&b.admin).await;
    let resp = person
        .post("/auth/accept-invite", json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A's admin may not take that account over through a reset.
    let resp = issue_reset(&a_admin, &member).await;
    assert_problem(resp, 409, "account_shared").await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM auth_password_resets")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn the_operator_resets_any_account_from_the_command_line() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Operador").await;
    let session = app.sign_in_as(&clinic.admin).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(["user", "reset-password", "--email", &clinic.admin.email])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = stdout.lines().next().unwrap().trim().to_owned();
    assert!(token.starts_with("rst_"), "{stdout}");
    assert!(stdout.contains("expires at"), "{stdout}");
    let resp = redeem(&app, &token, "operator-given-long-password").await;
    assert_eq!(resp.status(), 204);
    assert_eq!(me_status(&session).await, 401);
    app.sign_in(&clinic.admin.email, "operator-given-long-password")
        .await;
    // An unknown e-mail is an error with a message, exit code 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(["user", "reset-password", "--email", "nobody@nowhere.test"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Saída").await;
    let one = app.sign_in_as(&clinic.staff).await;
    let two = app.sign_in_as(&clinic.staff).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = one
        .post("/auth/signout-all", json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(me_status(&one).await, 401);
    assert_eq!(me_status(&two).await, 401);
    assert_eq!(me_status(&admin).await, 200, "another account is untouched");
    let resp = app
        .browser()
        .post("/auth/signout-all", json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}
