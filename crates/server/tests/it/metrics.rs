//! `GET /metrics` end to end: after signed webhooks, a reply dispatched by the worker to a local
//! fake n8n (one transient failure, then sent) and a snapshot, the scrape shows the webhook,
//! outbox, job, analyzer, HTTP and pool series with the values that traffic implies; and with
//! `ATENDE_METRICS_BIND` the main listener has no `/metrics` while the separate one serves it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::outbox_support;
use crate::support;

use api_http::metrics::MetricsAccess;
use outbox_support::{FakeN8n, Scene, drive, settings, status_of};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{TestApp, assert_problem, metric_value as value, test_secret_box};
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

/// A minimal OpenAI-compatible `/v1/chat/completions` answering a valid analysis with usage.
fn fake_model() -> String {
    async fn completions() -> actix_web::HttpResponse {
        let content = json!({
            "summary": "Paciente prefere manhã; objeção: preço.",
            "flags": { "no_show_risk": "low", "sentiment": "mixed", "preferences": ["manhã"],
                       "objections": ["preço"], "topics": [] },
            "next_best_action": "Oferecer horários pela manhã.",
            "evidence": []
        });
        actix_web::HttpResponse::Ok().json(json!({
            "id": "chatcmpl-metrics", "object": "chat.completion", "created": 1_741_569_952,
            "model": "gpt-test",
            "choices": [{ "index": 0, "message": { "role": "assistant",
                          "content": content.to_string(), "refusal": null },
                          "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 812, "completion_tokens": 143, "total_tokens": 955 }
        }))
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(|| {
        actix_web::App::new().route(
            "/v1/chat/completions",
            actix_web::web::post().to(completions),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}/v1")
}

#[tokio::test]
async fn a_model_snapshot_records_the_openai_analyzer_with_its_tokens() {
    let app = TestApp::spawn_with_metrics(MetricsAccess::Bearer(SecretString::from(TOKEN))).await;
    let clinic = app.clinic("Clinica Modelo Metricas").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let account = format!("pn-{}", Uuid::now_v7().simple());
    for body in [
        json!({"provider": "whatsapp", "account_id": account, "config": {},
               "secrets": {"webhook_secret": WHATSAPP_SECRET}}),
        json!({"provider": "openai", "account_id": "main",
               "config": {"base_url": fake_model(), "model": "gpt-test"},
               "secrets": {"api_key": "sk-clinic-test"}}),
    ] {
        let resp = admin.post("/api/integrations", body).send().await.unwrap();
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    }
    let resp = relay(&app, &account, "wamid.model.1", WHATSAPP_SECRET).await;
    assert_eq!(resp.status(), 200);
    let stored: Value = resp.json().await.unwrap();
    let lead = stored["results"][0]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = admin
        .post("/api/snapshots/generate", json!({ "client_id": lead }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["snapshot"]["analyzer"], "openai", "{body}");

    let text = scrape(&app).await;
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_calls_total{analyzer="openai",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="prompt"}"#
        ),
        812.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="completion"}"#
        ),
        143.0
    );
    assert_eq!(
        must(
            &text,
            r#"atende_analyzer_duration_seconds_count{analyzer="openai"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"atende_analyzer_calls_total{analyzer="heuristic",outcome="ok"}"#
        ),
        None,
        "the model made it, not the heuristic"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `atende serve` with `env` on a free port; returns the child and `host:port`.
fn serve(
    db: &infra_postgres::testing::TestDb,
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    run("serve", db, env)
}

/// `atende <command>` with `env` and a free `ATENDE_BIND`; returns the child and that address.
fn run(
    command: &str,
    db: &infra_postgres::testing::TestDb,
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    let bind = format!("127.0.0.1:{}", free_port());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.arg(command)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("ATENDE_BIND", &bind)
        .env("ATENDE_WORKER", "off")
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().unwrap(), bind)
}

/// The status of `GET url` (with the token when `bearer`), once the server answers.
async fn status_when_up(url: &str, bearer: bool) -> u16 {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let mut req = client.get(url);
        if bearer {
            req = req.bearer_auth(TOKEN);
        }
        if let Ok(resp) = req.send().await {
            return resp.status().as_u16();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

#[tokio::test]
async fn the_binary_serves_metrics_as_its_two_variables_say() {
    let db = infra_postgres::testing::TestDb::new().await;

    // Token only: on the main listener, behind the token.
    let (mut child, bind) = serve(&db, &[("ATENDE_METRICS_TOKEN", TOKEN)]);
    let with = status_when_up(&format!("http://{bind}/metrics"), true).await;
    let without = status_when_up(&format!("http://{bind}/metrics"), false).await;
    child.kill().ok();
    child.wait().ok();
    assert_eq!((with, without), (200, 401));

    // Token and a separate bind: only there, still behind the token.
    let metrics_bind = format!("127.0.0.1:{}", free_port());
    let (mut child, bind) = serve(
        &db,
        &[
            ("ATENDE_METRICS_TOKEN", TOKEN),
            ("ATENDE_METRICS_BIND", metrics_bind.as_str()),
        ],
    );
    let main = status_when_up(&format!("http://{bind}/metrics"), true).await;
    let with = status_when_up(&format!("http://{metrics_bind}/metrics"), true).await;
    let without = status_when_up(&format!("http://{metrics_bind}/metrics"), false).await;
    child.kill().ok();
    child.wait().ok();
    assert_eq!((main, with, without), (404, 200, 401));

    // Neither: no /metrics at all.
    let (mut child, bind) = serve(&db, &[]);
    let status = status_when_up(&format!("http://{bind}/metrics"), true).await;
    child.kill().ok();
    child.wait().ok();
    assert_eq!(status, 404);

    // A worker-only node serves its own metrics on the separate bind.
    let metrics_bind = format!("127.0.0.1:{}", free_port());
    let (mut child, _) = run(
        "worker",
        &db,
        &[("ATENDE_METRICS_BIND", metrics_bind.as_str())],
    );
    let url = format!("http://{metrics_bind}/metrics");
    let status = status_when_up(&url, false).await;
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(status, 200);
    assert!(value(&text, "atende_db_pool_max").is_some(), "{text}");
    assert!(
        text.contains("atende_outbox_queue_depth{"),
        "the worker's scrape reads the queue:\n{text}"
    );
}
