//! Conversations and interactions over HTTP against PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem};

async fn new_client(app: &TestApp, company: uuid::Uuid, name: &str) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name, phone) VALUES ('{id}', '{company}', '{name}', '+55119{}')",
        &id.simple().to_string()[24..32].chars().map(|c| char::from(b'0' + (c as u8 % 10))).collect::<String>()
    ))
    .await;
    id
}

async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let code = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code, status, "{body}");
    body
}

async fn record(s: &Session, body: Value, status: u16) -> Value {
    json_of(
        s.post("/api/interactions", body).send().await.unwrap(),
        status,
    )
    .await
}

#[tokio::test]
async fn start_reuses_the_active_thread_and_close_is_idempotent() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let client = new_client(&app, clinic.company_id, "Ana").await;
    let first = json_of(
        staff
            .post(
                "/api/conversations/start",
                json!({"client_id": client, "channel": "whatsapp"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let again = json_of(
        staff
            .post(
                "/api/conversations/start",
                json!({"client_id": client, "channel": "instagram"}),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["status"], "active");
    let id = first["id"].as_str().unwrap();
    let closed = json_of(
        staff
            .patch(
                &format!("/api/conversations/{id}/close"),
                json!({"reason": "resolvido"}),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["ended_at"].is_string());
    let again = json_of(
        staff
            .request(Method::PATCH, &format!("/api/conversations/{id}/close"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        again["ended_at"], closed["ended_at"],
        "closing a closed thread is a no-op"
    );
    assert_eq!(again["close_reason"], "resolvido");
    // A start after closing opens a new thread.
    let fresh = json_of(
        staff
            .post(
                "/api/conversations/start",
                json!({"client_id": client, "channel": "whatsapp"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_ne!(fresh["id"], first["id"]);
}

#[tokio::test]
async fn the_window_expires_from_the_last_message() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let client = new_client(&app, clinic.company_id, "Bia").await;
    let first = json_of(
        staff
            .post(
                "/api/conversations/start",
                json!({"client_id": client, "channel": "whatsapp"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let id = first["id"].as_str().unwrap();
    // Age the thread past the 24 h window.
    app.sql(&format!(
        "UPDATE conversation_threads SET started_at = now() - interval '30 hours', last_message_at = now() - interval '25 hours' WHERE id = '{id}'"
    ))
    .await;
    let fresh = json_of(
        staff
            .post(
                "/api/conversations/start",
                json!({"client_id": client, "channel": "whatsapp"}),
            )
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_ne!(fresh["id"], first["id"]);
    let old = json_of(
        staff
            .get(&format!("/api/conversations/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(old["conversation"]["status"], "closed");
    assert_eq!(old["conversation"]["close_reason"], "window_expired");
}

#[tokio::test]
async fn twenty_concurrent_starts_answer_the_same_thread() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let client = new_client(&app, clinic.company_id, "Caio").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = staff.clone();
        tasks.push(tokio::spawn(async move {
            let r = s
                .post(
                    "/api/conversations/start",
                    json!({"client_id": client, "channel": "whatsapp"}),
                )
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap()["id"].clone())
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, id) = t.await.unwrap();
        assert!(status == 200 || status == 201, "{status}");
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn recording_messages_counts_unread_dedupes_and_pages_history() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let client = new_client(&app, clinic.company_id, "Duda").await;
    let msg = |ext: &str| json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": "Oi", "external_id": ext});
    let first = record(&admin, msg("w-1"), 201).await;
    assert_eq!(first["duplicate"], false);
    let dup = record(&admin, msg("w-1"), 200).await;
    assert_eq!(dup["duplicate"], true);
    assert_eq!(dup["interaction"]["id"], first["interaction"]["id"]);
    for i in 2..=7 {
        record(&admin, msg(&format!("w-{i}")), 201).await;
    }
    let conv = first["interaction"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = json_of(
        staff
            .get(&format!("/api/conversations/{conv}?limit=4"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(view["conversation"]["unread_count"], 7);
    assert_eq!(view["client"]["name"], "Duda");
    assert_eq!(view["interactions"]["data"].as_array().unwrap().len(), 4);
    let cursor = view["interactions"]["next_cursor"].as_str().unwrap();
    let rest = json_of(
        staff
            .get(&format!(
                "/api/conversations/{conv}?limit=4&cursor={cursor}"
            ))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(rest["interactions"]["data"].as_array().unwrap().len(), 3);
    assert!(rest["interactions"]["next_cursor"].is_null());
    let read = json_of(
        staff
            .post(&format!("/api/conversations/{conv}/read"), json!({}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(read["unread_count"], 0);
    assert_eq!(read["last_read_by"], clinic.staff.user_id.to_string());
    // The list shows threads newest first, filtered by client.
    let list = json_of(
        staff
            .get(&format!(
                "/api/conversations?client_id={client}&status=active"
            ))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["last_message"]["snippet"], "Oi");
}

#[tokio::test]
async fn staff_sessions_cannot_record_and_bad_input_is_named() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let client = new_client(&app, clinic.company_id, "Eva").await;
    let resp = staff.post("/api/interactions", json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": "x"})).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;
    // Authorization comes before the body: a staff member's bad body is still a 403, not a 422.
    let resp = staff
        .post("/api/interactions", json!({"channel": "fax", "text": 42}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    for (body, field) in [
        (
            json!({"client_id": client, "channel": "fax", "direction": "inbound", "text": "x"}),
            "channel",
        ),
        (
            json!({"client_id": client, "channel": "whatsapp", "direction": "sideways", "text": "x"}),
            "direction",
        ),
        (
            json!({"channel": "whatsapp", "direction": "inbound", "text": "x"}),
            "client_id",
        ),
        (
            json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": "x", "status": "delivered"}),
            "status",
        ),
    ] {
        let resp = admin.post("/api/interactions", body).send().await.unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let resp = staff
        .post(
            "/api/conversations/start",
            json!({"client_id": client, "channel": "pigeon"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    let resp = staff
        .get("/api/conversations?limit=0")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    let resp = staff
        .get("/api/conversations?cursor=garbage")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "invalid_cursor").await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM interactions")
            .await
            .as_deref(),
        Some("0"),
        "nothing stored"
    );
    let resp = app
        .client
        .get(app.url("/api/conversations"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}

#[tokio::test]
async fn another_clinic_gets_404_on_every_conversation_route() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let client = new_client(&app, a.company_id, "Fabi").await;
    let rec = record(
        &a_admin,
        json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": "Oi"}),
        201,
    )
    .await;
    let conv = rec["interaction"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_cross_tenant_404(
        &b_admin,
        Method::GET,
        &format!("/api/conversations/{conv}"),
        None,
    )
    .await;
    assert_cross_tenant_404(
        &b_admin,
        Method::PATCH,
        &format!("/api/conversations/{conv}/close"),
        Some(json!({})),
    )
    .await;
    assert_cross_tenant_404(
        &b_admin,
        Method::POST,
        &format!("/api/conversations/{conv}/read"),
        Some(json!({})),
    )
    .await;
    assert_cross_tenant_404(
        &b_admin,
        Method::POST,
        "/api/conversations/start",
        Some(json!({"client_id": client, "channel": "whatsapp"})),
    )
    .await;
    assert_cross_tenant_404(&b_admin, Method::POST, "/api/interactions", Some(json!({"conversation_id": conv, "channel": "whatsapp", "direction": "inbound", "text": "x"}))).await;
    assert_cross_tenant_404(&b_admin, Method::POST, "/api/interactions", Some(json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": "x"}))).await;
    let list = json_of(
        b_admin
            .get(&format!("/api/conversations?client_id={client}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(list["data"].as_array().unwrap().is_empty());
    // Nothing of A changed.
    let view = json_of(
        a_admin
            .get(&format!("/api/conversations/{conv}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(view["conversation"]["status"], "active");
    assert_eq!(view["conversation"]["unread_count"], 1);
}
