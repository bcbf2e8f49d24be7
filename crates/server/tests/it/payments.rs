//! `/api/payments` over HTTP: recording and the payment rules, validation, pages and filters,
//! the client profile's balance and last payments, Home's received total, and isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::agenda_support::rfc;
use crate::support::{Clinic, Session, TestApp, assert_cross_tenant_404, assert_problem};
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

/// A clinic with a signed-in staff member, two clients, a service and an appointment of the
/// first client.
struct Till {
    clinic: Clinic,
    s: Session,
    client: String,
    other_client: String,
    appointment: String,
}

async fn post(s: &Session, path: &str, body: Value) -> Value {
    let resp = s.post(path, body).send().await.unwrap();
    assert!(
        resp.status().is_success(),
        "{path}: {:?}",
        resp.text().await
    );
    resp.json().await.unwrap()
}

async fn till(app: &TestApp, name: &str) -> Till {
    let clinic = app.clinic(name).await;
    let s = app.sign_in_as(&clinic.staff).await;
    let client = post(&s, "/api/clients", json!({ "name": "Maria" })).await;
    let other_client = post(&s, "/api/clients", json!({ "name": "João" })).await;
    let service = post(
        &s,
        "/api/services",
        json!({ "name": "Limpeza", "price_cents": 22000, "duration_minutes": 30 }),
    )
    .await;
    let appointment = post(
        &s,
        "/api/appointments",
        json!({ "client_id": client["id"], "service_id": service["id"],
                "starts_at": rfc(Utc::now() - Duration::days(3)), "status": "completed" }),
    )
    .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    Till {
        client: id(&client),
        other_client: id(&other_client),
        appointment: id(&appointment),
        clinic,
        s,
    }
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_payment_is_recorded_paid_refunded_and_its_rules_hold() {
    let app = TestApp::spawn().await;
    let t = till(&app, "Caixa").await;
    // Pending by default, in BRL; then paid by Pix: paid_at is now.
    let p = post(
        &t.s,
        "/api/payments",
        json!({ "client_id": t.client, "appointment_id": t.appointment, "amount_cents": 22000 }),
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["currency"].as_str()),
        (Some("pending"), Some("BRL"))
    );
    assert!(p["paid_at"].is_null() && p["method"].is_null());
    let path = format!("/api/payments/{}", p["id"].as_str().unwrap());
    let resp =
        t.s.patch(&path, json!({ "status": "paid" }))
            .send()
            .await
            .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["method"]);
    let before = Utc::now() - Duration::seconds(5);
    let paid: Value =
        t.s.patch(&path, json!({ "status": "paid", "method": "pix" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(paid["status"], "paid");
    let paid_at = chrono::DateTime::parse_from_rfc3339(paid["paid_at"].as_str().unwrap()).unwrap();
    assert!(paid_at >= before && paid_at <= Utc::now() + Duration::seconds(5));

    // Once paid the amount is fixed and it cannot go back; it may be refunded, then it is final.
    let resp =
        t.s.patch(&path, json!({ "amount_cents": 1, "status": "pending" }))
            .send()
            .await
            .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["status", "amount_cents"]);
    let refunded: Value =
        t.s.patch(&path, json!({ "status": "refunded" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(refunded["paid_at"], paid["paid_at"]);
    let resp =
        t.s.patch(&path, json!({ "method": "cash" }))
            .send()
            .await
            .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    let fetched: Value = t.s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, refunded);

    // A stale write is not possible through the API; an unchanged patch changes nothing.
    let same: Value =
        t.s.patch(&path, json!({ "status": "refunded" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(same["updated_at"], refunded["updated_at"]);
}

#[tokio::test]
async fn bad_payments_are_named_and_store_nothing() {
    let app = TestApp::spawn().await;
    let t = till(&app, "Valida").await;
    let other = till(&app, "Outra").await;
    let cases = [
        (
            json!({ "client_id": t.client, "amount_cents": 0 }),
            vec!["amount_cents"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "currency": "real" }),
            vec!["currency"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "currency": "brl" }),
            vec!["currency"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "method": "boleto" }),
            vec!["method"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "paid_at": rfc(Utc::now()) }),
            vec!["paid_at"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "status": "paid", "method": "cash",
                 "paid_at": rfc(Utc::now() + Duration::hours(1)) }),
            vec!["paid_at"],
        ),
        (
            json!({ "client_id": t.other_client, "appointment_id": t.appointment, "amount_cents": 10 }),
            vec!["appointment_id"],
        ),
        (
            json!({ "client_id": other.client, "appointment_id": other.appointment, "amount_cents": 10 }),
            vec!["client_id", "appointment_id"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": "10" }),
            vec!["amount_cents"],
        ),
        (
            json!({ "client_id": t.client, "amount_cents": 10, "tip": 1 }),
            vec!["tip"],
        ),
    ];
    for (body, expected) in cases {
        let resp =
            t.s.post("/api/payments", body.clone())
                .send()
                .await
                .unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&problem), expected, "{body}");
    }
    let count = app
        .scalar(&format!(
            "SELECT count(*) FROM payments WHERE company_id = '{}'",
            t.clinic.company_id
        ))
        .await;
    assert_eq!(count.as_deref(), Some("0"));
}

