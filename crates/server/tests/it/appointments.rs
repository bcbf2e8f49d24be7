//! Issue 4 over HTTP: `/api/appointments`: defaults, status rules, the overlap constraint under
//! concurrency, validation, references that must belong to the clinic, pages and isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Clinic, Session, TestApp, assert_cross_tenant_404, assert_problem};

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

/// A signed-in member of a clinic with one client and one 45-minute service.
struct Desk {
    clinic: Clinic,
    s: Session,
    client: String,
    service: String,
}

async fn desk(app: &TestApp, name: &str) -> Desk {
    let clinic = app.clinic(name).await;
    let s = app.sign_in_as(&clinic.staff).await;
    let client: Value = s
        .post("/api/clients", json!({"name": format!("Paciente {name}")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let service: Value = s
        .post(
            "/api/services",
            json!({"name": "Consulta", "price_cents": 100, "duration_minutes": 45}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Desk {
        client: client["id"].as_str().unwrap().to_owned(),
        service: service["id"].as_str().unwrap().to_owned(),
        clinic,
        s,
    }
}

fn at(hours_from_now: i64) -> DateTime<Utc> {
    // Whole minutes, hours away from "now", so no test depends on the clock being near a boundary.
    let t = Utc::now() + Duration::hours(hours_from_now);
    DateTime::from_timestamp(t.timestamp() / 60 * 60, 0).unwrap()
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Desk {
    fn booking(&self, starts_at: DateTime<Utc>) -> Value {
        json!({
            "client_id": self.client,
            "service_id": self.service,
            "user_id": self.clinic.admin.user_id,
            "starts_at": rfc(starts_at),
        })
    }

    async fn book(&self, body: Value) -> Value {
        let resp = self.s.post("/api/appointments", body).send().await.unwrap();
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        resp.json().await.unwrap()
    }
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

fn parse(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_booking_defaults_to_the_service_duration_and_can_be_listed_and_moved() {
    let app = TestApp::spawn().await;
    let d = desk(&app, "A").await;
    let start = at(48);
    let a = d.book(d.booking(start)).await;
    assert_eq!(a["status"], "scheduled");
    assert_eq!(
        parse(&a["ends_at"]) - parse(&a["starts_at"]),
        Duration::minutes(45)
    );
    assert_eq!(a["created_by"], json!(d.clinic.staff.user_id));
    let path = format!("/api/appointments/{}", a["id"].as_str().unwrap());
    let fetched: Value = d.s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, a);

    // Moving the start keeps the length; confirming is allowed before the start.
    let resp = d
        .s
        .patch(&path, json!({"starts_at": rfc(start + Duration::hours(1)), "status": "confirmed", "notes": "trazer exames"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let moved: Value = resp.json().await.unwrap();
    assert_eq!(parse(&moved["starts_at"]), start + Duration::hours(1));
    assert_eq!(
        parse(&moved["ends_at"]),
        start + Duration::hours(1) + Duration::minutes(45)
    );
    assert_eq!(moved["status"], "confirmed");

    // Filters.
    let list = |q: String| {
        let s = d.s.clone();
        async move {
            let body: Value = s
                .get(&format!("/api/appointments?{q}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["data"].as_array().unwrap().len()
        }
    };
    assert_eq!(list(format!("client_id={}", d.client)).await, 1);
    assert_eq!(list(format!("user_id={}", d.clinic.admin.user_id)).await, 1);
    assert_eq!(list(format!("user_id={}", d.clinic.staff.user_id)).await, 0);
    assert_eq!(list("status=confirmed".into()).await, 1);
    assert_eq!(list("status=scheduled".into()).await, 0);
    let from = enc(&rfc(start));
    let to = enc(&rfc(start + Duration::hours(2)));
    assert_eq!(list(format!("from={from}&to={to}")).await, 1);
    assert_eq!(list(format!("to={from}")).await, 0);
    for (q, field) in [
        ("from=yesterday", "from"),
        ("client_id=42", "client_id"),
        ("user_id=x", "user_id"),
        ("status=done", "status"),
        ("limit=500", "limit"),
    ] {
        let resp =
            d.s.get(&format!("/api/appointments?{q}"))
                .send()
                .await
                .unwrap();
        assert_invalid(resp, field).await;
    }
    let resp =
        d.s.get("/api/appointments?cursor=nope")
            .send()
            .await
            .unwrap();
    assert_problem(resp, 422, "invalid_cursor").await;
}

#[tokio::test]
async fn twenty_concurrent_overlapping_bookings_leave_exactly_one() {
    let app = TestApp::spawn().await;
    let d = desk(&app, "A").await;
    let start = at(72);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = d.s.clone();
        let body = d.booking(start + Duration::minutes(i));
        tasks.push(tokio::spawn(async move {
            s.post("/api/appointments", body).send().await.unwrap()
        }));
    }
    let (mut created, mut taken) = (0, 0);
    for task in tasks {
        let resp = task.await.unwrap();
        match resp.status().as_u16() {
            201 => created += 1,
            409 => {
                assert_problem(resp, 409, "slot_taken").await;
                taken += 1;
            }
            other => panic!("unexpected {other}: {:?}", resp.text().await),
        }
    }
    assert_eq!((created, taken), (1, 19));
    let live = app
        .scalar("SELECT count(*) FROM appointments WHERE status <> 'canceled'")
        .await
        .unwrap();
    assert_eq!(live, "1");
}

#[tokio::test]
async fn status_rules_are_enforced() {
    let app = TestApp::spawn().await;
    let d = desk(&app, "A").await;
    let future = d.book(d.booking(at(24))).await;
    let path = format!("/api/appointments/{}", future["id"].as_str().unwrap());
    for status in ["completed", "no_show"] {
        let resp =
            d.s.patch(&path, json!({"status": status}))
                .send()
                .await
                .unwrap();
        assert_invalid(resp, "status").await;
    }
    let mut early = d.booking(at(30));
    early["status"] = json!("completed");
    assert_invalid(
        d.s.post("/api/appointments", early).send().await.unwrap(),
        "status",
    )
    .await;

    // Canceling frees the slot, and is final.
    let resp =
        d.s.patch(&path, json!({"status": "canceled"}))
            .send()
            .await
            .unwrap();
    let canceled: Value = resp.json().await.unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert!(canceled["canceled_at"].is_string());
    d.book(d.booking(at(24))).await;
    for (body, field) in [
        (json!({"status": "scheduled"}), "status"),
        (json!({"starts_at": rfc(at(100))}), "starts_at"),
    ] {
        assert_invalid(d.s.patch(&path, body).send().await.unwrap(), field).await;
    }
    let after: Value = d.s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, canceled);

    // History may be recorded; a past appointment may be completed, then corrected to no-show,
    // but not reopened.
    let mut past = d.booking(at(-72));
    past["status"] = json!("completed");
    let done = d.book(past).await;
    let done_path = format!("/api/appointments/{}", done["id"].as_str().unwrap());
    let resp =
        d.s.patch(&done_path, json!({"status": "no_show"}))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    let resp =
        d.s.patch(&done_path, json!({"status": "scheduled"}))
            .send()
            .await
            .unwrap();
    assert_invalid(resp, "status").await;
    let resp =
        d.s.patch(&done_path, json!({"starts_at": rfc(at(-71))}))
            .send()
            .await
            .unwrap();
    assert_invalid(resp, "starts_at").await;
}

#[tokio::test]
async fn invalid_bookings_are_422_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let d = desk(&app, "A").await;
    let start = at(24);
    let ok = d.booking(start);
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let unknown = uuid::Uuid::now_v7();
    let cases = [
        (without("client_id"), "client_id"),
        (without("starts_at"), "starts_at"),
        (with("client_id", json!("nope")), "client_id"),
        (with("starts_at", json!("tomorrow at 10")), "starts_at"),
        (with("ends_at", json!(rfc(start))), "ends_at"),
        (
            with("ends_at", json!(rfc(start - Duration::hours(1)))),
            "ends_at",
        ),
        (
            with("ends_at", json!(rfc(start + Duration::hours(25)))),
            "ends_at",
        ),
        (with("status", json!("done")), "status"),
        (with("notes", json!("x".repeat(2001))), "notes"),
        (with("room", json!(3)), "room"),
        (with("client_id", json!(unknown)), "client_id"),
        (with("service_id", json!(unknown)), "service_id"),
        (with("user_id", json!(unknown)), "user_id"),
    ];
    for (body, field) in cases {
        let resp = d.s.post("/api/appointments", body).send().await.unwrap();
        assert_invalid(resp, field).await;
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM appointments")
            .await
            .unwrap(),
        "0"
    );
}

#[tokio::test]
async fn another_clinic_can_neither_see_change_nor_reference_appointments() {
    let app = TestApp::spawn().await;
    let a = desk(&app, "A").await;
    let b = desk(&app, "B").await;
    let appt = a.book(a.booking(at(24))).await;
    let path = format!("/api/appointments/{}", appt["id"].as_str().unwrap());
    assert_cross_tenant_404(&b.s, Method::GET, &path, None).await;
    assert_cross_tenant_404(
        &b.s,
        Method::PATCH,
        &path,
        Some(json!({"status": "canceled"})),
    )
    .await;
    let listed: Value =
        b.s.get("/api/appointments")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(listed["data"], json!([]));
    // B cannot book A's client, service or professional: 422 naming each, never a hint.
    let mut body = b.booking(at(24));
    body["client_id"] = json!(a.client);
    body["service_id"] = json!(a.service);
    body["user_id"] = json!(a.clinic.admin.user_id);
    let resp = b.s.post("/api/appointments", body).send().await.unwrap();
    let problem = assert_problem(resp, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["client_id", "service_id", "user_id"]);
    // Nor move its own appointment onto A's client.
    let mine = b.book(b.booking(at(30))).await;
    let resp =
        b.s.patch(
            &format!("/api/appointments/{}", mine["id"].as_str().unwrap()),
            json!({"client_id": a.client}),
        )
        .send()
        .await
        .unwrap();
    assert_invalid(resp, "client_id").await;
    let after: Value = a.s.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, appt);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM appointments WHERE company_id = '{}'",
            b.clinic.company_id
        ))
        .await
        .unwrap(),
        "1"
    );
}

#[tokio::test]
async fn pages_cover_every_appointment_once_in_start_order() {
    let app = TestApp::spawn().await;
    let d = desk(&app, "A").await;
    let mut expected = Vec::new();
    for h in [50, 10, 30, 20, 40] {
        let mut body = d.booking(at(h));
        body["user_id"] = Value::Null;
        let a = d.book(body).await;
        expected.push((h, a["id"].as_str().unwrap().to_owned()));
    }
    // Two without a professional at the same time do not conflict.
    let mut same = d.booking(at(10));
    same["user_id"] = Value::Null;
    let twin = d.book(same).await;
    expected.sort();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/appointments?limit=2&cursor={}", enc(c)),
            None => "/api/appointments?limit=2".to_owned(),
        };
        let req = d.s.get(&path);
        let body: Value = req.send().await.unwrap().json().await.unwrap();
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6, "no repeats");
    assert!(seen.contains(&twin["id"].as_str().unwrap().to_owned()));
    assert_eq!(seen.last(), expected.last().map(|(_, id)| id));
}
