//! Trusted-device cookies over HTTP (issue 26): a password sign-in sets one; a later sign-in
//! for the same e-mail from the browser holding it takes the reserved hashing lane, so it gets
//! through while strangers keep the common lane saturated; a new browser, a forged cookie or
//! another e-mail's sign-in with it get 503 `busy` as before.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{TestApp, assert_problem};
use infra_crypto::adapters::Argon2Passwords;
use infra_crypto::password::PasswordHasher;
use infra_crypto::password::gate::GateLimits;
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn a_browser_that_signed_in_before_gets_through_a_saturated_hasher() {
    let passwords = Argon2Passwords::with_limits(
        PasswordHasher::new(),
        GateLimits {
            concurrency: 1,
            queue: 0,
        },
    );
    let gate = passwords.gate().clone();
    let app = TestApp::spawn_adjusted(|state| state.deps.passwords = Arc::new(passwords)).await;
    let clinic = app.clinic("Clínica Dispositivo").await;
    let staff = json!({ "email": clinic.staff.email, "password": clinic.staff.password });
    let admin = json!({ "email": clinic.admin.email, "password": clinic.admin.password });

    let browser = app.browser();
    let resp = browser
        .post("/auth/signin", staff.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let device = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("atende_device="))
        .expect("a device cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=15552000"] {
        assert!(device.contains(attribute), "{device}");
    }

    // Strangers hold the common lane's only slot (and its line is empty: nobody may wait).
    let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let holder = tokio::spawn(async move {
        gate.run(move || {
            started_tx.send(()).unwrap();
            hold_rx.recv().unwrap();
        })
        .await
    });
    started.recv().await.unwrap();

    let resp = app
        .browser()
        .post("/auth/signin", staff.clone())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 503, "busy").await;
    let forged = app.browser();
    forged.jar.add_cookie_str(
        "atende_device=d1.1800000000.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &app.base.parse().unwrap(),
    );
    let resp = forged
        .post("/auth/signin", staff.clone())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 503, "busy").await;
    let resp = browser.post("/auth/signin", admin).send().await.unwrap();
    assert_problem(resp, 503, "busy").await;

    // The browser that signed in before, for the same e-mail: through the reserved lane.
    let resp = browser.post("/auth/signin", staff).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["email"], clinic.staff.email);

    hold_tx.send(()).unwrap();
    holder.await.unwrap().unwrap().unwrap();
}
