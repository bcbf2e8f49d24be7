//! Channel accounts cannot be squatted (issue #16, item 7; docs/integrations.md, "Who owns an
//! account id"). Two clinics each time: registering another clinic's account id first neither
//! blocks it nor reveals it, and deliveries go to the clinic whose own secret signs them, never
//! to the one that registered first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{self, Session, TestApp, assert_problem};
use serde_json::{Value, json};

const OWNER_WEBHOOK: &str = "whsec_real_owner_0123456789";
const OWNER_APP: &str = "meta-app-secret-real-owner-01";
const SQUAT_WEBHOOK: &str = "whsec_squatter_0123456789";
const SQUAT_APP: &str = "meta-app-secret-squatter-001";

async fn admin_of(app: &TestApp, name: &str) -> (support::Clinic, Session) {
    let clinic = app.clinic(name).await;
    let session = app.sign_in_as(&clinic.admin).await;
    (clinic, session)
}

fn channel(provider: &str, account: &str, webhook: &str, app_secret: &str) -> Value {
    json!({"provider": provider, "account_id": account,
           "secrets": {"webhook_secret": webhook, "app_secret": app_secret}})
}

async fn create(admin: &Session, body: Value) -> reqwest::Response {
    admin.post("/api/integrations", body).send().await.unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn relay(app: &TestApp, account: &str, message_id: &str, secret: &str) -> reqwest::Response {
    let body = serde_json::to_vec(&json!({"account_id": account, "message_id": message_id,
        "from": {"id": "5511987654321", "name": "Paciente"}, "type": "text", "text": "Olá",
        "timestamp": now()}))
    .unwrap();
    let sig = infra_crypto::webhook::sign(secret.as_bytes(), now(), &body);
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn meta(app: &TestApp, pnid: &str, message_id: &str, app_secret: &str) -> reqwest::Response {
    let body = serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": pnid},
            "contacts": [{"profile": {"name": "Paciente"}, "wa_id": "5511987654321"}],
            "messages": [{"from": "5511987654321", "id": message_id, "timestamp": now().to_string(),
                          "type": "text", "text": {"body": "Olá"}}]}}]}]}),
    )
    .unwrap();
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header(
            "X-Hub-Signature-256",
            infra_crypto::meta::sign_hub(app_secret.as_bytes(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The provider ids of the messages stored in `company`, sorted and joined.
async fn stored_in(app: &TestApp, company: uuid::Uuid) -> String {
    app.scalar(&format!(
        "SELECT coalesce(string_agg(external_id, ',' ORDER BY external_id), '') FROM interactions WHERE company_id = '{company}'"
    ))
    .await
    .unwrap()
}

async fn verified_at(admin: &Session) -> Vec<Value> {
    let list: Value = admin
        .get("/api/integrations")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["verified_at"].clone())
        .collect()
}

#[tokio::test]
async fn another_clinics_account_id_neither_blocks_a_clinic_nor_is_revealed_to_it() {
    let app = TestApp::spawn().await;
    let (a, a_admin) = admin_of(&app, "Clinica Primeira").await;
    let (b, b_admin) = admin_of(&app, "Clinica Segunda").await;
    let first = create(
        &a_admin,
        channel("whatsapp", "5511999990000", SQUAT_WEBHOOK, SQUAT_APP),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // B registers the same number: created, with an answer that says nothing about A.
    let second = create(
        &b_admin,
        channel("whatsapp", "5511999990000", OWNER_WEBHOOK, OWNER_APP),
    )
    .await;
    assert_eq!(second.status(), 201);
    let second: Value = second.json().await.unwrap();
    let text = second.to_string();
    assert!(
        !text.contains(&a.company_id.to_string()) && !text.contains("Primeira"),
        "{text}"
    );
    assert_ne!(first["id"], second["id"]);
    assert_eq!(
        (first["verified_at"].clone(), second["verified_at"].clone()),
        (Value::Null, Value::Null),
        "both pending until a signed delivery proves them"
    );
    // Only a duplicate inside one clinic conflicts, and its answer names only that clinic.
    for (admin, webhook, app_secret) in [
        (&a_admin, SQUAT_WEBHOOK, SQUAT_APP),
        (&b_admin, OWNER_WEBHOOK, OWNER_APP),
    ] {
        let resp = create(
            admin,
            channel("whatsapp", "5511999990000", webhook, app_secret),
        )
        .await;
        let body = assert_problem(resp, 409, "integration_exists").await;
        assert!(
            body["detail"].as_str().unwrap().contains("this clinic"),
            "{body}"
        );
    }
    // Each clinic lists its own integration only.
    for (admin, id) in [(&a_admin, &first["id"]), (&b_admin, &second["id"])] {
        let list: Value = admin
            .get("/api/integrations")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&Value> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        assert_eq!(ids, [id]);
    }
    // Labels (n8n, openai) are per clinic too.
    for admin in [&a_admin, &b_admin] {
        let n8n = json!({"provider": "n8n", "account_id": "relay",
                         "config": {"outbound_url": "https://n8n.example.com/webhook/out"},
                         "secrets": {"outbound_secret": "outbound-secret-0123"}});
        assert_eq!(create(admin, n8n).await.status(), 201);
        let openai = json!({"provider": "openai", "account_id": "analyst", "secrets": {"api_key": "sk-test-0123456"}});
        assert_eq!(create(admin, openai).await.status(), 201);
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM integrations")
            .await
            .as_deref(),
        Some("6")
    );
    let _ = b;
}

#[tokio::test]
async fn a_squatter_cannot_capture_or_block_an_accounts_relay_deliveries() {
    let app = TestApp::spawn().await;
    let (squatter, s_admin) = admin_of(&app, "Clinica Invasora").await;
    let (owner, o_admin) = admin_of(&app, "Clinica Dona").await;
    // The squatter registers the owner's number first and even proves its own integration with
    // a delivery it signs itself: that delivery lands in the squatter's clinic only.
    assert_eq!(
        create(
            &s_admin,
            channel("whatsapp", "pn-owner", SQUAT_WEBHOOK, SQUAT_APP)
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        relay(&app, "pn-owner", "w-forged", SQUAT_WEBHOOK)
            .await
            .status(),
        200
    );
    assert_eq!(
        create(
            &o_admin,
            channel("whatsapp", "pn-owner", OWNER_WEBHOOK, OWNER_APP)
        )
        .await
        .status(),
        201
    );
    // The owner's relay signs with the owner's secret: delivered to the owner, and only there.
    for id in ["w-1", "w-2"] {
        let resp = relay(&app, "pn-owner", id, OWNER_WEBHOOK).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        let client = body["results"][0]["client_id"].as_str().unwrap().to_owned();
        assert_eq!(
            app.scalar(&format!(
                "SELECT company_id FROM clients WHERE id = '{client}'"
            ))
            .await,
            Some(owner.company_id.to_string())
        );
    }
    assert_eq!(stored_in(&app, owner.company_id).await, "w-1,w-2");
    assert_eq!(stored_in(&app, squatter.company_id).await, "w-forged");
    // Both integrations are proven by their own secrets; neither learned of the other.
    assert!(verified_at(&o_admin).await[0].is_string());
    assert!(verified_at(&s_admin).await[0].is_string());
    // A secret of neither is refused.
    let resp = relay(&app, "pn-owner", "w-3", "whsec_nobody_0123456789").await;
    assert_problem(resp, 401, "invalid_signature").await;
}

#[tokio::test]
async fn a_squatter_cannot_capture_an_accounts_meta_deliveries() {
    let app = TestApp::spawn().await;
    let (squatter, s_admin) = admin_of(&app, "Clinica Invasora").await;
    let (owner, o_admin) = admin_of(&app, "Clinica Dona").await;
    assert_eq!(
        create(
            &s_admin,
            channel("whatsapp", "PNID-OWNER", SQUAT_WEBHOOK, SQUAT_APP)
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        meta(&app, "PNID-OWNER", "wamid.forged", SQUAT_APP)
            .await
            .status(),
        200
    );
    assert_eq!(
        create(
            &o_admin,
            channel("whatsapp", "PNID-OWNER", OWNER_WEBHOOK, OWNER_APP)
        )
        .await
        .status(),
        201
    );
    // Pending: the owner's integration has seen no delivery yet.
    assert_eq!(verified_at(&o_admin).await, [Value::Null]);
    // Meta signs the owner's traffic with the owner's app secret.
    let resp = meta(&app, "PNID-OWNER", "wamid.real", OWNER_APP).await;
    assert_eq!(resp.status(), 200);
    let outcome: Value = resp.json().await.unwrap();
    assert_eq!(outcome["stored"], 1, "{outcome}");
    assert_eq!(stored_in(&app, owner.company_id).await, "wamid.real");
    assert_eq!(stored_in(&app, squatter.company_id).await, "wamid.forged");
    assert!(
        verified_at(&o_admin).await[0].is_string(),
        "proven by Meta's signature"
    );
    let resp = meta(&app, "PNID-OWNER", "wamid.x", "meta-app-secret-nobody-01").await;
    assert_problem(resp, 401, "invalid_signature").await;
}

#[tokio::test]
async fn n8n_names_are_per_clinic_and_a_callback_reaches_only_the_clinic_that_signs_it() {
    let app = TestApp::spawn().await;
    let (a, a_admin) = admin_of(&app, "Clinica A").await;
    let (b, b_admin) = admin_of(&app, "Clinica B").await;
    for (admin, secret) in [(&a_admin, SQUAT_WEBHOOK), (&b_admin, OWNER_WEBHOOK)] {
        let n8n = json!({"provider": "n8n", "account_id": "relay",
                         "config": {"outbound_url": "https://n8n.example.com/webhook/out"},
                         "secrets": {"outbound_secret": "outbound-secret-0123", "webhook_secret": secret}});
        assert_eq!(create(admin, n8n).await.status(), 201);
    }
    // One reply of B's, sent through n8n.
    let (client, thread) = crate::outbox_support::patient(&app, b.company_id, "whatsapp").await;
    let reply = uuid::Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, text, status, external_id)
              VALUES ('{reply}', '{}', '{thread}', '{client}', 'whatsapp', 'outbound', 'Confirmado', 'sent', 'wamid.b-reply')",
        b.company_id
    ))
    .await;
    let callback = |secret: &'static str| {
        let body = serde_json::to_vec(&json!({"account_id": "relay", "interaction_id": reply,
            "status": "delivered", "timestamp": now()}))
        .unwrap();
        let sig = infra_crypto::webhook::sign(secret.as_bytes(), now(), &body);
        app.client
            .post(app.url("/webhooks/n8n/status"))
            .header("content-type", "application/json")
            .header("X-Atende-Signature", sig)
            .body(body)
            .send()
    };
    // Signed by A's relay: applied in A, where B's reply does not exist.
    let out: Value = callback(SQUAT_WEBHOOK).await.unwrap().json().await.unwrap();
    assert_eq!(out["matched"], false, "{out}");
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM interactions WHERE id = '{reply}'"
        ))
        .await
        .as_deref(),
        Some("sent")
    );
    // Signed by B's relay: B's reply moves forward.
    let out: Value = callback(OWNER_WEBHOOK).await.unwrap().json().await.unwrap();
    assert_eq!(
        (out["matched"].clone(), out["changed"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM interactions WHERE id = '{reply}'"
        ))
        .await
        .as_deref(),
        Some("delivered")
    );
    let _ = a;
}
