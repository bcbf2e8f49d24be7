//! The analyst agent under load, over HTTP against PostgreSQL and a slow OpenAI-compatible fake:
//! no pooled connection is held while an analyzer runs, each clinic's concurrent analyses are
//! capped, and the server key's daily quota is enforced per clinic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::model_support::fake_model;
use crate::snapshots::{clinic, generate, inbound, json_of, openai_integration};
use crate::support::{TestApp, assert_problem, test_secret_box};

use std::sync::atomic::Ordering;
use std::time::Duration;

use infra_postgres::{Database, PoolSettings};
use serde_json::json;

/// Serves the real app over `db` with the analyst's `settings`; returns its base URL.
fn serve(db: &Database, settings: &server::snapshots::SnapshotSettings) -> String {
    let mut state = server::wiring::app_state_keyed(
        db,
        &server::config::AuthSettings::default(),
        test_secret_box(),
    );
    state.snapshots = server::snapshots::keyed(db, test_secret_box(), settings, &state.metrics);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .workers(2)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

/// `POST {base}/api/snapshots/generate` with a bearer token.
async fn generate_at(base: &str, token: &str, client: uuid::Uuid) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/snapshots/generate"))
        .bearer_auth(token)
        .json(&json!({ "client_id": client }))
        .send()
        .await
        .unwrap()
}

async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..400 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test]
async fn slow_analyses_hold_no_pooled_connection_so_reads_go_on() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Pool").await;
    openai_integration(&a.admin, &base).await;
    let token = app.api_token(&a.admin, "staff").await;
    let mut clients = Vec::new();
    for n in 0..3 {
        clients.push(inbound(&app, &a, &format!("551198765432{n}"), "Quero remarcar").await);
    }
    // A node whose pool has two connections, serving three analyses at once.
    let small = Database::connect(
        &app.db.url,
        &PoolSettings {
            max_size: 2,
            wait_timeout: Duration::from_secs(2),
            application_name: "atende-test-small-pool".into(),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let mut settings = server::snapshots::SnapshotSettings::default();
    settings.policy.max_concurrent = 3;
    let node = serve(&small, &settings);

    model.hold();
    let running: Vec<_> = clients
        .iter()
        .map(|c| {
            let (node, token, c) = (node.clone(), token.clone(), *c);
            tokio::spawn(async move { generate_at(&node, &token, c).await.status().as_u16() })
        })
        .collect();
    until("three analyses are in flight at the model", || {
        model.calls.load(Ordering::SeqCst) == 3
    })
    .await;
    for path in ["/api/inbox/summary", "/api/summary/home", "/api/clients"] {
        let resp = reqwest::Client::new()
            .get(format!("{node}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path} while the analyses wait");
    }
    model.release();
    for r in running {
        assert_eq!(r.await.unwrap(), 201);
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM snapshot_runs WHERE status = 'done'")
            .await
            .as_deref(),
        Some("3")
    );
}

#[tokio::test]
async fn a_clinic_at_its_analysis_limit_gets_429_with_retry_after_and_others_are_unaffected() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Cheia").await;
    openai_integration(&a.admin, &base).await;
    let b = clinic(&app, "Clínica Livre").await;
    let mut clients = Vec::new();
    for n in 0..3 {
        clients.push(inbound(&app, &a, &format!("551198765432{n}"), "Quero remarcar").await);
    }
    let b_client = inbound(&app, &b, "5521998765432", "Achei caro").await;

    model.hold();
    // The default limit: two analyses per clinic at once.
    let running: Vec<_> = clients[..2]
        .iter()
        .map(|c| {
            let (s, c) = (a.admin.clone(), *c);
            tokio::spawn(async move { generate(&s, c).await.status().as_u16() })
        })
        .collect();
    until("two analyses are in flight", || {
        model.calls.load(Ordering::SeqCst) == 2
    })
    .await;
    let resp = generate(&a.admin, clients[2]).await;
    let retry = resp.headers().get("retry-after").cloned();
    assert_problem(resp, 429, "analysis_busy").await;
    assert_eq!(retry.unwrap().to_str().unwrap(), "10");
    assert_eq!(model.calls.load(Ordering::SeqCst), 2, "no third call");
    // Another clinic (offline analyzer here) is not held by A's limit.
    json_of(generate(&b.admin, b_client).await, 201).await;

    model.release();
    for r in running {
        assert_eq!(r.await.unwrap(), 201);
    }
    json_of(generate(&a.admin, clients[2]).await, 201).await;
}

#[tokio::test]
async fn the_server_keys_daily_quota_is_a_429_per_clinic_with_its_reset_time() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Cota").await;
    let b = clinic(&app, "Clínica Outra Cota").await;
    let (a1, a2) = (
        inbound(&app, &a, "5511987654320", "Quero remarcar").await,
        inbound(&app, &a, "5511987654321", "Achei caro").await,
    );
    let b1 = inbound(&app, &b, "5521998765432", "Prefiro de manhã").await;
    let settings = server::snapshots::SnapshotSettings::from_source(&[
        ("OPENAI_BASE_URL", base.as_str()),
        ("OPENAI_API_KEY", "sk-server-test"),
        ("ATENDE_SNAPSHOT_DAILY_QUOTA", "1"),
    ])
    .unwrap();
    let node = serve(&app.db.db, &settings);
    let (ta, tb) = (
        app.api_token(&a.admin, "staff").await,
        app.api_token(&b.admin, "staff").await,
    );

    assert_eq!(generate_at(&node, &ta, a1).await.status(), 201);
    let resp = generate_at(&node, &ta, a2).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((86_000..=86_400).contains(&retry), "{retry}");
    let body = assert_problem(resp, 429, "analysis_quota_exceeded").await;
    assert!(body["quota_resets_at"].is_string(), "{body}");
    assert_eq!(model.calls.load(Ordering::SeqCst), 1);
    // The quota is per clinic.
    assert_eq!(generate_at(&node, &tb, b1).await.status(), 201);
    assert_eq!(model.calls.load(Ordering::SeqCst), 2);
}
