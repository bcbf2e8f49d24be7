//! Issue 4 over HTTP: `/api/clients` (create, fetch, update, list, search), validation, 409s,
//! keyset pages and tenant isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem};

/// `s` percent-encoded for a query string.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn create(s: &Session, body: Value) -> Value {
    let resp = s.post("/api/clients", body).send().await.unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn search(s: &Session, q: &str) -> Vec<String> {
    let resp = s
        .get(&format!("/api/clients?q={}", enc(q)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn count(app: &TestApp) -> String {
    app.scalar("SELECT count(*) FROM clients").await.unwrap()
}

/// Asserts a 422 whose errors name `field`, and returns the body.
async fn assert_invalid(resp: reqwest::Response, field: &str) -> Value {
    let body = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&field), "expected {field} in {body}");
    body
}

#[tokio::test]
async fn a_client_is_created_fetched_and_updated_with_its_whatsapp_identity() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let created = create(
        &staff,
        json!({"name": " João Souza ", "phone": "(11) 98765-4321", "email": "Joao.Souza@Mail.test",
               "instagram_username": "@JoaoS", "notes": "prefere manhã", "tags": ["vip", "VIP", "botox"]}),
    )
    .await;
    assert_eq!(created["name"], "João Souza");
    assert_eq!(created["phone"], "+5511987654321");
    assert_eq!(created["email"], "joao.souza@mail.test");
    assert_eq!(created["instagram_username"], "joaos");
    assert_eq!(created["tags"], json!(["vip", "botox"]));
    assert_eq!(created["status"], "active");
    assert_eq!(created["identities"][0]["channel"], "whatsapp");
    assert_eq!(created["identities"][0]["external_id"], "5511987654321");
    assert_eq!(created["identities"][0]["phone"], "+5511987654321");
    let id = created["id"].as_str().unwrap();

    let fetched: Value = staff
        .get(&format!("/api/clients/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);

    let resp = staff
        .patch(
            &format!("/api/clients/{id}"),
            json!({"notes": null, "status": "inactive", "phone": "+55 21 99876-5432"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["notes"], Value::Null);
    assert_eq!(updated["status"], "inactive");
    assert_eq!(updated["name"], "João Souza");
    assert_eq!(updated["phone"], "+5521998765432");
    assert_eq!(updated["identities"].as_array().unwrap().len(), 1);
    assert_eq!(updated["identities"][0]["external_id"], "5521998765432");

    // A lead, created with an Instagram username only.
    let lead = create(
        &staff,
        json!({"instagram_username": "ana.lima", "status": "lead"}),
    )
    .await;
    assert_eq!(lead["status"], "lead");
    assert_eq!(lead["identities"], json!([]));
}

#[tokio::test]
async fn a_phone_in_use_is_a_conflict_naming_the_client_even_without_the_ninth_digit() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.admin).await;
    let first = create(&s, json!({"name": "Ana", "phone": "+55 11 98765-4321"})).await;
    for phone in ["55 11 8765-4321", "(11) 98765-4321", "+5511987654321"] {
        let resp = s
            .post("/api/clients", json!({"name": "Outra", "phone": phone}))
            .send()
            .await
            .unwrap();
        let body = assert_problem(resp, 409, "client_exists").await;
        assert_eq!(body["client_id"], first["id"], "{phone}");
    }
    assert_eq!(count(&app).await, "1");
    // Taking it by PATCH is the same.
    let other = create(&s, json!({"name": "Bia", "phone": "11 91234-5678"})).await;
    let resp = s
        .patch(
            &format!("/api/clients/{}", other["id"].as_str().unwrap()),
            json!({"phone": "11 8765-4321"}),
        )
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 409, "client_exists").await;
    assert_eq!(body["client_id"], first["id"]);
    // Another clinic may have a client with the same number.
    let b = app.clinic("Clínica B").await;
    let sb = app.sign_in_as(&b.admin).await;
    create(&sb, json!({"name": "Ana B", "phone": "+55 11 98765-4321"})).await;
}

#[tokio::test]
async fn invalid_clients_are_422_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let long = |n: usize| "x".repeat(n);
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let cases = [
        (json!({}), "name"),
        (json!({"notes": "only notes"}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": long(201)}), "name"),
        (json!({"name": 5}), "name"),
        (json!({"phone": "abc"}), "phone"),
        (json!({"phone": "+55 11 18765-4321"}), "phone"),
        (json!({"phone": long(33)}), "phone"),
        (json!({"name": "A", "email": "not-an-email"}), "email"),
        (
            json!({"name": "A", "instagram_username": "bad name!"}),
            "instagram_username",
        ),
        (json!({"name": "A", "notes": long(2001)}), "notes"),
        (json!({"name": "A", "tags": tags}), "tags"),
        (json!({"name": "A", "tags": [long(51)]}), "tags[0]"),
        (json!({"name": "A", "tags": ["ok", 7]}), "tags[1]"),
        (json!({"name": "A", "status": "vip"}), "status"),
        (json!({"name": "A", "company_id": "x"}), "company_id"),
    ];
    for (body, field) in cases {
        let resp = s.post("/api/clients", body.clone()).send().await.unwrap();
        assert_invalid(resp, field).await;
    }
    let resp = s
        .request(Method::POST, "/api/clients")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "malformed_json").await;
    assert_eq!(count(&app).await, "0");

    // A failed PATCH changes nothing.
    let client = create(&s, json!({"name": "Ana", "phone": "11 98765-4321"})).await;
    let path = format!("/api/clients/{}", client["id"].as_str().unwrap());
    for (body, field) in [
        (json!({"phone": "zzz", "name": "Changed"}), "phone"),
        (json!({"name": null, "phone": null}), "name"),
        (json!({"tags": [long(51)]}), "tags[0]"),
        (json!({"status": 3}), "status"),
    ] {
        assert_invalid(s.patch(&path, body).send().await.unwrap(), field).await;
    }
    let after: Value = s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, client);
}

