//! Issue 4 over HTTP: `/api/services`, validation, duplicate names, pages and tenant isolation.

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
    let resp = s.post("/api/services", body).send().await.unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn assert_invalid(resp: reqwest::Response, field: &str) {
    let body = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&field), "expected {field} in {body}");
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_service_is_created_fetched_updated_and_filtered() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.admin).await;
    let svc = create(
        &s,
        json!({"name": "Avaliação", "price_cents": 15000, "duration_minutes": 30}),
    )
    .await;
    assert_eq!(svc["currency"], "BRL");
    assert_eq!(svc["active"], true);
    assert_eq!(svc["description"], Value::Null);
    let path = format!("/api/services/{}", svc["id"].as_str().unwrap());
    let fetched: Value = s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, svc);
    let resp = s
        .patch(
            &path,
            json!({"active": false, "price_cents": 0, "description": "Primeira consulta"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["active"], false);
    assert_eq!(updated["price_cents"], 0);
    assert_eq!(updated["name"], "Avaliação");
    let other = create(
        &s,
        json!({"name": "Botox", "price_cents": 90000, "currency": "USD", "duration_minutes": 60, "active": true}),
    )
    .await;
    let active: Value = s
        .get("/api/services?active=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&active), [other["id"].as_str().unwrap()]);
    let inactive: Value = s
        .get("/api/services?active=false")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&inactive), [svc["id"].as_str().unwrap()]);
    let resp = s.get("/api/services?active=maybe").send().await.unwrap();
    assert_invalid(resp, "active").await;
}

#[tokio::test]
async fn a_duplicate_name_is_a_conflict_ignoring_case_and_accents() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let first = create(
        &s,
        json!({"name": "Limpeza de Pele", "price_cents": 1, "duration_minutes": 30}),
    )
    .await;
    let resp = s
        .post(
            "/api/services",
            json!({"name": "LIMPEZA DE PÉLE", "price_cents": 1, "duration_minutes": 30}),
        )
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 409, "service_exists").await;
    assert_eq!(body["service_id"], first["id"]);
    let second = create(
        &s,
        json!({"name": "Peeling", "price_cents": 1, "duration_minutes": 30}),
    )
    .await;
    let resp = s
        .patch(
            &format!("/api/services/{}", second["id"].as_str().unwrap()),
            json!({"name": "limpeza de pele"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "service_exists").await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM services").await.unwrap(),
        "2"
    );
}

#[tokio::test]
async fn invalid_services_are_422_naming_the_field_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let ok = json!({"name": "Consulta", "price_cents": 100, "duration_minutes": 30});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let cases = [
        (json!({"price_cents": 100, "duration_minutes": 30}), "name"),
        (with("name", json!("")), "name"),
        (with("name", json!("x".repeat(201))), "name"),
        (with("description", json!("x".repeat(2001))), "description"),
        (with("price_cents", json!(-1)), "price_cents"),
        (with("price_cents", json!("cem")), "price_cents"),
        (with("duration_minutes", json!(4)), "duration_minutes"),
        (with("duration_minutes", json!(1441)), "duration_minutes"),
        (with("currency", json!("brl")), "currency"),
        (with("active", json!("yes")), "active"),
        (with("color", json!("red")), "color"),
    ];
    for (body, field) in cases {
        assert_invalid(s.post("/api/services", body).send().await.unwrap(), field).await;
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM services").await.unwrap(),
        "0"
    );
    let svc = create(&s, ok).await;
    let path = format!("/api/services/{}", svc["id"].as_str().unwrap());
    for (body, field) in [
        (
            json!({"duration_minutes": 2000, "name": "Novo"}),
            "duration_minutes",
        ),
        (json!({"name": "   "}), "name"),
        (json!({"currency": "REAIS"}), "currency"),
    ] {
        assert_invalid(s.patch(&path, body).send().await.unwrap(), field).await;
    }
    let after: Value = s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, svc);
}

#[tokio::test]
async fn pages_cover_every_service_once_in_name_order() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let s = app.sign_in_as(&clinic.staff).await;
    let mut names = Vec::new();
    for name in ["Peeling", "Botox", "Consulta", "Drenagem", "Avaliação"] {
        create(
            &s,
            json!({"name": name, "price_cents": 1, "duration_minutes": 30}),
        )
        .await;
        names.push(name.to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/services?limit=2&cursor={}", enc(c)),
            None => "/api/services?limit=2".to_owned(),
        };
        let req = s.get(&path);
        let body: Value = req.send().await.unwrap().json().await.unwrap();
        for svc in body["data"].as_array().unwrap() {
            seen.push(svc["name"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["Avaliação", "Botox", "Consulta", "Drenagem", "Peeling"]
    );
    let resp = s.get("/api/services?cursor=%21%21").send().await.unwrap();
    assert_problem(resp, 422, "invalid_cursor").await;
}

#[tokio::test]
async fn another_clinic_never_sees_or_changes_a_service() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let sa = app.sign_in_as(&a.admin).await;
    let sb = app.sign_in_as(&b.admin).await;
    let svc = create(
        &sa,
        json!({"name": "Consulta", "price_cents": 100, "duration_minutes": 30}),
    )
    .await;
    let path = format!("/api/services/{}", svc["id"].as_str().unwrap());
    assert_cross_tenant_404(&sb, Method::GET, &path, None).await;
    assert_cross_tenant_404(&sb, Method::PATCH, &path, Some(json!({"price_cents": 1}))).await;
    let listed: Value = sb
        .get("/api/services")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"], json!([]));
    // The same name is free in another clinic.
    create(
        &sb,
        json!({"name": "Consulta", "price_cents": 1, "duration_minutes": 30}),
    )
    .await;
    let after: Value = sa.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, svc);
}
