//! The worker under faults, against PostgreSQL and local fake n8n relays: one clinic's tarpit
//! does not hold another clinic's replies (continuous claiming, per-clinic shares), a dispatch
//! that outlives its lease is renewed and sent once, and jobs that failed for good are listed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::outbox_support::{FakeN8n, Scene, settings, status_of, worker};
use crate::support::{TestApp, test_secret_box};

use std::time::Duration;

fn id_of(body: &serde_json::Value) -> String {
    body["interaction"]["id"].as_str().unwrap().to_owned()
}

/// Polls `check` every 50 ms for up to 20 s; panics with `what` if it never holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await.unwrap().parse().unwrap()
}

#[tokio::test]
async fn one_clinics_tarpit_does_not_hold_another_clinics_reply() {
    let app = TestApp::spawn().await;
    let (slow, fast) = (FakeN8n::start(&[]).await, FakeN8n::start(&[]).await);
    let a = Scene::new(&app, &slow, "Clinica Lenta").await;
    let b = Scene::new(&app, &fast, "Clinica Rapida").await;
    slow.hold();
    let mut a_ids = Vec::new();
    for n in 0..10 {
        let (code, body) = a.send(&a.admin, &format!("resposta {n}"), None).await;
        assert_eq!(code, 202);
        a_ids.push(id_of(&body));
    }
    // The production loop (LISTEN/NOTIFY + continuous claiming), default capacities: 16
    // dispatch slots, at most 4 running per clinic.
    let w = server::wiring::with_outbound_dispatch(
        server::wiring::worker(&app.db.db, &server::traffic::JobSettings::default()),
        &app.db.db,
        test_secret_box(),
        &settings(&app, 6),
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = infra_postgres::jobs::JobListener::new(&app.db.url);
    let running = tokio::spawn(w.run(listener, stopped));

    eventually("A's relay holds 4 calls", || async {
        slow.seen().len() == 4
    })
    .await;
    let (code, body) = b.send(&b.admin, "Consulta confirmada", None).await;
    assert_eq!(code, 202);
    let b_id = id_of(&body);
    eventually(
        "B's reply is sent while A's relay holds its calls",
        || async { status_of(&app, &b_id).await == "sent" },
    )
    .await;
    assert_eq!(fast.seen_for(&b_id).len(), 1);
    assert_eq!(slow.seen().len(), 4, "A never held more than its share");
    let running_a = format!(
        "SELECT count(*) FROM jobs WHERE company_id = '{}' AND status = 'running'",
        a.clinic.company_id
    );
    assert_eq!(count(&app, &running_a).await, 4);

    slow.release();
    for id in &a_ids {
        eventually("A's replies are sent once its relay answers", || async {
            status_of(&app, id).await == "sent"
        })
        .await;
        assert_eq!(slow.seen_for(id).len(), 1, "{id} sent once");
    }
    stop.send_replace(true);
    running.await.unwrap();
}

#[tokio::test]
async fn a_dispatch_that_outlives_its_lease_keeps_it_and_is_sent_once() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Demorada").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    fake.hold();
    // One-second leases: without renewal the job would be claimable again after a second.
    let first = worker(&app, 1);
    let holder = tokio::spawn(async move { first.run_once().await.unwrap() });
    eventually("the first worker's call reaches n8n", || async {
        fake.seen().len() == 1
    })
    .await;
    let other = worker(&app, 1);
    for _ in 0..12 {
        assert_eq!(
            other.run_once().await.unwrap(),
            0,
            "the running job's lease is renewed, never claimed again"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    fake.release();
    assert_eq!(holder.await.unwrap(), 1);
    assert_eq!(status_of(&app, &id).await, "sent");
    assert_eq!(fake.seen_for(&id).len(), 1, "n8n was called once");
    let job = format!(
        "SELECT status || ' ' || attempts FROM jobs WHERE payload->>'interaction_id' = '{id}'"
    );
    assert_eq!(app.scalar(&job).await.as_deref(), Some("done 1"));
}

#[tokio::test]
async fn atende_jobs_failed_lists_the_jobs_that_failed_for_good() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clinica Falhas").await;
    app.sql(&format!(
        "INSERT INTO jobs (company_id, kind, status, attempts, max_attempts, last_error, finished_at)
              VALUES ('{c}', 'outbound_dispatch', 'failed', 6, 6, 'n8n answered 503 (retries exhausted)', now()),
                     ('{c}', 'conversation_closed', 'done', 1, 3, NULL, now());",
        c = clinic.company_id
    ))
    .await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atende"))
        .args(["jobs", "failed"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["kind"], "outbound_dispatch");
    assert_eq!(lines[0]["company_id"], clinic.company_id.to_string());
    assert_eq!(lines[0]["attempts"], 6);
    assert_eq!(
        lines[0]["last_error"],
        "n8n answered 503 (retries exhausted)"
    );
}

#[tokio::test]
async fn a_reply_whose_last_attempt_lost_its_worker_fails_visibly_and_can_be_retried() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Sem Worker").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    // Its last attempt is claimed by a worker that dies (a one-second lease, never renewed).
    app.sql(&format!(
        "UPDATE jobs SET attempts = max_attempts - 1 WHERE payload->>'interaction_id' = '{id}'"
    ))
    .await;
    let queue = infra_postgres::jobs::PgJobQueue::new(app.db.db.clone());
    use domain::ports::jobs::JobQueue;
    let claimed = queue
        .claim(domain::jobs::ClaimRequest {
            worker: "dying".into(),
            kinds: vec!["outbound_dispatch".into()],
            limit: 1,
            lease_secs: 1,
            per_company: 4,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let w = worker(&app, 30);
    eventually("the next claim fails the job and its reply", || async {
        w.run_once().await.unwrap();
        status_of(&app, &id).await == "failed"
    })
    .await;
    assert!(fake.seen().is_empty(), "never dispatched again");
    assert_eq!(
        app.scalar(&format!(
            "SELECT error->>'code' FROM interactions WHERE id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("worker_lost")
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT last_message_status FROM conversation_threads WHERE id = '{}'",
            s.conversation_id
        ))
        .await
        .as_deref(),
        Some("failed")
    );
    // A member retries it like any failed reply.
    let resp = s
        .admin
        .post(
            &format!("/api/interactions/{id}/retry"),
            serde_json::json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    crate::outbox_support::drive(&app, &w, &id, "sent").await;
    assert_eq!(fake.seen_for(&id).len(), 1);
}
