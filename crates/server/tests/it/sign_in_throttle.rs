//! Issues 16 and 26 over HTTP: sign-in attempts are counted atomically before the password is
//! checked, per (e-mail, address) and per address — where the address is the right-most hop
//! not added by a trusted proxy — so a stranger hammering an e-mail locks out only themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use api_http::auth::client::TrustedProxies;
use serde_json::json;
use server::config::AuthSettings;
use support::{TestApp, assert_problem};

/// An app behind a proxy on the loopback: every test request comes from 127.0.0.1, which
/// appends the client's address to `X-Forwarded-For`.
async fn behind_a_proxy() -> TestApp {
    TestApp::spawn_with(AuthSettings {
        trusted_proxies: TrustedProxies::parse("127.0.0.0/8").unwrap(),
        ..AuthSettings::default()
    })
    .await
}

async fn sign_in_from(
    app: &TestApp,
    forwarded_for: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.browser()
        .post(
            "/auth/signin",
            json!({ "email": email, "password": password }),
        )
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stranger_hammering_an_email_locks_out_only_their_own_address() {
    let app = behind_a_proxy().await;
    let clinic = app.clinic("Clínica Cerco").await;
    let victim = &clinic.staff;
    // The attacker rotates the left-most (client-written) hop; the proxy's hop is the key.
    for i in 0..5 {
        let resp = sign_in_from(
            &app,
            &format!("10.9.9.{i}, 203.0.113.7"),
            &victim.email,
            "guess",
        )
        .await;
        assert_problem(resp, 401, "invalid_credentials").await;
    }
    for i in 5..8 {
        let resp = sign_in_from(
            &app,
            &format!("10.9.9.{i}, 203.0.113.7"),
            &victim.email,
            "guess",
        )
        .await;
        assert_problem(resp, 429, "too_many_attempts").await;
    }
    // Locked: even the right password is refused from there, without being checked.
    let resp = sign_in_from(&app, "203.0.113.7", &victim.email, &victim.password).await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "too_many_attempts").await;
    // The real person, from their own address, signs in while the attacker keeps going.
    let resp = sign_in_from(&app, "198.51.100.9", &victim.email, &victim.password).await;
    assert_eq!(resp.status(), 200);
    let resp = sign_in_from(&app, "203.0.113.7", &victim.email, "guess").await;
    assert_problem(resp, 429, "too_many_attempts").await;
    // A third address is not locked either.
    let resp = sign_in_from(&app, "192.0.2.33", &victim.email, "guess").await;
    assert_problem(resp, 401, "invalid_credentials").await;
    // Counters hold hashes and addresses, never e-mails.
    let keys = app
        .scalar("SELECT string_agg(key, ',') FROM auth_attempts")
        .await
        .unwrap();
    assert!(!keys.contains("clinic.test"), "{keys}");
    assert!(keys.contains("ip:203.0.113.7"), "{keys}");
}

#[tokio::test]
async fn one_address_gets_thirty_attempts_whatever_the_emails() {
    let app = behind_a_proxy().await;
    let clinic = app.clinic("Clínica Spray").await;
    for i in 0..30 {
        let resp = sign_in_from(
            &app,
            "203.0.113.50",
            &format!("sprayed-{}@clinic.test", i % 10),
            "guess",
        )
        .await;
        assert_eq!(resp.status(), 401, "attempt {i}");
    }
    let resp = sign_in_from(
        &app,
        "203.0.113.50",
        &clinic.admin.email,
        &clinic.admin.password,
    )
    .await;
    assert_problem(resp, 429, "too_many_attempts").await;
    let resp = sign_in_from(
        &app,
        "203.0.113.51",
        &clinic.admin.email,
        &clinic.admin.password,
    )
    .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_burst_of_concurrent_attempts_tries_no_more_passwords_than_the_limit() {
    let app = behind_a_proxy().await;
    let clinic = app.clinic("Clínica Rajada").await;
    let attempts =
        (0..20).map(|_| sign_in_from(&app, "203.0.113.99", &clinic.staff.email, "guess"));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // Beyond the hashing lane's places (slots + line) a sign-in is 503 `busy` before anything
    // else, and not counted.
    let busy = statuses.iter().filter(|s| **s == 503).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(refused + busy, 15, "{statuses:?}");
    assert_eq!(
        app.scalar("SELECT failures FROM auth_attempts WHERE key LIKE 'pair:%'")
            .await
            .as_deref(),
        Some((20 - busy).to_string().as_str()),
        "every attempt that was admitted was counted"
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_headers_are_ignored() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Direta").await;
    for i in 0..6 {
        let resp = sign_in_from(
            &app,
            &format!("198.51.100.{i}"),
            &clinic.staff.email,
            "guess",
        )
        .await;
        let expected = if i < 5 { 401 } else { 429 };
        assert_eq!(resp.status(), expected, "attempt {i}");
    }
    let keys = app
        .scalar("SELECT string_agg(key, ',') FROM auth_attempts")
        .await
        .unwrap();
    assert!(keys.contains("ip:127.0.0.1"), "{keys}");
    assert!(!keys.contains("198.51.100"), "{keys}");
}
