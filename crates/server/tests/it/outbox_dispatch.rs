//! The outbox end to end over HTTP against PostgreSQL and a local fake n8n: dispatch, retries,
//! failures, manual retry, status callbacks, concurrent workers and a worker that dies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::outbox_support;
use crate::support;

use domain::ports::jobs::JobQueue;
use outbox_support::{FakeN8n, Scene, drive, status_of, worker};
use serde_json::json;
use support::TestApp;

fn id_of(body: &serde_json::Value) -> String {
    body["interaction"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_reply_reaches_n8n_signed_once_ends_sent_and_callbacks_only_move_it_forward() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Envio").await;
    let (status, body) = s.send(&s.admin, "Sua consulta está confirmada", None).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["interaction"]["status"], "queued");
    let id = id_of(&body);
    drive(&app, &worker(&app, 30), &id, "sent").await;

    let seen = fake.seen();
    assert_eq!(seen.len(), 1, "dispatched once");
    let call = &seen[0];
    assert!(
        call.signature_ok,
        "X-Atende-Signature verifies over the raw body"
    );
    assert_eq!(call.idempotency_key.as_deref(), Some(id.as_str()));
    assert_eq!(call.body["interaction_id"], id);
    assert_eq!(call.body["company_id"], s.clinic.company_id.to_string());
    assert_eq!(call.body["conversation_id"], s.conversation_id.to_string());
    assert_eq!(call.body["channel"], "whatsapp");
    assert!(
        call.body["to"]["external_id"]
            .as_str()
            .unwrap()
            .starts_with("55119")
    );
    assert_eq!(
        call.body["message"],
        json!({"type": "text", "text": "Sua consulta está confirmada"})
    );
    assert_eq!(
        call.body["callback_url"],
        format!("{}/webhooks/n8n/status", app.base)
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT external_id FROM interactions WHERE id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("wamid.1")
    );

    let cb = |status: &str| json!({"account_id": s.account_id, "interaction_id": id, "status": status, "timestamp": chrono::Utc::now().timestamp()});
    let (code, out) = s.callback(&app, cb("delivered")).await;
    assert_eq!(
        (code, &out),
        (
            200,
            &json!({"matched": true, "changed": true, "status": "delivered"})
        )
    );
    let (_, out) = s.callback(&app, cb("read")).await;
    assert_eq!(out["changed"], true);
    let (code, out) = s.callback(&app, cb("delivered")).await;
    assert_eq!(
        (code, &out["changed"]),
        (200, &json!(false)),
        "a late delivered after read changes nothing"
    );
    assert_eq!(status_of(&app, &id).await, "read");
    let stamped = app
        .scalar(&format!("SELECT sent_at IS NOT NULL AND delivered_at IS NOT NULL AND read_at IS NOT NULL FROM interactions WHERE id = '{id}'"))
        .await;
    assert_eq!(stamped.as_deref(), Some("true"));
    let thread = app
        .scalar(&format!(
            "SELECT last_message_status FROM conversation_threads WHERE id = '{}'",
            s.conversation_id
        ))
        .await;
    assert_eq!(thread.as_deref(), Some("read"));
}

#[tokio::test]
async fn n8n_failing_three_times_then_succeeding_ends_sent_with_one_idempotency_key() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[503, 502, 429]).await;
    let s = Scene::new(&app, &fake, "Clinica Retry").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    drive(&app, &worker(&app, 30), &id, "sent").await;
    let seen = fake.seen_for(&id);
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|c| c.idempotency_key.as_deref() == Some(id.as_str()) && c.signature_ok)
    );
    let attempts = app
        .scalar(&format!(
            "SELECT attempts FROM jobs WHERE payload->>'interaction_id' = '{id}'"
        ))
        .await;
    assert_eq!(attempts.as_deref(), Some("4"));
}