#[tokio::test]
async fn search_finds_names_phones_and_emails_in_any_spelling() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let sa = app.sign_in_as(&a.staff).await;
    let sb = app.sign_in_as(&b.staff).await;
    let joao = create(
        &sa,
        json!({"name": "João Souza", "phone": "+55 11 98765-4321", "email": "joao@clinica.test"}),
    )
    .await;
    let maria = create(
        &sa,
        json!({"name": "Maria Lima", "phone": "21 3456-7890", "email": "maria@mail.test"}),
    )
    .await;
    create(
        &sb,
        json!({"name": "João de B", "phone": "+55 11 98765-4321"}),
    )
    .await;
    let joao_id = vec![joao["id"].as_str().unwrap().to_owned()];
    for q in [
        "joao",
        "JOÃO",
        "11 98765",
        "+55 11 8765-4321",
        "JOAO@",
        "5511987654321",
    ] {
        assert_eq!(search(&sa, q).await, joao_id, "{q}");
    }
    assert_eq!(
        search(&sa, "lima").await,
        [maria["id"].as_str().unwrap().to_owned()]
    );
    assert!(search(&sa, "ninguém").await.is_empty());
    assert!(search(&sa, "%").await.is_empty());
    // Status filter.
    let resp = sa.get("/api/clients?status=lead").send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"], json!([]));
    let resp = sa.get("/api/clients?status=vip").send().await.unwrap();
    assert_invalid(resp, "status").await;
    let resp = sa
        .get(&format!("/api/clients?q={}", "x".repeat(201)))
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "q").await;
}

#[tokio::test]
async fn pages_cover_every_client_once() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let c = create(&s, json!({"name": format!("Cliente {i}")})).await;
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/clients?limit=3&cursor={}", enc(c)),
            None => "/api/clients?limit=3".to_owned(),
        };
        let req = s.get(&path);
        let body: Value = req.send().await.unwrap().json().await.unwrap();
        pages += 1;
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, no gaps, no repeats");
    assert_eq!(pages, 3);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
    ] {
        let resp = s
            .get(&format!("/api/clients?{query}"))
            .send()
            .await
            .unwrap();
        assert_invalid(resp, field).await;
    }
    for cursor in ["bogus", "eyJ4IjoxfQ"] {
        let resp = s
            .get(&format!("/api/clients?cursor={cursor}"))
            .send()
            .await
            .unwrap();
        assert_problem(resp, 422, "invalid_cursor").await;
    }
}

#[tokio::test]
async fn another_clinic_never_sees_or_changes_a_client() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let sa = app.sign_in_as(&a.admin).await;
    let sb = app.sign_in_as(&b.admin).await;
    let client = create(&sa, json!({"name": "Ana", "phone": "11 98765-4321"})).await;
    let path = format!("/api/clients/{}", client["id"].as_str().unwrap());
    assert_cross_tenant_404(&sb, Method::GET, &path, None).await;
    assert_cross_tenant_404(&sb, Method::PATCH, &path, Some(json!({"name": "Hacked"}))).await;
    let listed: Value = sb
        .get("/api/clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"], json!([]));
    let after: Value = sa.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, client);
    // An id that is not a uuid names no resource either.
    let resp = sa.get("/api/clients/not-a-uuid").send().await.unwrap();
    assert_problem(resp, 404, "not_found").await;
    // And nothing without a session.
    let resp = app.browser().get("/api/clients").send().await.unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
}

#[tokio::test]
async fn every_route_needs_a_session_and_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    let id = uuid::Uuid::now_v7();
    for resource in ["clients", "services", "appointments"] {
        for (method, path) in [
            (Method::GET, format!("/api/{resource}")),
            (Method::POST, format!("/api/{resource}")),
            (Method::GET, format!("/api/{resource}/{id}")),
            (Method::PATCH, format!("/api/{resource}/{id}")),
        ] {
            let resp = anonymous
                .request(method.clone(), &path)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_problem(resp, 401, "unauthenticated").await;
        }
    }
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for resource in ["clients", "services", "appointments"] {
        let list = &doc["paths"][format!("/api/{resource}")];
        assert!(
            list["get"].is_object() && list["post"].is_object(),
            "{resource}"
        );
        let one = &doc["paths"][format!("/api/{resource}/{{id}}")];
        assert!(
            one["get"].is_object() && one["patch"].is_object(),
            "{resource}"
        );
    }
    let schemas = &doc["components"]["schemas"];
    for schema in [
        "ClientDto",
        "CreateClientRequest",
        "ServiceDto",
        "AppointmentDto",
    ] {
        assert!(schemas[schema].is_object(), "{schema}");
    }
}
