//! Issue 3 over HTTP: sign-in, sessions, sign-out, `/auth/me`, cookies, throttling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::{Value, json};
use server::config::AuthSettings;
use support::{TestApp, assert_problem};

fn set_cookie(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_admin_signs_in_sees_the_clinic_and_signs_out() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Sol").await;
    let browser = app.browser();
    let resp = browser
        .post(
            "/auth/signin",
            json!({ "email": clinic.admin.email.to_uppercase(), "password": clinic.admin.password }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = set_cookie(&resp);
    assert!(cookie.starts_with("atende_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["id"], clinic.admin.user_id.to_string());
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["status"], "active");
    assert_eq!(body["company"]["id"], clinic.company_id.to_string());
    assert_eq!(body["company"]["name"], "Clínica Sol");

    let me: Value = browser
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], clinic.admin.email);
    assert_eq!(me["company"]["name"], "Clínica Sol");

    // Only the SHA-256 of the token is stored.
    let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert_eq!(token.len(), 43);
    let stored = app
        .scalar(&format!(
            "SELECT count(*) FROM auth_sessions WHERE token_hash = sha256('{token}'::bytea)"
        ))
        .await;
    assert_eq!(stored.as_deref(), Some("1"));

    let resp = browser
        .post("/auth/signout", json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(set_cookie(&resp).contains("Max-Age=0"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM auth_sessions")
            .await
            .as_deref(),
        Some("0")
    );
    let resp = browser.get("/auth/me").send().await.unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    // Signing out again, without a session, is still 204.
    let resp = app
        .browser()
        .post("/auth/signout", json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[tokio::test]
async fn the_old_session_token_stops_working_after_sign_out_even_if_replayed() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Lua").await;
    let browser = app.browser();
    let resp = browser
        .post(
            "/auth/signin",
            json!({ "email": clinic.staff.email, "password": clinic.staff.password }),
        )
        .send()
        .await
        .unwrap();
    let cookie = set_cookie(&resp);
    let pair = cookie.split(';').next().unwrap().to_owned();
    browser
        .post("/auth/signout", json!({}))
        .send()
        .await
        .unwrap();
    let resp = app
        .client
        .get(app.url("/auth/me"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}

#[tokio::test]
async fn production_cookies_are_secure_and_host_prefixed() {
    let app = TestApp::spawn_with(AuthSettings {
        cookie_secure: true,
        ..AuthSettings::default()
    })
    .await;
    let clinic = app.clinic("Clínica Mar").await;
    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": clinic.admin.email, "password": clinic.admin.password }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = set_cookie(&resp);
    assert!(cookie.starts_with("__Host-atende_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The plain name is not read in secure mode.
    let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
    let resp = app
        .client
        .get(app.url("/auth/me"))
        .header("cookie", format!("atende_session={token}"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    let resp = app
        .client
        .get(app.url("/auth/me"))
        .header("cookie", format!("__Host-atende_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Rio").await;
    let wrong = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": clinic.admin.email, "password": "not-the-password" }),
        )
        .send()
        .await
        .unwrap();
    let mut a = assert_problem(wrong, 401, "invalid_credentials").await;
    let unknown = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": "nobody@nowhere.test", "password": "not-the-password" }),
        )
        .send()
        .await
        .unwrap();
    let mut b = assert_problem(unknown, 401, "invalid_credentials").await;
    a.as_object_mut().unwrap().remove("request_id");
    b.as_object_mut().unwrap().remove("request_id");
    assert_eq!(a, b);
}

#[tokio::test]
async fn the_sixth_wrong_password_within_the_window_is_429_and_success_clears_the_counter() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Vento").await;
    let attempt = |password: &str| {
        app.browser()
            .post(
                "/auth/signin",
                json!({ "email": clinic.staff.email, "password": password }),
            )
            .send()
    };
    for _ in 0..4 {
        assert_eq!(attempt("wrong-password").await.unwrap().status(), 401);
    }
    // A success after four failures clears the (e-mail, address) counter...
    assert_eq!(attempt(&clinic.staff.password).await.unwrap().status(), 200);
    assert_eq!(
        app.scalar("SELECT count(*) FROM auth_attempts WHERE key LIKE 'pair:%'")
            .await
            .as_deref(),
        Some("0")
    );
    // ...so five more failures are allowed, and the sixth is refused, even with the right
    // password.
    for _ in 0..5 {
        assert_eq!(attempt("wrong-password").await.unwrap().status(), 401);
    }
    let resp = attempt(&clinic.staff.password).await.unwrap();
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_problem(resp, 429, "too_many_attempts").await;
    // The counter is keyed by a hash, never the e-mail.
    let keys = app
        .scalar("SELECT string_agg(key, ',') FROM auth_attempts")
        .await
        .unwrap();
    assert!(!keys.contains("clinic.test"), "{keys}");
}

#[tokio::test]
async fn thirty_failures_from_one_address_block_that_address() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Pedra").await;
    // Seed the address counter as 30 failures in the current window (127.0.0.1 in tests).
    app.sql(
        "INSERT INTO auth_attempts (key, window_started_at, failures) VALUES ('ip:127.0.0.1', now(), 30)",
    )
    .await;
    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": clinic.admin.email, "password": clinic.admin.password }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 429, "too_many_attempts").await;
}

#[tokio::test]
async fn expired_sessions_are_refused_idle_or_absolute() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Norte").await;
    let idle = app.sign_in_as(&clinic.admin).await;
    app.sql("UPDATE auth_sessions SET idle_expires_at = now() - interval '1 second'")
        .await;
    assert_problem(
        idle.get("/auth/me").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    let absolute = app.sign_in_as(&clinic.staff).await;
    app.sql("UPDATE auth_sessions SET expires_at = now() - interval '1 second'")
        .await;
    assert_problem(
        absolute.get("/api/users").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM auth_sessions")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn activity_slides_the_idle_deadline_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Sul").await;
    let s = app.sign_in_as(&clinic.admin).await;
    // Pretend the last activity was two minutes ago.
    app.sql(
        "UPDATE auth_sessions SET last_seen_at = now() - interval '2 minutes',
                                  idle_expires_at = now() + interval '1 hour'",
    )
    .await;
    assert_eq!(s.get("/auth/me").send().await.unwrap().status(), 200);
    let slid = app
        .scalar("SELECT idle_expires_at > now() + interval '11 hours' FROM auth_sessions")
        .await;
    assert_eq!(slid.as_deref(), Some("true"));
    let seen = app.scalar("SELECT last_seen_at FROM auth_sessions").await;
    // Within the minute, no further write.
    assert_eq!(s.get("/auth/me").send().await.unwrap().status(), 200);
    assert_eq!(
        app.scalar("SELECT last_seen_at FROM auth_sessions").await,
        seen
    );
}

#[tokio::test]
async fn sign_in_upgrades_an_outdated_password_hash() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Leste").await;
    // The clinic helper stores cheap (m=1024) hashes; the server's parameters are OWASP's.
    app.sign_in_as(&clinic.admin).await;
    let hash = app
        .scalar(&format!(
            "SELECT password_hash FROM auth_identities WHERE email = '{}'",
            clinic.admin.email
        ))
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    app.sign_in_as(&clinic.admin).await;
}

#[tokio::test]
async fn an_account_without_a_clinic_signs_in_with_company_null() {
    let app = TestApp::spawn().await;
    let loner = app.account_without_clinic().await;
    let s = app.sign_in_as(&loner).await;
    let me: Value = s
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["company"], Value::Null);
    assert_eq!(me["user"]["email"], loner.email);
    assert_eq!(me["user"]["role"], Value::Null);
}

#[tokio::test]
async fn a_member_disabled_everywhere_gets_the_wrong_password_answer_even_with_the_right_one() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Oeste").await;
    app.sql(&format!(
        "UPDATE users SET status = 'disabled' WHERE id = '{}'",
        clinic.staff.user_id
    ))
    .await;
    let attempt = |password: String| {
        app.browser()
            .post(
                "/auth/signin",
                json!({ "email": clinic.staff.email, "password": password }),
            )
            .send()
    };
    let right = attempt(clinic.staff.password.clone()).await.unwrap();
    let mut right = assert_problem(right, 401, "invalid_credentials").await;
    let wrong = attempt("not-the-password".into()).await.unwrap();
    let mut wrong = assert_problem(wrong, 401, "invalid_credentials").await;
    right.as_object_mut().unwrap().remove("request_id");
    wrong.as_object_mut().unwrap().remove("request_id");
    assert_eq!(right, wrong, "a right password is not revealed");
    // Both attempts stay counted, as wrong ones.
    assert_eq!(
        app.scalar("SELECT failures FROM auth_attempts WHERE key LIKE 'pair:%'")
            .await
            .as_deref(),
        Some("2")
    );
}

#[tokio::test]
async fn the_demo_admin_signs_in_and_sees_the_demo_clinic() {
    let app = TestApp::spawn().await;
    let hasher = infra_crypto::password::PasswordHasher::with_params(1024, 1, 1).unwrap();
    infra_postgres::seed::demo(
        &app.db.db,
        hasher.hash("demo-admin-pass").unwrap(),
        hasher.hash("demo-staff-pass").unwrap(),
    )
    .await
    .unwrap();
    let s = app.sign_in("admin@clinica.demo", "demo-admin-pass").await;
    let me: Value = s
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["company"]["name"], "Clínica Demo");
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(
        s.post("/auth/signout", json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_problem(
        s.get("/auth/me").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
}
