//! Webhooks under abuse (issue #26, item 1): what an unauthenticated delivery may cost is counted
//! on the wire (transactions through a proxy in front of PostgreSQL), deliveries over the caps are
//! refused before any lookup, unknown accounts are remembered briefly, Meta's handshake is
//! throttled per address, and forged traffic never spends a clinic's per-account budget.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::pg_counter::spawn_counted;
use crate::support::{self, TestApp, assert_problem};
use api_http::webhooks::limiter::Rate;
use serde_json::{Value, json};
use server::traffic::TrafficSettings;

const APP_SECRET: &str = "meta-app-secret-abuse-0123";
const WEBHOOK_SECRET: &str = "whsec_abuse_clinic_0123456";
const FORGED: &str = "sha256=0000000000000000000000000000000000000000000000000000000000000000";

async fn whatsapp_integration(admin: &support::Session, account: &str) {
    let resp = admin
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": account,
                   "secrets": {"app_secret": APP_SECRET, "webhook_secret": WEBHOOK_SECRET,
                               "verify_token": "verify-token-abuse-0123"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

/// One entry whose changes name `n` accounts `PN-0`…; the first carries a text message.
fn meta_accounts(n: usize) -> Vec<u8> {
    let mut changes: Vec<Value> = (0..n)
        .map(|i| json!({"field": "messages", "value": {"metadata": {"phone_number_id": format!("PN-{i}")}}}))
        .collect();
    changes[0]["value"]["messages"] = json!([{"from": "5511987654321", "id": "wamid.abuse.1",
        "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text", "text": {"body": "oi"}}]);
    serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": changes}]}),
    )
    .unwrap()
}

async fn post_meta(app: &TestApp, signature: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.scalar(&format!("SELECT count(*) FROM {table}"))
        .await
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_unsigned_meta_delivery_naming_1500_accounts_costs_at_most_two_transactions() {
    let (app, counter) = spawn_counted(TrafficSettings::default()).await;
    let clinic = app.clinic("Clínica Alvo").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    // The first account of every delivery below is a real clinic's: the lookup finds something.
    whatsapp_integration(&admin, "PN-0").await;

    // 1,500 accounts fit under the 256 KiB body cap: refused by the account cap, no lookup.
    let body = meta_accounts(1500);
    assert!(
        body.len() < api_http::webhooks::MAX_BODY,
        "{} bytes",
        body.len()
    );
    let before = counter.transactions();
    let resp = post_meta(&app, FORGED, body).await;
    assert_problem(resp, 422, "too_many_accounts").await;
    // One transaction: the shared per-address bucket (one statement, issue #23), then the
    // refusal, before any lookup.
    assert_eq!(
        counter.transactions() - before,
        1,
        "refused before any lookup"
    );

    // At the cap (50 accounts), unsigned: the shared bucket, one lookup for all of them, then 401.
    let before = counter.transactions();
    let resp = post_meta(&app, FORGED, meta_accounts(app::inbound::MAX_META_ACCOUNTS)).await;
    assert_problem(resp, 401, "invalid_signature").await;
    let spent = counter.transactions() - before;
    assert!((2..=3).contains(&spent), "{spent} transactions");
    assert_eq!(count(&app, "interactions").await, 0);

    // The same delivery signed with the clinic's app secret is stored: the counter sees the
    // work of a real delivery (lookup, first proof, the message).
    let body = meta_accounts(app::inbound::MAX_META_ACCOUNTS);
    let before = counter.transactions();
    let resp = post_meta(
        &app,
        &infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &body),
        body,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let outcome: Value = resp.json().await.unwrap();
    assert_eq!(outcome["stored"], 1, "{outcome}");
    assert!(counter.transactions() - before >= 3);
    assert_eq!(count(&app, "interactions").await, 1);
}

#[tokio::test]
async fn an_account_routing_nowhere_is_refused_from_memory_until_an_integration_names_it() {
    let (app, counter) = spawn_counted(TrafficSettings::default()).await;
    let relay = |message_id: &str| {
        serde_json::to_vec(&json!({"account_id": "pn-later", "message_id": message_id,
            "from": {"id": "5511987654321"}, "type": "text", "text": "oi",
            "timestamp": chrono::Utc::now().timestamp()}))
        .unwrap()
    };
    let post = |body: Vec<u8>| {
        let sig = infra_crypto::webhook::sign(
            WEBHOOK_SECRET.as_bytes(),
            chrono::Utc::now().timestamp(),
            &body,
        );
        app.client
            .post(app.url("/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .header("X-Atende-Signature", sig)
            .body(body)
            .send()
    };
    let before = counter.transactions();
    assert_eq!(post(relay("w1")).await.unwrap().status(), 401);
    assert_eq!(
        counter.transactions() - before,
        2,
        "the shared per-address bucket and one lookup"
    );
    let before = counter.transactions();
    for _ in 0..5 {
        assert_eq!(post(relay("w1")).await.unwrap().status(), 401);
    }
    assert_eq!(
        counter.transactions() - before,
        5,
        "remembered: no lookup, only the shared per-address bucket (one statement each)"
    );
    // An integration created for it (on this node) is routed at once.
    let clinic = app.clinic("Clínica Nova").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    whatsapp_integration(&admin, "pn-later").await;
    assert_eq!(post(relay("w2")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_meta_handshake_is_throttled_per_address_before_any_lookup() {
    let traffic = TrafficSettings {
        handshake: Rate {
            per_second: 0.01,
            burst: 2.0,
        },
        ..TrafficSettings::default()
    };
    let (app, counter) = spawn_counted(traffic).await;
    let get = || {
        app.client
            .get(app.url(
                "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess-0123&hub.challenge=1",
            ))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(get().await.unwrap().status(), 403);
    }
    let before = counter.transactions();
    let resp = get().await.unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "rate_limited").await;
    assert_eq!(
        counter.transactions(),
        before,
        "a throttled handshake costs nothing"
    );
}

#[tokio::test]
async fn forged_meta_deliveries_never_spend_a_clinics_account_budget() {
    let traffic = TrafficSettings {
        per_account: Rate {
            per_second: 0.01,
            burst: 2.0,
        },
        ..TrafficSettings::default()
    };
    let app = TestApp::spawn_with_traffic(traffic).await;
    let clinic = app.clinic("Clínica Meta").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    whatsapp_integration(&admin, "PN-0").await;
    for _ in 0..5 {
        let resp = post_meta(&app, FORGED, meta_accounts(1)).await;
        assert_problem(resp, 401, "invalid_signature").await;
    }
    let signed = |n: usize| {
        let body = serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [
            {"field": "messages", "value": {"metadata": {"phone_number_id": "PN-0"}, "messages": [
                {"from": "5511987654321", "id": format!("wamid.budget.{n}"), "timestamp": chrono::Utc::now().timestamp().to_string(),
                 "type": "text", "text": {"body": "oi"}}]}}]}]}))
        .unwrap();
        (
            infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &body),
            body,
        )
    };
    for n in 0..2 {
        let (sig, body) = signed(n);
        assert_eq!(post_meta(&app, &sig, body).await.status(), 200);
    }
    let (sig, body) = signed(9);
    let resp = post_meta(&app, &sig, body).await;
    assert_problem(resp, 429, "rate_limited").await;
    assert_eq!(count(&app, "interactions").await, 2);
}
