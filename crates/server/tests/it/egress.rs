//! Outbound targets over HTTP against PostgreSQL and local fakes on 127.0.0.1: in production a
//! relay or model server on loopback is refused where the connection is made (nothing is sent)
//! unless the operator allows its block, URLs that are never valid are refused when an
//! integration is saved, and the fallback relay serves only the default clinic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::model_support::fake_model;
use crate::outbox_support::{FakeN8n, Scene, drive, patient, settings, status_of};
use crate::snapshots::{clinic, generate, inbound, openai_integration};
use crate::support::{TestApp, assert_problem, test_secret_box};

use std::sync::Arc;
use std::sync::atomic::Ordering;

use app::outbound::FallbackRelay;
use domain::egress::{Cidr, EgressPolicy};
use domain::ports::dispatcher::DispatchTarget;
use serde_json::json;

/// A worker dispatching replies under `outbox`.
fn worker_with(app: &TestApp, outbox: &server::outbox::OutboxSettings) -> server::worker::Worker {
    let queue = Arc::new(infra_postgres::jobs::PgJobQueue::new(app.db.db.clone()));
    let w = server::worker::Worker::new(
        format!("egress:{}", uuid::Uuid::now_v7().simple()),
        queue,
        server::worker::WorkerSettings::default(),
    );
    server::wiring::with_outbound_dispatch(w, &app.db.db, test_secret_box(), outbox).unwrap()
}

fn id_of(body: &serde_json::Value) -> String {
    body["interaction"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn in_production_a_relay_on_loopback_is_refused_and_nothing_is_sent_unless_allowed() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica SSRF").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    let strict = server::outbox::OutboxSettings {
        egress: EgressPolicy::production(Vec::new()),
        ..settings(&app, 6)
    };
    drive(&app, &worker_with(&app, &strict), &id, "failed").await;
    assert!(fake.seen().is_empty(), "nothing reached 127.0.0.1");
    let error = app
        .scalar(&format!(
            "SELECT error->>'title' FROM interactions WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    assert!(
        error.contains("refused") && error.contains("loopback"),
        "{error}"
    );
    let attempts = app
        .scalar(&format!(
            "SELECT attempts FROM jobs WHERE payload->>'interaction_id' = '{id}'"
        ))
        .await;
    assert_eq!(attempts.as_deref(), Some("1"), "a refusal is not retried");

    // The operator allows the block (a self-hosted n8n on a private network).
    let (_, body) = s.send(&s.admin, "De novo", None).await;
    let again = id_of(&body);
    let allowing = server::outbox::OutboxSettings {
        egress: EgressPolicy::production(vec![Cidr::parse("127.0.0.0/8").unwrap()]),
        ..settings(&app, 6)
    };
    drive(&app, &worker_with(&app, &allowing), &again, "sent").await;
    assert_eq!(fake.seen_for(&again).len(), 1);
}

#[tokio::test]
async fn in_production_a_model_server_on_loopback_is_refused_and_never_called() {
    let app = TestApp::spawn().await;
    let (model, base) = fake_model();
    let a = clinic(&app, "Clínica Modelo Local").await;
    openai_integration(&a.admin, &base).await;
    let client = inbound(&app, &a, "5511987654321", "Quero remarcar").await;
    let strict = server::snapshots::SnapshotSettings {
        egress: EgressPolicy::production(Vec::new()),
        ..Default::default()
    };
    let snapshots = server::snapshots::keyed(
        &app.db.db,
        test_secret_box(),
        &strict,
        &api_http::metrics::Metrics::default(),
    );
    let err = snapshots
        .generate(
            domain::auth::Tenant::company(domain::CompanyId(a.company)),
            app::snapshots::GenerateRequest {
                client_id: domain::ClientId(client),
                source_conversation_id: None,
                trigger: domain::snapshots::SnapshotTrigger::Manual,
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("refused") && err.to_string().contains("loopback"),
        "{err}"
    );
    assert_eq!(model.calls.load(Ordering::SeqCst), 0, "never called");
    // The development policy of this test server reaches it.
    assert_eq!(generate(&a.admin, client).await.status(), 201);
    assert_eq!(model.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn urls_that_are_never_valid_targets_are_refused_when_an_integration_is_saved() {
    let app = TestApp::spawn().await;
    let c = app.clinic("Clinica Metadados").await;
    let admin = app.sign_in_as(&c.admin).await;
    for (provider, config) in [
        (
            "n8n",
            json!({"outbound_url": "http://169.254.169.254/latest/meta-data"}),
        ),
        ("n8n", json!({"outbound_url": "http://2130706433:5678/x"})),
        (
            "openai",
            json!({"base_url": "https://metadata.google.internal/v1"}),
        ),
        ("openai", json!({"base_url": "https://[fe80::1]/v1"})),
    ] {
        let resp = admin
            .post(
                "/api/integrations",
                json!({"provider": provider, "account_id": format!("acc-{}", uuid::Uuid::now_v7().simple()),
                       "config": config, "secrets": {"outbound_secret": "0123456789abcdef", "api_key": "sk-0123456789"}}),
            )
            .send()
            .await
            .unwrap();
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert!(
            body["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with("config."),
            "{body}"
        );
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM integrations")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn the_fallback_relay_serves_only_the_default_clinic() {
    let app = TestApp::spawn().await;
    let relay = FakeN8n::start(&[]).await;
    let (default, other) = (
        app.clinic("Clinica Padrao").await,
        app.clinic("Clinica Outra").await,
    );
    let mut ids = Vec::new();
    for clinic in [&default, &other] {
        let admin = app.sign_in_as(&clinic.admin).await;
        let (_, conversation) = patient(&app, clinic.company_id, "whatsapp").await;
        let resp = admin
            .post(
                "/api/chat/send",
                json!({"conversation_id": conversation, "message": "Olá"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        ids.push(id_of(&resp.json().await.unwrap()));
    }
    let outbox = server::outbox::OutboxSettings {
        fallback: Some(FallbackRelay {
            company: domain::CompanyId(default.company_id),
            target: DispatchTarget {
                url: relay.url.clone(),
                secret: crate::outbox_support::OUTBOUND_SECRET.to_owned(),
            },
        }),
        ..settings(&app, 6)
    };
    let w = worker_with(&app, &outbox);
    drive(&app, &w, &ids[0], "sent").await;
    drive(&app, &w, &ids[1], "failed").await;
    assert_eq!(relay.seen_for(&ids[0]).len(), 1);
    assert!(
        relay.seen_for(&ids[1]).is_empty(),
        "another clinic's reply never leaves through the default clinic's relay"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT error->>'code' FROM interactions WHERE id = '{}'",
            ids[1]
        ))
        .await
        .as_deref(),
        Some("no_integration")
    );
    assert_eq!(status_of(&app, &ids[0]).await, "sent");
}