#[tokio::test]
async fn pages_and_filters_and_another_clinic_sees_nothing() {
    let app = TestApp::spawn().await;
    let t = till(&app, "Lista").await;
    let other = till(&app, "Vizinha").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (client, status) = if i % 2 == 0 {
            (&t.client, "paid")
        } else {
            (&t.other_client, "pending")
        };
        let mut body = json!({ "client_id": client, "amount_cents": 1000 + i, "status": status });
        if status == "paid" {
            body["method"] = json!("cash");
        }
        ids.push(
            post(&t.s, "/api/payments", body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Newest first, two a page, neither skipping nor repeating.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map_or("/api/payments?limit=2".to_owned(), |c| {
                format!("/api/payments?limit=2&cursor={c}")
            });
        let page: Value = t.s.get(&q).send().await.unwrap().json().await.unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
    let count = |q: String| {
        let s = t.s.clone();
        async move {
            let page: Value = s.get(&q).send().await.unwrap().json().await.unwrap();
            page["data"].as_array().unwrap().len()
        }
    };
    assert_eq!(
        count(format!("/api/payments?client_id={}", t.client)).await,
        3
    );
    assert_eq!(count("/api/payments?status=pending".into()).await, 2);
    let hour_ago = rfc(Utc::now() - Duration::hours(1));
    assert_eq!(
        count(format!("/api/payments?paid_from={hour_ago}")).await,
        3
    );
    assert_eq!(count(format!("/api/payments?to={hour_ago}")).await, 0);
    let resp =
        t.s.get("/api/payments?status=owed&limit=0&cursor=x")
            .send()
            .await
            .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["status", "limit", "cursor"]);

    // Another clinic: 404 on the payment, an empty list, and its ids are unknown here.
    let path = format!("/api/payments/{}", ids[0]);
    assert_cross_tenant_404(&other.s, Method::GET, &path, None).await;
    assert_cross_tenant_404(
        &other.s,
        Method::PATCH,
        &path,
        Some(json!({ "status": "refunded" })),
    )
    .await;
    let foreign: Value = other
        .s
        .get("/api/payments")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(foreign["data"].as_array().unwrap().is_empty());
    let filtered: Value = other
        .s
        .get(&format!("/api/payments?client_id={}", t.client))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(filtered["data"].as_array().unwrap().is_empty());
    let resp =
        t.s.patch(&path, json!({ "client_id": other.client }))
            .send()
            .await
            .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
}

#[tokio::test]
async fn the_profile_shows_the_balance_and_home_the_money_received_today() {
    let app = TestApp::spawn().await;
    let t = till(&app, "Saldo").await;
    let other = till(&app, "Alheia").await;
    let pay = |s: Session,
               client: String,
               cents: i64,
               status: &'static str,
               currency: &'static str,
               paid_at: Option<String>| async move {
        let mut body = json!({ "client_id": client, "amount_cents": cents, "status": status, "currency": currency });
        if status != "pending" {
            body["method"] = json!("pix");
        }
        if let Some(at) = paid_at {
            body["paid_at"] = json!(at);
        }
        post(&s, "/api/payments", body).await
    };
    pay(
        t.s.clone(),
        t.client.clone(),
        10_000,
        "pending",
        "BRL",
        None,
    )
    .await;
    pay(t.s.clone(), t.client.clone(), 5_000, "pending", "BRL", None).await;
    pay(t.s.clone(), t.client.clone(), 22_000, "paid", "BRL", None).await;
    pay(t.s.clone(), t.client.clone(), 3_000, "paid", "USD", None).await;
    // Two days ago: not today's money, but part of the balance.
    pay(
        t.s.clone(),
        t.client.clone(),
        7_000,
        "paid",
        "BRL",
        Some(rfc(Utc::now() - Duration::days(2))),
    )
    .await;
    let refunded = pay(t.s.clone(), t.client.clone(), 9_000, "paid", "BRL", None).await;
    let path = format!("/api/payments/{}", refunded["id"].as_str().unwrap());
    assert_eq!(
        t.s.patch(&path, json!({ "status": "refunded" }))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Another client's and another clinic's money never mix in.
    pay(
        t.s.clone(),
        t.other_client.clone(),
        1_000,
        "pending",
        "BRL",
        None,
    )
    .await;
    pay(
        other.s.clone(),
        other.client.clone(),
        50_000,
        "paid",
        "BRL",
        None,
    )
    .await;

    let profile: Value =
        t.s.get(&format!("/api/clients/{}/profile", t.client))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        profile["balances"],
        json!([{ "currency": "BRL", "due_cents": 15_000, "paid_cents": 29_000 },
               { "currency": "USD", "due_cents": 0, "paid_cents": 3_000 }])
    );
    let recent = profile["recent_payments"].as_array().unwrap();
    assert_eq!(recent.len(), 5);
    assert_eq!(recent[0]["id"], refunded["id"]);
    assert_eq!(recent[0]["status"], "refunded");

    let home: Value =
        t.s.get("/api/summary/home")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        home["received_today"],
        json!([{ "currency": "BRL", "amount_cents": 22_000 }, { "currency": "USD", "amount_cents": 3_000 }])
    );
    let fresh = app.clinic("Vazia").await;
    let empty = app.sign_in_as(&fresh.staff).await;
    let home: Value = empty
        .get("/api/summary/home")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(home["received_today"], json!([]));
}
