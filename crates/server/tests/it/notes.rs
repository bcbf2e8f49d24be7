//! Internal notes on conversations (issue 19, item 6) over HTTP against PostgreSQL: any member
//! writes them, the history shows them with their author, and nothing that handles messages ever
//! sees them (the outbox, unread counts, the inbox's last message, the analyst).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use domain::ports::snapshots::SnapshotStore;
use domain::{ClientId, CompanyId};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem};
use uuid::Uuid;

async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let code = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code, status, "{body}");
    body
}

/// A client of `company` with an active thread holding `inbound` messages, one hour apart and
/// the newest one hour ago (recorded by the admin, as n8n would).
async fn thread_with_messages(
    app: &TestApp,
    admin: &Session,
    company: Uuid,
    inbound: usize,
) -> (Uuid, Uuid) {
    let client = Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name) VALUES ('{client}', '{company}', 'Ana')"
    ))
    .await;
    let mut conversation = None;
    for n in 0..inbound {
        let at = chrono::Utc::now() - chrono::Duration::hours(i64::try_from(inbound - n).unwrap());
        let body = json_of(
            admin
                .post(
                    "/api/interactions",
                    json!({"client_id": client, "channel": "whatsapp", "direction": "inbound",
                           "text": format!("mensagem {n}"), "external_id": format!("wamid.{client}.{n}"),
                           "occurred_at": at}),
                )
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        conversation = Some(
            body["interaction"]["conversation_id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
        );
    }
    (client, conversation.expect("at least one message"))
}

async fn add_note(s: &Session, conversation: Uuid, text: &str, status: u16) -> Value {
    json_of(
        s.post(
            &format!("/api/conversations/{conversation}/notes"),
            json!({"text": text}),
        )
        .send()
        .await
        .unwrap(),
        status,
    )
    .await
}

#[tokio::test]
async fn staff_adds_a_note_shown_in_the_history_with_its_author_and_nothing_else_moves() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let (client, conversation) = thread_with_messages(&app, &admin, clinic.company_id, 2).await;
    let path = format!("/api/conversations/{conversation}");
    let before = json_of(staff.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(before["conversation"]["unread_count"], 2);
    assert_eq!(before["notes"], json!([]));

    let note = add_note(
        &staff,
        conversation,
        "  Paciente prefere ligação à tarde  ",
        201,
    )
    .await;
    assert_eq!(note["text"], "Paciente prefere ligação à tarde");
    assert_eq!(note["conversation_id"], conversation.to_string());
    assert_eq!(note["author"]["id"], clinic.staff.user_id.to_string());
    assert!(
        note["author"]["name"]
            .as_str()
            .unwrap()
            .starts_with("staff of")
    );

    let after = json_of(staff.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(after["notes"], json!([note]));
    // Not a message: the thread is as it was (unread, last message, order in the inbox).
    assert_eq!(after["interactions"], before["interactions"]);
    assert_eq!(after["conversation"], before["conversation"]);
    let inbox = json_of(staff.get("/api/inbox/summary").send().await.unwrap(), 200).await;
    assert_eq!(inbox["data"][0]["unread_count"], 2);
    assert_eq!(inbox["data"][0]["last_message"]["snippet"], "mensagem 1");
    // Never dispatched: no message stored, no job queued for n8n.
    let stored = app
        .scalar(&format!(
            "SELECT count(*) FROM interactions WHERE conversation_id = '{conversation}'"
        ))
        .await;
    assert_eq!(stored.as_deref(), Some("2"));
    let jobs = app
        .scalar("SELECT count(*) FROM jobs WHERE kind = 'outbound_dispatch'")
        .await;
    assert_eq!(jobs.as_deref(), Some("0"));
    // The live stream hears of it, in the clinic's log.
    let event = app
        .scalar(&format!(
            "SELECT payload->'note'->>'id' FROM events WHERE kind = 'note.created' AND conversation_id = '{conversation}'"
        ))
        .await;
    assert_eq!(event.as_deref(), note["id"].as_str());
    // The analyst reads the patient's messages only.
    let store = infra_postgres::snapshots::PgSnapshotStore::new(app.db.db.clone());
    let material = store
        .material(CompanyId(clinic.company_id), ClientId(client), 50)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(material.messages.len(), 2);
    assert!(
        material.messages.iter().all(|m| !m
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("ligação"))
    );
}

#[tokio::test]
async fn notes_go_with_the_page_of_messages_of_their_time_exactly_once() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let (_, conversation) = thread_with_messages(&app, &admin, clinic.company_id, 4).await;
    // One note now (newer than every message) and one between the first two messages.
    let newest = add_note(&admin, conversation, "agora", 201).await;
    let old = Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO conversation_notes (id, company_id, conversation_id, author_id, text, created_at)
         VALUES ('{old}', '{}', '{conversation}', '{}', 'antiga', now() - interval '210 minutes')",
        clinic.company_id, clinic.admin.user_id
    ))
    .await;
    let path = format!("/api/conversations/{conversation}?limit=2");
    let first = json_of(admin.get(&path).send().await.unwrap(), 200).await;
    assert_eq!(first["interactions"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["notes"], json!([newest]));
    let cursor = first["interactions"]["next_cursor"].as_str().unwrap();
    let second = json_of(
        admin
            .get(&format!("{path}&cursor={cursor}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(second["interactions"]["next_cursor"], Value::Null);
    let notes: Vec<&str> = second["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["antiga"]);
}

#[tokio::test]
async fn notes_are_validated_and_another_clinics_thread_is_not_found() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let (_, conversation) = thread_with_messages(&app, &a_admin, a.company_id, 1).await;
    let path = format!("/api/conversations/{conversation}/notes");
    let blank = a_admin
        .post(&path, json!({"text": "   "}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(blank, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "text");
    let long = a_admin
        .post(&path, json!({"text": "a".repeat(2001)}))
        .send()
        .await
        .unwrap();
    assert_problem(long, 422, "validation_failed").await;
    assert_cross_tenant_404(&b_admin, Method::POST, &path, Some(json!({"text": "oi"}))).await;
    assert_cross_tenant_404(
        &a_admin,
        Method::POST,
        &format!("/api/conversations/{}/notes", Uuid::now_v7()),
        Some(json!({"text": "oi"})),
    )
    .await;
    let stored = app.scalar("SELECT count(*) FROM conversation_notes").await;
    assert_eq!(stored.as_deref(), Some("0"));
}
