//! `GET /api/search/messages` over HTTP: any member finds the clinic's messages with
//! highlighted snippets, pages follow the cursor, bad input is 422 problem+json naming the
//! parameter, and another clinic's members find nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{Clinic, Session, TestApp, assert_problem};
use serde_json::Value;
use uuid::Uuid;

/// A client of `clinic` with one thread holding `texts` (the first is the oldest), as the owner.
async fn messages(app: &TestApp, clinic: &Clinic, texts: &[&str]) -> (Uuid, Uuid) {
    let (company, client, thread) = (clinic.company_id, Uuid::now_v7(), Uuid::now_v7());
    let mut sql = format!(
        "INSERT INTO clients (id, company_id, name) VALUES ('{client}', '{company}', 'Maria Souza');
         INSERT INTO conversation_threads (id, company_id, client_id, channel)
              VALUES ('{thread}', '{company}', '{client}', 'whatsapp');"
    );
    for (n, text) in texts.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO interactions (company_id, conversation_id, client_id, channel, direction,
                                       text, status, occurred_at)
                  VALUES ('{company}', '{thread}', '{client}', 'whatsapp', 'inbound', '{text}',
                          'received', now() - interval '1 hour' + {n} * interval '1 minute');"
        ));
    }
    app.sql(&sql).await;
    (client, thread)
}

async fn search(s: &Session, query: &str) -> Value {
    let resp = s
        .get(&format!("/api/search/messages?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{query}");
    resp.json().await.unwrap()
}

fn texts(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["snippet"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["text"].as_str().unwrap())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn staff_and_admins_find_accented_words_with_highlights_and_page_through() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Busca").await;
    let (client, thread) = messages(
        &app,
        &clinic,
        &[
            "Não posso ir amanhã",
            "Preciso remarcar a consulta",
            "Posso remarcar para sexta?",
        ],
    )
    .await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let admin = app.sign_in_as(&clinic.admin).await;

    let page = search(&staff, "q=nao").await;
    assert_eq!(texts(&page), ["Não posso ir amanhã"]);
    let hit = &page["data"][0];
    assert_eq!(hit["conversation_id"], thread.to_string());
    assert_eq!(hit["client_id"], client.to_string());
    assert_eq!(hit["client_name"], "Maria Souza");
    assert_eq!(hit["channel"], "whatsapp");
    assert_eq!(hit["direction"], "inbound");
    assert_eq!(
        hit["snippet"][0],
        serde_json::json!({"text": "Não", "highlight": true})
    );
    assert!(page["next_cursor"].is_null());

    // Newest first; a page of one, then the cursor.
    let first = search(&admin, "q=remarc*&limit=1").await;
    assert_eq!(texts(&first), ["Posso remarcar para sexta?"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = search(&admin, &format!("q=remarc*&limit=1&cursor={cursor}")).await;
    assert_eq!(texts(&second), ["Preciso remarcar a consulta"]);
    assert!(second["next_cursor"].is_null());

    assert_eq!(
        texts(&search(&staff, "q=%22posso%20ir%22").await),
        ["Não posso ir amanhã"]
    );
    assert_eq!(
        texts(
            &search(
                &staff,
                &format!("q=posso&client_id={client}&channel=whatsapp&from=2020-01-01T00:00:00Z")
            )
            .await
        )
        .len(),
        2
    );
    assert!(texts(&search(&staff, "q=posso&channel=instagram").await).is_empty());
    assert!(texts(&search(&staff, "q=posso&to=2020-01-01T00:00:00Z").await).is_empty());
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Erros").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let long = "a".repeat(201);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "q"),
        ("q=".into(), "q"),
        ("q=%20%20".into(), "q"),
        (format!("q={long}"), "q"),
        ("q=re*".into(), "q"),
        ("q=-cancelar".into(), "q"),
        ("q=ok&from=ontem".into(), "from"),
        ("q=ok&to=2026-13-01".into(), "to"),
        (
            "q=ok&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z".into(),
            "to",
        ),
        ("q=ok&channel=telegram".into(), "channel"),
        ("q=ok&client_id=42".into(), "client_id"),
        ("q=ok&limit=0".into(), "limit"),
    ];
    for (query, field) in cases {
        let resp = s
            .get(&format!("/api/search/messages?{query}"))
            .send()
            .await
            .unwrap();
        let body = assert_problem(resp, 422, "validation_failed").await;
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{query}: {body}");
    }
    let resp = s
        .get("/api/search/messages?q=ok&cursor=c1.bad")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "invalid_cursor").await;
    let resp = app
        .client
        .get(app.url("/api/search/messages?q=ok"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}

#[tokio::test]
async fn another_clinics_members_find_nothing() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    messages(&app, &a, &["Não posso ir amanhã"]).await;
    let a_staff = app.sign_in_as(&a.staff).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    assert_eq!(texts(&search(&a_staff, "q=amanha").await).len(), 1);
    for query in [
        "q=amanha",
        "q=amanh*",
        "q=%22posso%20ir%22",
        "q=nao%20or%20posso",
    ] {
        let page = search(&b_admin, query).await;
        assert!(texts(&page).is_empty(), "{query}: {page}");
    }
}
