//! `GET /metrics` end to end: after signed webhooks, a reply dispatched by the worker to a local
//! fake n8n (one transient failure, then sent) and a snapshot, the scrape shows the webhook,
//! outbox, job, analyzer, HTTP and pool series with the values that traffic implies; and with
//! `ATENDE_METRICS_BIND` the main listener has no `/metrics` while the separate one serves it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod outbox_support;
mod support;

use api_http::metrics::MetricsAccess;
use outbox_support::{FakeN8n, Scene, drive, settings, status_of};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{TestApp, assert_problem, test_secret_box};
use uuid::Uuid;

const TOKEN: &str = "scrape-token-for-tests-0123456789";
const WHATSAPP_SECRET: &str = "whatsapp-relay-secret-0123456789";

async fn scrape(app: &TestApp) -> String {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        api_http::metrics::METRICS_CONTENT_TYPE
    );
    resp.text().await.unwrap()
}

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(|v| v.trim().parse::<f64>().unwrap())
    })
}

fn must(text: &str, series: &str) -> f64 {
    value(text, series).unwrap_or_else(|| panic!("missing {series} in\n{text}"))
}

async fn relay(app: &TestApp, account: &str, message_id: &str, secret: &str) -> reqwest::Response {
    let body = serde_json::to_vec(&json!({
        "account_id": account, "message_id": message_id,
        "from": {"id": "5511912345678", "name": "Paciente Novo"},
        "type": "text", "text": "Oi, prefiro de manhã. Achei caro.",
        "timestamp": chrono::Utc::now().timestamp()
    }))
    .unwrap();
    let sig = infra_crypto::webhook::sign(secret.as_bytes(), chrono::Utc::now().timestamp(), &body);
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_scrape_shows_webhook_outbox_job_analyzer_http_and_pool_series() {
    let app = TestApp::spawn_with_metrics(MetricsAccess::Bearer(SecretString::from(TOKEN))).await;
    let fake = FakeN8n::start(&[503]).await;
    let s = Scene::new(&app, &fake, "Clinica Metricas").await;
    let account = format!("pn-{}", Uuid::now_v7().simple());
    let resp = s
        .admin
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": account, "config": {},
                   "secrets": {"webhook_secret": WHATSAPP_SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);

    // Webhooks: one new message, the same again, and a forged one.
    let resp = relay(&app, &account, "wamid.metrics.1", WHATSAPP_SECRET).await;
    assert_eq!(resp.status(), 200);
    let stored: Value = resp.json().await.unwrap();
    let lead: Uuid = stored["results"][0]["client_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let resp = relay(&app, &account, "wamid.metrics.1", WHATSAPP_SECRET).await;
    assert_eq!(resp.status(), 200);
    let resp = relay(
        &app,
        &account,
        "wamid.metrics.2",
        "not-the-secret-0123456789",
    )
    .await;
    assert_problem(resp, 401, "invalid_signature").await;

    // A reply waits in the outbox until a worker runs.
    let (status, body) = s.send(&s.admin, "Sua consulta está confirmada", None).await;
    assert_eq!(status, 202, "{body}");
    let id = body["interaction"]["id"].as_str().unwrap().to_owned();
    let before = scrape(&app).await;
    assert_eq!(
        must(&before, r#"atende_outbox_queue_depth{state="due"}"#),
        1.0
    );
    assert_eq!(
        must(&before, r#"atende_outbox_queue_depth{state="running"}"#),
        0.0
    );
    assert_eq!(
        must(
            &before,
            r#"atende_jobs_queue_depth{kind="outbound_dispatch",state="due"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &before,
            r#"atende_outbox_dispatch_attempts_total{outcome="sent"}"#
        ),
        None,
        "nothing dispatched yet"
    );

    // The worker: n8n answers 503 once (retry, no backoff in tests), then takes it.
    let queue = Arc::new(infra_postgres::jobs::PgJobQueue::new(app.db.db.clone()));
    let w = server::worker::Worker::new(
        format!("metrics:{}", Uuid::now_v7().simple()),
        queue,
        server::worker::WorkerSettings::default(),
    );
    let w = server::wiring::with_outbound_dispatch(
        w,
        &app.db.db,
        test_secret_box(),
        &settings(&app, 6),
    )
    .unwrap()
    .with_metrics(app.metrics.clone());
    drive(&app, &w, &id, "sent").await;
    assert_eq!(status_of(&app, &id).await, "sent");
    assert_eq!(fake.seen_for(&id).len(), 2);

    // The analyst: a snapshot of the lead the webhook created (no model key: the heuristic).
    let resp = s
        .admin
        .post("/api/snapshots/generate", json!({ "client_id": lead }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);

    let text = scrape(&app).await;
    // Webhooks, derived from the route, the signature header and the status.
    for (outcome, n) in [
        ("accepted", 1.0),
        ("duplicate", 1.0),
        ("rejected_signature", 1.0),
    ] {
        assert_eq!(
            must(
                &text,
                &format!(
                    r#"atende_webhook_deliveries_total{{provider="relay",outcome="{outcome}"}}"#
                )
            ),
            n,
            "{outcome}"
        );
    }
    // The outbox and the jobs, recorded where the worker dispatches.
    assert_eq!(
        must(
            &text,
            r#"atende_outbox_dispatch_attempts_total{outcome="retry"}"#
        ),
        1.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_outbox_dispatch_attempts_total{outcome="sent"}"#
        ),
        1.0
    );
    assert_eq!(must(&text, "atende_outbox_dispatch_failures_total"), 1.0);
    assert_eq!(
        must(
            &text,
            r#"atende_jobs_total{kind="outbound_dispatch",outcome="retry"}"#
        ),
        1.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_jobs_total{kind="outbound_dispatch",outcome="done"}"#
        ),
        1.0
    );
    for state in ["due", "waiting", "running"] {
        assert_eq!(
            must(
                &text,
                &format!(r#"atende_outbox_queue_depth{{state="{state}"}}"#)
            ),
            0.0,
            "{state}: the reply has left the outbox"
        );
    }
    // The analyzer decorator.
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_calls_total{analyzer="heuristic",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_duration_seconds_count{analyzer="heuristic"}"#
        ),
        1.0
    );
    // Requests by route pattern.
    assert_eq!(
        must(
            &text,
            r#"atende_http_request_duration_seconds_count{method="POST",route="/api/chat/send",status="202"}"#
        ),
        1.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_http_request_duration_seconds_count{method="POST",route="/webhooks/whatsapp",status="200"}"#
        ),
        2.0
    );
    assert!(!text.contains(&lead.to_string()), "no id in a label");
    // The pool (TestDb pools hold at most 8 connections).
    let size = must(&text, "atende_db_pool_size");
    let in_use = must(&text, r#"atende_db_pool_connections{state="in_use"}"#);
    let idle = must(&text, r#"atende_db_pool_connections{state="idle"}"#);
    assert_eq!(must(&text, "atende_db_pool_max"), 8.0);
    assert!((1.0..=8.0).contains(&size), "{size}");
    assert_eq!(in_use + idle, size);
    assert_eq!(must(&text, "atende_metrics_scrape_errors_total"), 0.0);
}

#[tokio::test]
async fn with_a_separate_bind_the_main_listener_has_no_metrics_and_the_other_serves_them() {
    let app = TestApp::spawn_with_metrics(MetricsAccess::SeparateListener).await;
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let listener = server::metrics::listener_on(app.metrics.clone(), None, socket).unwrap();
    let handle = listener.handle();
    tokio::spawn(listener);

    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);

    let resp = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert_eq!(
        must(
            &text,
            r#"atende_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}"#
        ),
        1.0,
        "the main listener's traffic, seen from the other one"
    );
    assert!(value(&text, "atende_db_pool_size").is_some());
    assert_eq!(must(&text, "atende_db_pool_max"), 8.0);
    let resp = app
        .client
        .get(format!("http://127.0.0.1:{port}/api/clients"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    handle.stop(true).await;
}