#[tokio::test]
async fn n8n_down_past_the_budget_fails_visibly_and_a_retry_delivers() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[503; 6]).await;
    let s = Scene::new(&app, &fake, "Clinica Fora").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    let w = worker(&app, 30);
    drive(&app, &w, &id, "failed").await;
    assert_eq!(
        fake.seen_for(&id).len(),
        6,
        "ATENDE_OUTBOX_MAX_ATTEMPTS attempts"
    );

    let view: serde_json::Value = s
        .admin
        .get(&format!("/api/conversations/{}", s.conversation_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = &view["interactions"]["data"][0];
    assert_eq!(message["id"], id);
    assert_eq!(message["status"], "failed");
    assert_eq!(message["error"]["code"], "retries_exhausted");
    assert_eq!(message["error"]["title"], "n8n answered 503");

    let resp = s
        .admin
        .post(&format!("/api/interactions/{id}/retry"), json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["interaction"]["status"], "queued");
    assert!(body["interaction"]["error"].is_null());
    drive(&app, &w, &id, "sent").await;
    assert_eq!(fake.seen_for(&id).len(), 7);
    let resp = s
        .admin
        .post(&format!("/api/interactions/{id}/retry"), json!({}))
        .send()
        .await
        .unwrap();
    support::assert_problem(resp, 409, "not_retryable").await;
}

#[tokio::test]
async fn a_400_from_n8n_fails_at_once_without_retries() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[400]).await;
    let s = Scene::new(&app, &fake, "Clinica Recusa").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    let w = worker(&app, 30);
    drive(&app, &w, &id, "failed").await;
    for _ in 0..3 {
        w.run_once().await.unwrap();
    }
    assert_eq!(fake.seen_for(&id).len(), 1);
    let error = app
        .scalar(&format!(
            "SELECT error->>'code' FROM interactions WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(error.as_deref(), Some("400"));
    let job = app
        .scalar(&format!(
            "SELECT status FROM jobs WHERE payload->>'interaction_id' = '{id}'"
        ))
        .await;
    assert_eq!(job.as_deref(), Some("failed"));
}

#[tokio::test]
async fn callbacks_out_of_order_by_provider_id_unknown_or_unsigned() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Ordem").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    drive(&app, &worker(&app, 30), &id, "sent").await;
    let now = chrono::Utc::now().timestamp();
    // read arrives before delivered, named by the provider id only: both timestamps are set.
    let (_, out) = s.callback(&app, json!({"account_id": s.account_id, "message_id": "wamid.1", "status": "read", "timestamp": now})).await;
    assert_eq!(out["changed"], true);
    let (_, out) = s.callback(&app, json!({"account_id": s.account_id, "message_id": "wamid.1", "status": "delivered", "timestamp": now})).await;
    assert_eq!(
        (out["matched"].clone(), out["changed"].clone()),
        (json!(true), json!(false))
    );
    let (_, out) = s
        .callback(&app, json!({"account_id": s.account_id, "interaction_id": id, "status": "failed", "error": {"code": 1, "title": "x"}, "timestamp": now}))
        .await;
    assert_eq!(out["changed"], false, "failed never follows read");
    assert_eq!(status_of(&app, &id).await, "read");
    let both = app
        .scalar(&format!(
            "SELECT delivered_at = read_at FROM interactions WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(both.as_deref(), Some("true"));
    // An unknown message is accepted and reported as unmatched.
    let (code, out) = s
        .callback(&app, json!({"account_id": s.account_id, "interaction_id": uuid::Uuid::now_v7(), "status": "delivered", "timestamp": now}))
        .await;
    assert_eq!((code, out["matched"].clone()), (200, json!(false)));
    // Unsigned, unknown account or invalid body.
    let resp = app
        .client
        .post(app.url("/webhooks/n8n/status"))
        .json(&json!({"account_id": s.account_id, "interaction_id": id, "status": "read", "timestamp": now}))
        .send()
        .await
        .unwrap();
    support::assert_problem(resp, 401, "invalid_signature").await;
    let (code, _) = s.callback(&app, json!({"account_id": "nobody", "interaction_id": id, "status": "read", "timestamp": now})).await;
    assert_eq!(code, 401);
    let (code, _) = s.callback(&app, json!({"account_id": s.account_id, "interaction_id": id, "status": "queued", "timestamp": now})).await;
    assert_eq!(code, 422);
}

#[tokio::test]
async fn two_workers_on_one_queue_dispatch_each_message_once() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Dupla").await;
    let mut ids = Vec::new();
    for n in 0..8 {
        let (code, body) = s.send(&s.admin, &format!("mensagem {n}"), None).await;
        assert_eq!(code, 202);
        ids.push(id_of(&body));
    }
    let (a, b) = (worker(&app, 30), worker(&app, 30));
    let run = |w: server::worker::Worker| async move {
        for _ in 0..20 {
            w.run_once().await.unwrap();
        }
    };
    tokio::join!(run(a), run(b));
    for id in &ids {
        assert_eq!(status_of(&app, id).await, "sent");
        assert_eq!(fake.seen_for(id).len(), 1, "{id} dispatched exactly once");
    }
    assert_eq!(fake.seen().len(), ids.len());
}

#[tokio::test]
async fn a_job_whose_worker_died_mid_dispatch_is_picked_up_after_its_lease() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Queda").await;
    let (_, body) = s.send(&s.admin, "Olá", None).await;
    let id = id_of(&body);
    // A worker claims the job with a 1-second lease and dies without finishing it.
    let queue = infra_postgres::jobs::PgJobQueue::new(app.db.db.clone());
    let claimed = queue
        .claim(domain::jobs::ClaimRequest {
            worker: "dead-worker".into(),
            kinds: vec!["outbound_dispatch".into()],
            limit: 10,
            lease_secs: 1,
            per_company: 4,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let w = worker(&app, 30);
    assert_eq!(w.run_once().await.unwrap(), 0, "leased to the dead worker");
    drive(&app, &w, &id, "sent").await;
    assert_eq!(fake.seen_for(&id).len(), 1);
    let attempts = app
        .scalar(&format!(
            "SELECT attempts FROM jobs WHERE payload->>'interaction_id' = '{id}'"
        ))
        .await;
    assert_eq!(attempts.as_deref(), Some("2"));
}

#[tokio::test]
async fn a_relay_answering_one_message_id_for_two_replies_sends_each_once() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    // A workflow that answers a constant `message_id`.
    fake.answer_ids(&["wamid.constant", "wamid.constant"]);
    let s = Scene::new(&app, &fake, "Clinica Constante").await;
    let (_, first) = s.send(&s.admin, "Primeira", None).await;
    let (_, second) = s.send(&s.admin, "Segunda", None).await;
    let (first, second) = (id_of(&first), id_of(&second));
    let w = worker(&app, 30);
    drive(&app, &w, &first, "sent").await;
    drive(&app, &w, &second, "sent").await;
    for _ in 0..5 {
        w.run_once().await.unwrap();
    }
    assert_eq!(
        fake.seen_for(&first).len(),
        1,
        "the first reply was sent once"
    );
    assert_eq!(
        fake.seen_for(&second).len(),
        1,
        "the second reply was sent once"
    );
    let row = |id: &str| {
        format!(
            "SELECT coalesce(external_id, '-') || ' ' || coalesce(metadata->>'provider_id_issue', '-')
               FROM interactions WHERE id = '{id}'"
        )
    };
    // The worker may dispatch them in either order: whichever recorded the id first keeps it.
    let mut rows = [
        app.scalar(&row(&first)).await.unwrap_or_default(),
        app.scalar(&row(&second)).await.unwrap_or_default(),
    ];
    rows.sort();
    assert_eq!(
        rows,
        ["- conflict", "wamid.constant -"],
        "both sent; the one answered second has the conflict noted instead of the id"
    );
    let conflicted = if app.scalar(&row(&second)).await.as_deref() == Some("- conflict") {
        &second
    } else {
        &first
    };
    let result = app
        .scalar(&format!(
            "SELECT status || ' ' || attempts || ' ' || (result->>'provider_id_issue')
               FROM jobs WHERE payload->>'interaction_id' = '{conflicted}'"
        ))
        .await;
    assert_eq!(result.as_deref(), Some("done 1 conflict"));
    // An id over the column limit is dropped the same way.
    fake.answer_ids(&[&"x".repeat(300)]);
    let (_, third) = s.send(&s.admin, "Terceira", None).await;
    let third = id_of(&third);
    drive(&app, &w, &third, "sent").await;
    assert_eq!(fake.seen_for(&third).len(), 1);
    assert_eq!(app.scalar(&row(&third)).await.as_deref(), Some("- invalid"));
}
