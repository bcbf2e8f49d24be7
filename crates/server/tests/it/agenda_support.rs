//! Helpers of the availability tests: a server whose availability clock is fixed (so historical
//! DST dates can be asked without the wall clock), and a clinic set up to offer slots.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::support::{Clinic, Session, TestApp, test_secret_box};
use chrono::{DateTime, SecondsFormat, Utc};
use infra_postgres::testing::TestDb;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::sync::Arc;

/// A clock stuck at one instant.
struct Fixed(DateTime<Utc>);

impl domain::ports::clock::Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// [`TestApp::spawn`], except that availability's "now" is `now` (booking keeps the wall clock).
pub async fn spawn_at(now: DateTime<Utc>) -> TestApp {
    let db = TestDb::new().await;
    let mut state = server::wiring::app_state_serving(
        &db.db,
        &server::config::AuthSettings::default(),
        test_secret_box(),
        &server::traffic::TrafficSettings::default(),
    );
    state.agenda.clock = Arc::new(Fixed(now));
    let metrics = state.metrics.clone();
    let principals = state.deps.principals.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
    tokio::spawn(server);
    TestApp {
        db,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        metrics,
        pooler: None,
        principals,
    }
}

/// RFC 3339 in UTC, seconds precision.
pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An RFC 3339 value back to a time.
pub fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// A clinic ready to offer slots: its admin and staff signed in, one client and one service.
pub struct Desk {
    pub clinic: Clinic,
    pub admin: Session,
    pub staff: Session,
    pub client: String,
    pub service: String,
}

/// `{day: [[start, end], …]}` as working hours JSON.
pub fn week(days: &[(&str, &[(&str, &str)])]) -> Value {
    let mut out = serde_json::Map::new();
    for (day, ranges) in days {
        out.insert(
            (*day).to_owned(),
            ranges
                .iter()
                .map(|(s, e)| json!({ "start": s, "end": e }))
                .collect(),
        );
    }
    Value::Object(out)
}

/// A clinic in `timezone` open `hours`, with `buffer` and `step` minutes, a service of
/// `duration` minutes and a client.
pub async fn desk(
    app: &TestApp,
    name: &str,
    timezone: &str,
    hours: &Value,
    (buffer, step, duration): (u32, u32, u32),
) -> Desk {
    let clinic = app.clinic(name).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let resp = admin
        .patch(
            "/api/settings",
            json!({ "timezone": timezone, "working_hours": hours, "buffer_minutes": buffer,
                    "slot_step_minutes": step }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let service: Value = admin
        .post(
            "/api/services",
            json!({ "name": "Consulta", "price_cents": 15000, "duration_minutes": duration }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client: Value = admin
        .post(
            "/api/clients",
            json!({ "name": format!("Paciente {name}") }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Desk {
        service: service["id"].as_str().unwrap().to_owned(),
        client: client["id"].as_str().unwrap().to_owned(),
        clinic,
        admin,
        staff,
    }
}

impl Desk {
    /// Gives member `user` the weekly `hours` (as the admin).
    pub async fn schedule(&self, user: uuid::Uuid, hours: &Value) {
        let resp = self
            .admin
            .request(reqwest::Method::PUT, &format!("/api/schedules/{user}"))
            .json(&json!({ "weekly_hours": hours }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    }

    /// `GET /api/availability` for the desk's service (`user` optional) in `[from, to)`.
    pub async fn availability(
        &self,
        user: Option<uuid::Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> reqwest::Response {
        let mut q = format!(
            "/api/availability?service_id={}&from={}&to={}",
            self.service,
            rfc(from),
            rfc(to)
        );
        if let Some(u) = user {
            q.push_str(&format!("&user_id={u}"));
        }
        self.staff.get(&q).send().await.unwrap()
    }

    /// The slots' `(start, professional)`, asserting a 200.
    pub async fn slots(
        &self,
        user: Option<uuid::Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, uuid::Uuid)> {
        let resp = self.availability(user, from, to).await;
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["truncated"], false);
        body["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    time(&s["starts_at"]),
                    s["user_id"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect()
    }

    /// The starts of [`Desk::slots`].
    pub async fn starts(
        &self,
        user: Option<uuid::Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        self.slots(user, from, to)
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    /// `POST /api/appointments` of the desk's client and service with `user` at `starts_at`.
    pub async fn book(&self, user: uuid::Uuid, starts_at: DateTime<Utc>) -> reqwest::Response {
        self.staff
            .post(
                "/api/appointments",
                json!({ "client_id": self.client, "service_id": self.service,
                        "user_id": user, "starts_at": rfc(starts_at) }),
            )
            .send()
            .await
            .unwrap()
    }
}
