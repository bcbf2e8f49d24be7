//! Integration secrets never reach the logs: every log line of a flow that creates, rotates,
//! reads and uses an integration is captured (at TRACE) and searched for the secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::{Captured, TestApp};

#[tokio::test]
async fn integration_secrets_never_appear_in_the_logs() {
    // Each test runs in its own process (nextest), so the global subscriber is this test's alone.
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let secrets = [
        "whsec_log_probe_0123456789",
        "meta-app-secret-log-probe-01",
        "verify-token-log-probe-0123",
        "whsec_rotated_log_probe_987",
    ];
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Logs").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let created: serde_json::Value = admin
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": "pn-logs", "config": {},
                   "secrets": {"webhook_secret": secrets[0], "app_secret": secrets[1], "verify_token": secrets[2]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let rotated = admin
        .patch(
            &format!("/api/integrations/{id}"),
            json!({"secrets": {"webhook_secret": secrets[3]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), 200);
    assert_eq!(
        admin
            .get(&format!("/api/integrations/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Use the secrets: a signed relay delivery (authentic), one signed with the old secret
    // (refused), and Meta's handshake.
    let body = serde_json::to_vec(
        &json!({"account_id": "pn-logs", "message_id": "w-log", "from": {"id": "5511987654321"},
        "type": "text", "text": "Oi", "timestamp": chrono::Utc::now().timestamp()}),
    )
    .unwrap();
    for (secret, status) in [(secrets[3], 200), (secrets[0], 401)] {
        let sig =
            infra_crypto::webhook::sign(secret.as_bytes(), chrono::Utc::now().timestamp(), &body);
        let resp = app
            .client
            .post(app.url("/webhooks/whatsapp"))
            .header("X-Atende-Signature", sig)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status);
    }
    let hs = app
        .client
        .get(app.url(&format!(
            "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={}&hub.challenge=7",
            secrets[2]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(hs.status(), 200);

    let logs = captured.text();
    assert!(logs.contains("request finished"), "the capture works");
    for secret in secrets {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}
