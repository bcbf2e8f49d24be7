//! The whole product path, end to end, over real HTTP, PostgreSQL, a local fake n8n and a local
//! OpenAI-compatible fake — with every log line captured in the production JSON format and
//! searched for anything that must never be logged.
//!
//! A patient writes on WhatsApp (a signed n8n relay delivery) → a lead and an active thread →
//! a receptionist replies with `/api/chat/send` → the worker calls n8n, signed → n8n reports
//! `delivered` then `read` → the thread is read and closed → the closed-conversation snapshot →
//! the profile shows it → the patient writes again → home and inbox counts are right at every
//! step. The journey runs twice: with the offline analyzer (no model configured) and with the
//! clinic's OpenAI key pointing at a local OpenAI-compatible fake. Afterwards `/metrics` (never
//! public) shows the series of everything that happened.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::model_support;
use crate::outbox_support;
use crate::support;

use outbox_support::{FakeN8n, OUTBOUND_SECRET, WEBHOOK_SECRET as N8N_CALLBACK_SECRET};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use support::{Captured, Session, TestApp, metric_value, test_secret_box};

/// The WhatsApp relay secret n8n signs inbound deliveries with.
const RELAY_SECRET: &str = "whsec_e2e_relay_0123456789abcdef";
/// The scrape token of `/metrics`.
const METRICS_TOKEN: &str = "metrics-e2e-token-0123456789abcdef";
/// The clinic's OpenAI key.
const OPENAI_KEY: &str = "sk-e2e-clinic-key-0123456789";
const PHONE: &str = "5511987654321";
const PATIENT: &str = "Joana Prado";
const FIRST_TEXT: &str = "Oi, quero marcar uma limpeza amanhã de manhã, está caro?";
const REPLY_TEXT: &str = "Olá Joana! Temos horário às 9h, pode ser?";
const SECOND_TEXT: &str = "Pode ser às nove, obrigada pela atenção";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// A signed relay delivery of one inbound WhatsApp text (what the n8n inbound workflow sends).
async fn relay(app: &TestApp, account: &str, message_id: &str, text: &str) -> Value {
    let body = serde_json::to_vec(&json!({
        "account_id": account, "message_id": message_id,
        "from": {"id": PHONE, "name": PATIENT}, "type": "text", "text": text, "timestamp": now()
    }))
    .unwrap();
    let sig = infra_crypto::webhook::sign(RELAY_SECRET.as_bytes(), now(), &body);
    let resp = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    json_of(resp, 200).await
}

