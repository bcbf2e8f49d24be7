//! The analyst agent over HTTP against PostgreSQL: the heuristic and an OpenAI-compatible fake,
//! the budget, failures, concurrency, the closed-conversation trigger and the daily run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::model_support;
use crate::support;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use model_support::fake_model;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem, test_secret_box};

const WEBHOOK_SECRET: &str = "whsec_snapshots_0123456789";

pub(crate) struct Clinic {
    pub(crate) company: uuid::Uuid,
    pub(crate) admin_id: uuid::Uuid,
    pub(crate) admin: Session,
    pub(crate) account: String,
}

pub(crate) async fn clinic(app: &TestApp, name: &str) -> Clinic {
    let c = app.clinic(name).await;
    let admin = app.sign_in_as(&c.admin).await;
    let account = format!("pn-{}", &c.company_id.simple().to_string()[20..]);
    let resp = admin
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": account, "config": {},
                                          "secrets": {"webhook_secret": WEBHOOK_SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    Clinic {
        company: c.company_id,
        admin_id: c.admin.user_id,
        admin,
        account,
    }
}

/// A signed relay delivery of an inbound text; returns the client id.
pub(crate) async fn inbound(app: &TestApp, clinic: &Clinic, from: &str, text: &str) -> uuid::Uuid {
    let now = chrono::Utc::now().timestamp();
    let body = serde_json::to_vec(&json!({
        "account_id": clinic.account, "message_id": format!("wamid.{}", uuid::Uuid::now_v7().simple()),
        "from": {"id": from, "name": "Joana Prado"}, "type": "text", "text": text, "timestamp": now
    }))
    .unwrap();
    let sig = infra_crypto::webhook::sign(WEBHOOK_SECRET.as_bytes(), now, &body);
    let resp = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let id = app
        .scalar(&format!(
            "SELECT client_id FROM interactions WHERE company_id = '{}' ORDER BY created_at DESC LIMIT 1",
            clinic.company
        ))
        .await
        .unwrap();
    id.parse().unwrap()
}

pub(crate) async fn generate(s: &Session, client: uuid::Uuid) -> reqwest::Response {
    s.post("/api/snapshots/generate", json!({ "client_id": client }))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await.unwrap().parse().unwrap()
}

const TEXT: &str = "Oi, aqui é a Joana Prado, meu cel é 11 98765-4321 e email joana.prado@gmail.com. \
                    Achei caro, prefiro de manhã";

#[tokio::test]
async fn without_a_key_the_heuristic_makes_a_snapshot_reused_within_the_budget_and_readable() {
    let app = TestApp::spawn().await;
    let a = clinic(&app, "Clínica Snap A").await;
    let client = inbound(&app, &a, "5511987654321", TEXT).await;

    let first = json_of(generate(&a.admin, client).await, 201).await;
    let snap = &first["snapshot"];
    assert_eq!(snap["analyzer"], "heuristic-v1");
    assert_eq!(snap["model"], Value::Null);
    assert_eq!(snap["trigger"], "manual");
    assert_eq!(snap["requested_by"], a.admin_id.to_string());
    assert_eq!(snap["client_id"], client.to_string());
    assert_eq!(snap["locale"], "pt-BR");
    assert_eq!(snap["input"]["message_count"], 1);
    assert!(snap["input"]["from"].is_string() && snap["usage"]["latency_ms"].is_number());
    assert!(
        snap["flags"]["objections"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{snap}"
    );
    assert!(first.get("reused").is_none());
    assert!(first["next_allowed_at"].is_string());
    let id = snap["id"].as_str().unwrap().to_owned();

    let again = json_of(generate(&a.admin, client).await, 200).await;
    assert_eq!(again["reused"], true);
    assert_eq!(again["snapshot"]["id"], id.as_str());
    assert_eq!(again["next_allowed_at"], first["next_allowed_at"]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM ai_context_snapshots").await,
        1
    );

    let one = json_of(
        a.admin
            .get(&format!("/api/snapshots/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(one["summary"], snap["summary"]);
    let history = json_of(
        a.admin
            .get(&format!("/api/clients/{client}/snapshots?limit=1"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(history["data"][0]["id"], id.as_str());
    assert_eq!(history["next_cursor"], Value::Null);

    // n8n's reply agent reads it with an API token.
    let token = json_of(
        a.admin
            .post("/api/api-tokens", json!({"name": "n8n", "role": "staff"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let resp = app
        .client
        .get(app.url(&format!("/api/clients/{client}/snapshots")))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(resp, 200).await["data"][0]["id"], id.as_str());

    // Another clinic sees none of it; unknown ids are 404 too.
    let b = clinic(&app, "Clínica Snap B").await;
    assert_cross_tenant_404(&b.admin, Method::GET, &format!("/api/snapshots/{id}"), None).await;
    assert_cross_tenant_404(
        &b.admin,
        Method::GET,
        &format!("/api/clients/{client}/snapshots"),
        None,
    )
    .await;
    assert_cross_tenant_404(
        &b.admin,
        Method::POST,
        "/api/snapshots/generate",
        Some(json!({"client_id": client})),
    )
    .await;
    assert_problem(
        generate(&a.admin, uuid::Uuid::now_v7()).await,
        404,
        "not_found",
    )
    .await;
    let bad = a
        .admin
        .post("/api/snapshots/generate", json!({"client": client}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "validation_failed").await;
}

pub(crate) async fn openai_integration(s: &Session, base_url: &str) {
    let resp = s
        .post(
            "/api/integrations",
            json!({"provider": "openai", "account_id": "main",
                                          "config": {"base_url": base_url, "model": "gpt-test"},
                                          "secrets": {"api_key": "sk-clinic-test"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

#[tokio::test]
async fn an_openai_compatible_server_makes_a_structured_snapshot_with_its_tokens() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Modelo").await;
    openai_integration(&a.admin, &base).await;
    let client = inbound(&app, &a, "5511987654321", TEXT).await;

    let first = json_of(generate(&a.admin, client).await, 201).await;
    let snap = &first["snapshot"];
    assert_eq!(snap["analyzer"], "openai");
    assert!(snap["model"].is_string(), "{snap}");
    assert_eq!(snap["usage"]["prompt_tokens"], 812);
    assert_eq!(snap["usage"]["completion_tokens"], 143);
    assert_eq!(snap["flags"]["no_show_risk"], "medium");
    assert_eq!(model.calls.load(Ordering::SeqCst), 1);
    assert_eq!(model.auth.lock().unwrap()[0], "Bearer sk-clinic-test");
    let sent = model.bodies.lock().unwrap()[0].clone();
    assert!(
        sent.contains("json_schema") && sent.contains("gpt-test"),
        "structured outputs with the clinic's model"
    );
    for secret in ["Joana", "Prado", "98765-", "-4321 ", "joana.prado", "gmail"] {
        assert!(!sent.contains(secret), "{secret} reached the model");
    }
    assert!(sent.contains("caro"));

    let again = json_of(generate(&a.admin, client).await, 200).await;
    assert_eq!(again["reused"], true);
    assert_eq!(
        model.calls.load(Ordering::SeqCst),
        1,
        "reuse does not call the analyzer"
    );
}

#[tokio::test]
async fn a_failing_analyzer_is_a_502_that_stores_nothing_and_spends_no_budget() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    model.fail.store(true, Ordering::SeqCst);
    let a = clinic(&app, "Clínica Falha").await;
    openai_integration(&a.admin, &base).await;
    let client = inbound(&app, &a, "5511987654321", "Quero remarcar").await;

    assert_problem(
        generate(&a.admin, client).await,
        502,
        "analyzer_unavailable",
    )
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM ai_context_snapshots").await,
        0
    );

    model.fail.store(false, Ordering::SeqCst);
    let ok = json_of(generate(&a.admin, client).await, 201).await;
    assert_eq!(ok["snapshot"]["analyzer"], "openai");
}

#[tokio::test]
async fn concurrent_generates_for_one_patient_make_one_analyzer_call() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    model.delay_ms.store(300, Ordering::SeqCst);
    let a = clinic(&app, "Clínica Corrida").await;
    openai_integration(&a.admin, &base).await;
    let client = inbound(&app, &a, "5511987654321", "Quero remarcar").await;

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let s = a.admin.clone();
            tokio::spawn(async move {
                let resp = generate(&s, client).await;
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.unwrap();
                (status, body["snapshot"]["id"].as_str().map(str::to_owned))
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, id) = t.await.unwrap();
        statuses.push(status);
        ids.insert(id.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 201]);
    assert_eq!(ids.len(), 1, "every caller gets that one snapshot");
    assert_eq!(model.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM ai_context_snapshots").await,
        1
    );
}

fn snapshots_with(app: &TestApp, daily_at: &str) -> app::snapshots::Snapshots {
    let mut settings = server::snapshots::SnapshotSettings::default();
    settings.policy.daily_at = chrono::NaiveTime::parse_from_str(daily_at, "%H:%M").unwrap();
    server::snapshots::keyed(
        &app.db.db,
        test_secret_box(),
        &settings,
        &api_http::metrics::Metrics::default(),
    )
}

/// A clock stopped at one instant: a test's ticks can never straddle a clinic's midnight.
struct Frozen(chrono::DateTime<chrono::Utc>);

impl domain::ports::clock::Clock for Frozen {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
    }
}

/// [`snapshots_with`] whose clock is stopped at `at`.
fn snapshots_frozen(
    app: &TestApp,
    daily_at: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> app::snapshots::Snapshots {
    let mut settings = server::snapshots::SnapshotSettings::default();
    settings.policy.daily_at = chrono::NaiveTime::parse_from_str(daily_at, "%H:%M").unwrap();
    server::snapshots::use_cases_at(
        &app.db.db,
        Arc::new(infra_crypto::secret_cipher::BoxCipher::new(
            test_secret_box(),
        )),
        &settings,
        &api_http::metrics::Metrics::default(),
        Arc::new(Frozen(at)),
    )
}

fn worker(app: &TestApp, snapshots: &app::snapshots::Snapshots) -> server::worker::Worker {
    let w = server::wiring::worker(&app.db.db, &server::traffic::JobSettings::default());
    server::snapshots::register(w, snapshots)
}

#[tokio::test]
async fn closing_a_conversation_produces_a_conversation_closed_snapshot_end_to_end() {
    let app = TestApp::spawn().await;
    let a = clinic(&app, "Clínica Fecha").await;
    let client = inbound(&app, &a, "5511987654321", TEXT).await;
    let conversation = app
        .scalar(&format!(
            "SELECT id FROM conversation_threads WHERE client_id = '{client}'"
        ))
        .await
        .unwrap();
    let resp = a
        .admin
        .patch(
            &format!("/api/conversations/{conversation}/close"),
            json!({"reason": "resolvido"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let snapshots = snapshots_with(&app, "03:00");
    let w = worker(&app, &snapshots);
    for _ in 0..10 {
        if w.run_once().await.unwrap() == 0 {
            break;
        }
    }
    let history = json_of(
        a.admin
            .get(&format!("/api/clients/{client}/snapshots"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let snap = &history["data"][0];
    assert_eq!(snap["trigger"], "conversation_closed");
    assert_eq!(snap["source_conversation_id"], conversation.as_str());
    assert_eq!(snap["requested_by"], Value::Null);
    assert_eq!(snap["analyzer"], "heuristic-v1");
    let result = app
        .scalar("SELECT result->>'outcome' FROM jobs WHERE kind = 'conversation_closed' AND status = 'done'")
        .await;
    assert_eq!(result.as_deref(), Some("created"));
}

#[tokio::test]
async fn the_daily_run_makes_scheduled_snapshots_once_per_clinic_per_day_even_with_two_workers() {
    let app = TestApp::spawn().await;
    let a = clinic(&app, "Clínica Dia A").await;
    let b = clinic(&app, "Clínica Dia B").await;
    let ca = inbound(&app, &a, "5511987654321", "Quero remarcar para de manhã").await;
    let cb = inbound(&app, &b, "5521998765432", "Achei caro").await;

    // 00:00: always due. The clock is stopped after the messages, so both ticks see the same
    // local date whatever the time of day. Two nodes, each with a scheduler and a worker.
    let at = chrono::Utc::now();
    let (s1, s2) = (
        snapshots_frozen(&app, "00:00", at),
        snapshots_frozen(&app, "00:00", at),
    );
    let (sch1, sch2) = (
        server::snapshots::scheduler(&app.db.db, &s1),
        server::snapshots::scheduler(&app.db.db, &s2),
    );
    let (q1, q2) = tokio::join!(sch1.tick(), sch2.tick());
    assert_eq!(q1.unwrap() + q2.unwrap(), 2, "one run per clinic");
    let (w1, w2) = (worker(&app, &s1), worker(&app, &s2));
    // The sweeps, one per clinic: each queues one job per recently active patient…
    let (r1, r2) = tokio::join!(w1.run_once(), w2.run_once());
    assert_eq!(r1.unwrap() + r2.unwrap(), 2);
    // …and those make the snapshots, as separate (fairly claimed) jobs.
    let (r1, r2) = tokio::join!(w1.run_once(), w2.run_once());
    assert_eq!(r1.unwrap() + r2.unwrap(), 2);
    assert_eq!(sch1.tick().await.unwrap(), 0, "not again today");
    assert_eq!(
        w1.run_once().await.unwrap() + w2.run_once().await.unwrap(),
        0
    );

    for (clinic, client) in [(&a, ca), (&b, cb)] {
        let history = json_of(
            clinic
                .admin
                .get(&format!("/api/clients/{client}/snapshots"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let data = history["data"].as_array().unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0]["trigger"], "scheduled");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE kind = 'snapshot_daily' AND status = 'done'"
        )
        .await,
        2
    );
    assert_eq!(count(&app, "SELECT count(*) FROM jobs WHERE kind = 'snapshot_daily' AND (result->>'queued')::int = 1").await, 2);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE kind = 'snapshot_client' AND status = 'done'
                AND result->>'outcome' = 'created' AND unique_key LIKE payload->>'local_date' || ':%'"
        )
        .await,
        2
    );
    let key = app
        .scalar("SELECT min(unique_key) FROM jobs WHERE kind = 'snapshot_daily'")
        .await
        .unwrap();
    assert!(
        chrono::NaiveDate::parse_from_str(&key, "%Y-%m-%d").is_ok(),
        "{key}"
    );
}

#[tokio::test]
async fn the_server_key_is_the_fallback_and_history_pages_newest_first() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Env").await;
    let client = inbound(&app, &a, "5511987654321", "Quero remarcar").await;
    let mut settings = server::snapshots::SnapshotSettings::from_source(&[
        ("OPENAI_BASE_URL", base.as_str()),
        ("OPENAI_API_KEY", "sk-server-test"),
        ("ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS", "0"),
    ])
    .unwrap();
    settings.openai_model = "gpt-env".into();
    let snapshots = server::snapshots::keyed(
        &app.db.db,
        test_secret_box(),
        &settings,
        &api_http::metrics::Metrics::default(),
    );
    let tenant = domain::auth::Tenant::company(domain::CompanyId(a.company));
    let req = app::snapshots::GenerateRequest {
        client_id: domain::ClientId(client),
        source_conversation_id: None,
        trigger: domain::snapshots::SnapshotTrigger::Manual,
    };
    let mut made = Vec::new();
    for _ in 0..3 {
        let g = snapshots.generate(tenant, req).await.unwrap();
        assert!(!g.reused, "a zero interval spends no budget");
        assert_eq!(g.snapshot.data.analyzer, "openai");
        assert_eq!(g.snapshot.data.requested_by, None, "no member asked");
        made.push(g.snapshot.data.id.0.to_string());
    }
    assert_eq!(model.calls.load(Ordering::SeqCst), 3);
    assert!(
        model
            .auth
            .lock()
            .unwrap()
            .iter()
            .all(|h| h == "Bearer sk-server-test")
    );
    assert!(model.bodies.lock().unwrap()[0].contains("gpt-env"));

    let mut seen = Vec::new();
    let mut path = format!("/api/clients/{client}/snapshots?limit=2");
    loop {
        let page = json_of(a.admin.get(&path).send().await.unwrap(), 200).await;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/clients/{client}/snapshots?limit=2&cursor={c}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "newest first, each once");
    let bad = a
        .admin
        .get(&format!("/api/clients/{client}/snapshots?limit=0"))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "validation_failed").await;
}

fn atende(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run atende")
}

#[tokio::test]
async fn atende_snapshots_run_daily_runs_the_rule_now_and_bad_settings_exit_2() {
    let app = TestApp::spawn().await;
    let a = clinic(&app, "Clínica CLI").await;
    let client = inbound(&app, &a, "5511987654321", "Achei caro").await;
    let company = a.company.to_string();
    let url = app.db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        atende(
            &["snapshots", "run-daily", "--company", &company],
            &[("DATABASE_URL", &url), ("RUST_LOG", "error")],
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(line["company_id"], a.company.to_string());
    assert_eq!(
        (line["clients"].as_u64(), line["created"].as_u64()),
        (Some(1), Some(1))
    );
    let trigger = app
        .scalar(&format!(
            "SELECT trigger FROM ai_context_snapshots WHERE client_id = '{client}'"
        ))
        .await;
    assert_eq!(trigger.as_deref(), Some("scheduled"));

    for (name, value) in [
        ("ATENDE_SNAPSHOT_DAILY_AT", "3am"),
        ("ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS", "-1"),
    ] {
        let out = atende(
            &["snapshots", "run-daily"],
            &[("DATABASE_URL", "postgres://x@h/db"), (name, value)],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(name));
    }
}
