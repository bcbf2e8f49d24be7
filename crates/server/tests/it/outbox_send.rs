//! `POST /api/chat/send` over HTTP against PostgreSQL: the rules, the transaction, the
//! `Idempotency-Key`, staff and API tokens, and other clinics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::outbox_support;
use crate::support;

use outbox_support::{FakeN8n, Scene, drive, patient, worker};
use reqwest::Method;
use serde_json::json;
use support::{TestApp, assert_cross_tenant_404, assert_problem};

#[tokio::test]
async fn staff_can_send_and_the_reply_is_stored_with_its_job_and_marks_the_thread_read() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Staff").await;
    let staff = app.sign_in_as(&s.clinic.staff).await;
    let (code, body) = s.send(&staff, "Bom dia!", None).await;
    assert_eq!(code, 202, "{body}");
    let i = &body["interaction"];
    assert_eq!(
        (
            i["status"].clone(),
            i["direction"].clone(),
            i["channel"].clone()
        ),
        (json!("queued"), json!("outbound"), json!("whatsapp"))
    );
    assert_eq!(i["sent_by_user_id"], s.clinic.staff.user_id.to_string());
    assert_eq!(i["source"], "api");
    let thread = app
        .scalar(&format!(
            "SELECT unread_count || ' ' || last_read_by || ' ' || last_message_status FROM conversation_threads WHERE id = '{}'",
            s.conversation_id
        ))
        .await;
    assert_eq!(thread, Some(format!("0 {} queued", s.clinic.staff.user_id)));
    let job = app
        .scalar(&format!(
            "SELECT kind || ' ' || max_attempts FROM jobs WHERE payload->>'interaction_id' = '{}'",
            i["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(job.as_deref(), Some("outbound_dispatch 6"));
}

#[tokio::test]
async fn an_api_token_sends_as_the_agent() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Agente").await;
    let token = app.api_token(&s.admin, "staff").await;
    let resp = app
        .client
        .post(app.url("/api/chat/send"))
        .bearer_auth(token)
        .json(&json!({"conversation_id": s.conversation_id, "message": "Posso ajudar?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["interaction"]["source"], "agent");
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_first_send_and_dispatches_once() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Chave").await;
    let (code, first) = s.send(&s.admin, "Olá", Some("reply-42")).await;
    assert_eq!(code, 202);
    let id = first["interaction"]["id"].as_str().unwrap().to_owned();
    let (code, again) = s.send(&s.admin, "Olá", Some("reply-42")).await;
    assert_eq!(code, 200);
    assert_eq!(again["interaction"]["id"], id.as_str());
    // Concurrent repeats: still one message.
    let sends = (0..5).map(|_| s.send(&s.admin, "Olá", Some("reply-43")));
    let results = futures_util::future::join_all(sends).await;
    let ids: std::collections::HashSet<_> = results
        .iter()
        .map(|(_, b)| b["interaction"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|(c, _)| *c == 202).count(), 1);
    drive(&app, &worker(&app, 30), &id, "sent").await;
    let w = worker(&app, 30);
    while w.run_once().await.unwrap() > 0 {}
    assert_eq!(fake.seen_for(&id).len(), 1);
    assert_eq!(fake.seen().len(), 2, "one dispatch per key");
    let count = app
        .scalar(&format!(
            "SELECT count(*) FROM interactions WHERE conversation_id = '{}'",
            s.conversation_id
        ))
        .await;
    assert_eq!(count.as_deref(), Some("2"));
    // Older than 24 hours, the key is reused for a new send.
    app.sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'reply-42'").await;
    let (code, later) = s.send(&s.admin, "Olá de novo", Some("reply-42")).await;
    assert_eq!(code, 202);
    assert_ne!(later["interaction"]["id"], id.as_str());
}

#[tokio::test]
async fn closed_threads_the_whatsapp_window_and_missing_identities_are_clear_errors() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Regras").await;
    // 24 hours and a minute since the patient wrote.
    app.sql(&format!(
        "UPDATE conversation_threads SET last_inbound_at = now() - interval '1441 minutes' WHERE id = '{}'",
        s.conversation_id
    ))
    .await;
    let (code, body) = s.send(&s.admin, "Olá", None).await;
    assert_eq!(
        (code, body["code"].clone()),
        (422, json!("outside_service_window")),
        "{body}"
    );
    // Closed is checked before the window.
    app.sql(&format!(
        "UPDATE conversation_threads SET status = 'closed', ended_at = now() WHERE id = '{}'",
        s.conversation_id
    ))
    .await;
    let (code, body) = s.send(&s.admin, "Olá", None).await;
    assert_eq!(
        (code, body["code"].clone()),
        (409, json!("conversation_closed"))
    );
    // A patient reachable on Instagram only cannot be answered on WhatsApp.
    let (_, thread) = patient(&app, s.clinic.company_id, "instagram").await;
    let resp = s
        .admin
        .post(
            "/api/chat/send",
            json!({"conversation_id": thread, "channel": "whatsapp", "message": "Olá"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "no_channel_identity").await;
    let resp = s
        .admin
        .post(
            "/api/chat/send",
            json!({"conversation_id": thread, "message": "Olá"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "Instagram has no 24-hour rule here");
    assert_eq!(
        app.scalar("SELECT count(*) FROM jobs").await.as_deref(),
        Some("1"),
        "refused sends queue nothing"
    );
}

#[tokio::test]
async fn bad_input_is_422_and_unknown_threads_404() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Entrada").await;
    for body in [
        json!({"conversation_id": s.conversation_id, "message": ""}),
        json!({"conversation_id": s.conversation_id, "message": "   "}),
        json!({"conversation_id": s.conversation_id, "message": "x".repeat(4097)}),
        json!({"conversation_id": s.conversation_id, "message": "ok", "channel": "telegram"}),
        json!({"conversation_id": s.conversation_id, "message": "ok", "extra": 1}),
    ] {
        let resp = s.admin.post("/api/chat/send", body).send().await.unwrap();
        assert_problem(resp, 422, "validation_failed").await;
    }
    let (code, _) = s.send(&s.admin, &"x".repeat(4096), None).await;
    assert_eq!(code, 202);
    let (code, body) = s.send(&s.admin, "ok", Some("tem espaço")).await;
    assert_eq!(
        (code, body["code"].clone()),
        (422, json!("validation_failed"))
    );
    let resp = s
        .admin
        .post(
            "/api/chat/send",
            json!({"conversation_id": uuid::Uuid::now_v7(), "message": "ok"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    let resp = app
        .client
        .post(app.url("/api/chat/send"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn another_clinic_gets_404_on_every_route_and_its_callbacks_match_nothing() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[400]).await;
    let a = Scene::new(&app, &fake, "Clinica A").await;
    let b = Scene::new(&app, &fake, "Clinica B").await;
    let (_, body) = a.send(&a.admin, "Olá", None).await;
    let id = body["interaction"]["id"].as_str().unwrap().to_owned();
    drive(&app, &worker(&app, 30), &id, "failed").await;
    let b_staff = app.sign_in_as(&b.clinic.staff).await;
    for session in [&b.admin, &b_staff] {
        assert_cross_tenant_404(
            session,
            Method::POST,
            "/api/chat/send",
            Some(json!({"conversation_id": a.conversation_id, "message": "x"})),
        )
        .await;
        assert_cross_tenant_404(
            session,
            Method::POST,
            &format!("/api/interactions/{id}/retry"),
            Some(json!({})),
        )
        .await;
    }
    let (code, out) = b
        .callback(&app, json!({"account_id": b.account_id, "interaction_id": id, "status": "delivered", "timestamp": chrono::Utc::now().timestamp()}))
        .await;
    assert_eq!((code, out["matched"].clone()), (200, json!(false)));
    assert_eq!(outbox_support::status_of(&app, &id).await, "failed");
    // The owner may retry it.
    let resp = a
        .admin
        .post(&format!("/api/interactions/{id}/retry"), json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_body_is_422_and_sends_nothing() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let s = Scene::new(&app, &fake, "Clinica Chave Dupla").await;
    let (code, first) = s.send(&s.admin, "Olá", Some("reply-77")).await;
    assert_eq!(code, 202);
    let id = first["interaction"]["id"].as_str().unwrap().to_owned();
    for other in [
        json!({"conversation_id": s.conversation_id, "message": "Tchau"}),
        json!({"conversation_id": s.conversation_id, "message": "Olá", "channel": "whatsapp"}),
    ] {
        let resp = s
            .admin
            .post("/api/chat/send", other.clone())
            .header("Idempotency-Key", "reply-77")
            .send()
            .await
            .unwrap();
        support::assert_problem(resp, 422, "idempotency_key_reused").await;
    }
    // The same body still answers the first message.
    let (code, again) = s.send(&s.admin, "Olá", Some("reply-77")).await;
    assert_eq!(
        (code, again["interaction"]["id"].as_str()),
        (200, Some(id.as_str()))
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*)::text || '/' || (SELECT count(*) FROM jobs)::text FROM interactions WHERE conversation_id = '{}'",
            s.conversation_id
        ))
        .await
        .as_deref(),
        Some("1/1")
    );
    // Another clinic may use the same key freely.
    let b = Scene::new(&app, &fake, "Clinica Outra").await;
    let (code, _) = b.send(&b.admin, "Tchau", Some("reply-77")).await;
    assert_eq!(code, 202);
}