/// A status callback from n8n, signed with the n8n integration's webhook secret.
async fn callback(app: &TestApp, account: &str, interaction: &str, status: &str) -> Value {
    let raw = json!({"account_id": account, "interaction_id": interaction, "status": status,
                     "timestamp": now()})
    .to_string()
    .into_bytes();
    let sig = infra_crypto::webhook::sign(N8N_CALLBACK_SECRET.as_bytes(), now(), &raw);
    let resp = app
        .client
        .post(app.url("/webhooks/n8n/status"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(raw)
        .send()
        .await
        .unwrap();
    json_of(resp, 200).await
}

async fn integration(admin: &Session, body: Value) {
    let resp = admin.post("/api/integrations", body).send().await.unwrap();
    json_of(resp, 201).await;
}

/// A worker with every production handler: outbound dispatch and the snapshot jobs.
fn worker(app: &TestApp) -> server::worker::Worker {
    let w = server::wiring::worker(&app.db.db, &server::traffic::JobSettings::default())
        .with_metrics(app.metrics.clone());
    let settings = server::outbox::OutboxSettings {
        fallback: None,
        public_url: app.base.clone(),
        backoff: vec![0, 0, 0],
        max_attempts: 6,
        ..Default::default()
    };
    let w = server::wiring::with_outbound_dispatch(w, &app.db.db, test_secret_box(), &settings)
        .unwrap();
    let snapshots = server::snapshots::keyed(
        &app.db.db,
        test_secret_box(),
        &server::snapshots::SnapshotSettings::default(),
        &app.metrics,
    );
    server::snapshots::register(w, &snapshots)
}

/// Runs `worker` until no job is due.
async fn drain(worker: &server::worker::Worker) {
    for _ in 0..50 {
        if worker.run_once().await.unwrap() == 0 {
            return;
        }
    }
    panic!("the queue never drained");
}

async fn get(session: &Session, path: &str) -> Value {
    json_of(session.get(path).send().await.unwrap(), 200).await
}

#[tokio::test]
async fn the_journey_with_the_offline_analyzer_works_and_leaks_nothing_into_the_logs() {
    journey(Analyzer::Offline).await;
}

#[tokio::test]
async fn the_journey_with_an_openai_compatible_model_works_and_leaks_nothing_into_the_logs() {
    journey(Analyzer::OpenAi).await;
}

/// The same journey with the server's pool and the worker behind PgBouncer 1.18 in transaction
/// mode (`ATENDE_DB_PREPARED=auto`, `pgbouncer=true` in the URL).
#[tokio::test]
async fn the_journey_behind_pgbouncer_in_transaction_mode_works() {
    journey_on(Analyzer::Offline, Pooler::PgBouncer).await;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pooler {
    /// The pool connects straight to PostgreSQL.
    Direct,
    /// Through a private PgBouncer (skipped, saying so, where it is not installed).
    PgBouncer,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Analyzer {
    /// No model configured: the heuristic analyzer.
    Offline,
    /// The clinic's OpenAI integration, pointing at the local fake.
    OpenAi,
}

async fn journey(analyzer: Analyzer) {
    journey_on(analyzer, Pooler::Direct).await;
}

async fn journey_on(analyzer: Analyzer, pooler: Pooler) {
    // nextest runs each test in its own process: this global subscriber is this test's alone.
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(server::telemetry::json_subscriber(
        tracing_subscriber::EnvFilter::new("trace"),
        move || writer.clone(),
    ))
    .unwrap();

    let access =
        api_http::metrics::MetricsAccess::Bearer(secrecy::SecretString::from(METRICS_TOKEN));
    let app = match pooler {
        Pooler::Direct => TestApp::spawn_with_metrics(access).await,
        Pooler::PgBouncer => match TestApp::spawn_behind_pgbouncer(access).await {
            Some(app) => app,
            None => return,
        },
    };
    let fake_n8n = FakeN8n::start(&[]).await;
    let (model, model_url) = model_support::fake_model();
    let clinic = app.clinic("Clínica Ponta a Ponta").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let account = "pn-e2e-5511900000000";
    let n8n_account = "n8n-e2e";
    integration(
        &admin,
        json!({"provider": "whatsapp", "account_id": account, "config": {},
               "secrets": {"webhook_secret": RELAY_SECRET}}),
    )
    .await;
    integration(
        &admin,
        json!({"provider": "n8n", "account_id": n8n_account,
               "config": {"outbound_url": fake_n8n.url},
               "secrets": {"outbound_secret": OUTBOUND_SECRET, "webhook_secret": N8N_CALLBACK_SECRET}}),
    )
    .await;
    if analyzer == Analyzer::OpenAi {
        integration(
            &admin,
            json!({"provider": "openai", "account_id": "main",
                   "config": {"base_url": model_url, "model": "gpt-e2e"},
                   "secrets": {"api_key": OPENAI_KEY}}),
        )
        .await;
    }

    // 1. The patient writes: a lead and an active thread with one unread message.
    let delivered = relay(&app, account, "wamid.e2e.1", FIRST_TEXT).await;
    let first = &delivered["results"][0];
    assert_eq!(first["duplicate"], false);
    let client_id = first["client_id"].as_str().unwrap().to_owned();
    let conversation_id = first["conversation_id"].as_str().unwrap().to_owned();
    let again = relay(&app, account, "wamid.e2e.1", FIRST_TEXT).await;
    assert_eq!(
        again["results"][0]["duplicate"], true,
        "n8n retried: stored once"
    );
    let client = get(&staff, &format!("/api/clients/{client_id}")).await;
    assert_eq!(client["status"], "lead");
    assert_eq!(client["name"], PATIENT);
    assert_eq!(client["phone"], format!("+{PHONE}"));
    let found = get(&staff, "/api/clients?q=98765").await;
    assert_eq!(
        found["data"][0]["id"],
        client_id.as_str(),
        "found by partial phone"
    );

    let home = get(&staff, "/api/summary/home").await;
    assert_eq!(home["open_conversations_count"], 1);
    assert_eq!(home["unread_inbound_count"], 1);
    let inbox = get(&staff, "/api/inbox/summary").await;
    assert_eq!(inbox["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        inbox["data"][0]["conversation_id"],
        conversation_id.as_str()
    );
    assert_eq!(inbox["data"][0]["unread_count"], 1);
    assert_eq!(inbox["data"][0]["last_message"]["direction"], "inbound");

    // 2. The receptionist reads and replies; the reply is queued, then dispatched signed.
    let read = staff
        .post(
            &format!("/api/conversations/{conversation_id}/read"),
            json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(read, 200).await["unread_count"], 0);
    let sent = staff
        .post(
            "/api/chat/send",
            json!({"conversation_id": conversation_id, "message": REPLY_TEXT}),
        )
        .header("Idempotency-Key", "e2e-reply-1")
        .send()
        .await
        .unwrap();
    let sent = json_of(sent, 202).await;
    assert_eq!(sent["interaction"]["status"], "queued");
    let reply_id = sent["interaction"]["id"].as_str().unwrap().to_owned();
    let w = worker(&app);
    drain(&w).await;
    let calls = fake_n8n.seen_for(&reply_id);
    assert_eq!(calls.len(), 1, "n8n is called exactly once");
    assert!(
        calls[0].signature_ok,
        "the call is signed with the outbound secret"
    );
    assert_eq!(calls[0].idempotency_key.as_deref(), Some(reply_id.as_str()));
    assert_eq!(calls[0].body["message"]["text"], REPLY_TEXT);
    assert_eq!(calls[0].body["to"]["external_id"], PHONE);

    // 3. n8n reports delivery and reading; statuses only move forward.
    for status in ["delivered", "read"] {
        let out = callback(&app, n8n_account, &reply_id, status).await;
        assert_eq!(out["changed"], true, "{status}: {out}");
    }
    let late = callback(&app, n8n_account, &reply_id, "delivered").await;
    assert_eq!(late["changed"], false);
    let view = get(&staff, &format!("/api/conversations/{conversation_id}")).await;
    let newest = &view["interactions"]["data"][0];
    assert_eq!(newest["id"], reply_id.as_str());
    assert_eq!(newest["status"], "read");

    // 4. Closing the conversation queues the closed-conversation snapshot.
    let closed = staff
        .patch(
            &format!("/api/conversations/{conversation_id}/close"),
            json!({"reason": "agendado"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(closed, 200).await["status"], "closed");
    drain(&w).await;
    let history = get(&staff, &format!("/api/clients/{client_id}/snapshots")).await;
    assert_eq!(history["data"].as_array().unwrap().len(), 1);
    let snapshot = &history["data"][0];
    assert_eq!(snapshot["trigger"], "conversation_closed");
    assert_eq!(snapshot["source_conversation_id"], conversation_id.as_str());
    assert_eq!(snapshot["locale"], "pt-BR");
    match analyzer {
        Analyzer::Offline => {
            assert_eq!(snapshot["analyzer"], "heuristic-v1");
            assert_eq!(snapshot["flags"]["preferences"], json!(["manhã"]));
            assert_eq!(snapshot["flags"]["objections"], json!(["preço"]));
            assert_eq!(model.calls.load(Ordering::SeqCst), 0, "no model configured");
        }
        Analyzer::OpenAi => {
            assert_eq!(snapshot["analyzer"], "openai");
            assert_eq!(snapshot["usage"]["prompt_tokens"], 812);
            assert_eq!(snapshot["usage"]["completion_tokens"], 143);
            assert_eq!(model.calls.load(Ordering::SeqCst), 1);
            assert_eq!(
                model.auth.lock().unwrap()[0],
                format!("Bearer {OPENAI_KEY}")
            );
            let prompt = model.bodies.lock().unwrap()[0].clone();
            assert!(prompt.contains("gpt-e2e") && prompt.contains("json_schema"));
            for private in [PHONE, "Joana", "Prado", "987654321"] {
                assert!(!prompt.contains(private), "{private} reached the model");
            }
        }
    }
    let home = get(&staff, "/api/summary/home").await;
    assert_eq!(home["open_conversations_count"], 0);
    assert_eq!(home["unread_inbound_count"], 0);
    assert_eq!(
        get(&staff, "/api/inbox/summary").await["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // 5. The profile shows the snapshot; private answers are never cached or sniffed.
    let resp = staff
        .get(&format!("/api/clients/{client_id}/profile"))
        .send()
        .await
        .unwrap();
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(resp.headers()[name], value, "{name}");
    }
    let profile = json_of(resp, 200).await;
    assert_eq!(profile["latest_snapshot"]["id"], snapshot["id"]);
    assert_eq!(profile["latest_snapshot"]["summary"], snapshot["summary"]);
    assert_eq!(profile["recent_interactions"][0]["id"], reply_id.as_str());
    assert_eq!(profile["client"]["id"], client_id.as_str());

    // 6. The patient writes again: one active thread, one unread, on home and inbox.
    let second = relay(&app, account, "wamid.e2e.2", SECOND_TEXT).await;
    let active = second["results"][0]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let home = get(&staff, "/api/summary/home").await;
    assert_eq!(home["open_conversations_count"], 1);
    assert_eq!(home["unread_inbound_count"], 1);
    let inbox = get(&staff, "/api/inbox/summary").await;
    assert_eq!(inbox["data"].as_array().unwrap().len(), 1);
    assert_eq!(inbox["data"][0]["conversation_id"], active.as_str());
    assert_eq!(inbox["data"][0]["unread_count"], 1);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM interactions WHERE client_id = '{client_id}'"
        ))
        .await
        .as_deref(),
        Some("3"),
        "two inbound messages (the first delivered twice) and one reply"
    );

    // 7. The metrics: not public, and they saw the whole journey.
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let scrape = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let metrics = scrape.text().await.unwrap();
    let analyzer = match analyzer {
        Analyzer::Offline => "heuristic",
        Analyzer::OpenAi => "openai",
    };
    let mut expected = vec![
        (r#"atende_webhook_deliveries_total{provider="relay",outcome="accepted"}"#.to_owned(), 2.0),
        (r#"atende_webhook_deliveries_total{provider="relay",outcome="duplicate"}"#.to_owned(), 1.0),
        (r#"atende_webhook_deliveries_total{provider="n8n_status",outcome="accepted"}"#.to_owned(), 2.0),
        (r#"atende_http_request_duration_seconds_count{method="POST",route="/api/chat/send",status="202"}"#.to_owned(), 1.0),
        (r#"atende_outbox_dispatch_attempts_total{outcome="sent"}"#.to_owned(), 1.0),
        ("atende_outbox_dispatch_failures_total".to_owned(), 0.0),
        (r#"atende_outbox_queue_depth{state="due"}"#.to_owned(), 0.0),
        (r#"atende_jobs_total{kind="conversation_closed",outcome="done"}"#.to_owned(), 1.0),
        (format!(r#"atende_analyzer_calls_total{{analyzer="{analyzer}",outcome="ok"}}"#), 1.0),
        (format!(r#"atende_analyzer_duration_seconds_count{{analyzer="{analyzer}"}}"#), 1.0),
        ("atende_db_pool_max".to_owned(), 8.0),
    ];
    if analyzer == "openai" {
        expected.push((
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="prompt"}"#.to_owned(),
            812.0,
        ));
        expected.push((
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="completion"}"#.to_owned(),
            143.0,
        ));
    }
    for (series, want) in expected {
        let got = metric_value(&metrics, &series);
        assert_eq!(got, Some(want), "{series} in\n{metrics}");
    }
    assert!(!metrics.contains(&client_id), "no id in a label");

    // 8. The logs: structured, correlated, and free of anything private.
    let logs = captured.text();
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request finished")
        .collect();
    assert!(finished.len() > 20, "every request is logged");
    let send_line = finished
        .iter()
        .find(|l| l["span"]["http.route"] == "/api/chat/send")
        .expect("the send request is logged");
    assert_eq!(send_line["http.status_code"], 202);
    assert_eq!(
        send_line["span"]["company_id"],
        clinic.company_id.to_string()
    );
    assert_eq!(
        send_line["span"]["user_id"],
        clinic.staff.user_id.to_string()
    );
    assert_eq!(
        send_line["span"]["conversation_id"],
        conversation_id.as_str()
    );
    assert!(send_line["span"]["request_id"].is_string());
    assert!(send_line["latency_ms"].is_number());
    let webhook_line = finished
        .iter()
        .find(|l| l["span"]["http.route"] == "/webhooks/whatsapp")
        .expect("the webhook is logged");
    assert_eq!(
        webhook_line["span"]["company_id"],
        clinic.company_id.to_string()
    );
    assert!(
        finished.iter().all(|l| !l["span"]["http.route"]
            .as_str()
            .unwrap_or("")
            .contains(&client_id)),
        "routes are patterns, never raw paths with ids"
    );

    let session_cookies: Vec<String> = [admin.cookie_values(), staff.cookie_values()].concat();
    assert!(
        !session_cookies.is_empty(),
        "the sessions hold their cookies"
    );
    let mut never: Vec<(&str, String)> = vec![
        ("message text", FIRST_TEXT.to_owned()),
        ("message text", REPLY_TEXT.to_owned()),
        ("message text", SECOND_TEXT.to_owned()),
        ("a word of a message", "limpeza".to_owned()),
        ("a word of a message", "obrigada".to_owned()),
        ("phone", PHONE.to_owned()),
        ("part of the phone", "987654321".to_owned()),
        ("patient name", PATIENT.to_owned()),
        ("relay secret", RELAY_SECRET.to_owned()),
        ("n8n outbound secret", OUTBOUND_SECRET.to_owned()),
        ("n8n callback secret", N8N_CALLBACK_SECRET.to_owned()),
        ("OpenAI key", OPENAI_KEY.to_owned()),
        ("metrics token", METRICS_TOKEN.to_owned()),
        ("password", clinic.admin.password.clone()),
        ("password", clinic.staff.password.clone()),
        ("the model's answer", "remarcar".to_owned()),
        ("the snapshot", "Objeção".to_owned()),
    ];
    for cookie in session_cookies {
        never.push(("session token", cookie));
    }
    for (what, value) in &never {
        let leaks: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains(value.as_str()))
            .collect();
        assert!(
            leaks.is_empty(),
            "{what} reached the logs: {value}: {leaks:#?}"
        );
    }
}
