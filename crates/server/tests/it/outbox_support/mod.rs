//! Fixtures of the outbox tests: a local fake n8n (scripted answers, every request recorded and
//! its signature checked over the raw body), a clinic with an n8n integration and a patient who
//! just wrote on WhatsApp, and a worker driven by `run_once`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::support::{Clinic, Session, TestApp, test_secret_box};
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// The secret Atende signs its calls to n8n with.
pub const OUTBOUND_SECRET: &str = "outbound-secret-for-tests-0001";
/// The secret n8n signs its callbacks with.
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests-0002";

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub idempotency_key: Option<String>,
    pub signature_ok: bool,
    pub body: Value,
}

struct FakeState {
    script: Mutex<VecDeque<u16>>,
    seen: Mutex<Vec<Seen>>,
    /// While false, every request waits (recorded first) before it is answered: a tarpit.
    open: tokio::sync::watch::Sender<bool>,
    /// `message_id`s answered in turn instead of `wamid.<n>` (then `wamid.<n>` again).
    ids: Mutex<VecDeque<String>>,
}

impl Default for FakeState {
    fn default() -> Self {
        Self {
            script: Mutex::default(),
            seen: Mutex::default(),
            open: tokio::sync::watch::channel(true).0,
            ids: Mutex::default(),
        }
    }
}

/// A fake n8n outbound webhook: answers the scripted statuses in order, then 200 with a
/// `message_id` of `wamid.<n>`.
pub struct FakeN8n {
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeN8n {
    pub async fn start(script: &[u16]) -> Self {
        let state = Arc::new(FakeState::default());
        state.script.lock().unwrap().extend(script.iter().copied());
        let data = web::Data::from(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/webhook/atende-out"),
            state,
        }
    }

    /// Answers `statuses` next (before the default 200s).
    pub fn script(&self, statuses: &[u16]) {
        self.state
            .script
            .lock()
            .unwrap()
            .extend(statuses.iter().copied());
    }

    /// Holds every request (after recording it) until [`FakeN8n::release`]: a tarpit.
    pub fn hold(&self) {
        self.state.open.send_replace(false);
    }

    /// Answers the held requests and stops holding.
    pub fn release(&self) {
        self.state.open.send_replace(true);
    }

    /// Answers `message_id`s from `ids` in turn (e.g. the same id twice, as a workflow that
    /// answers a constant id would).
    pub fn answer_ids(&self, ids: &[&str]) {
        self.state
            .ids
            .lock()
            .unwrap()
            .extend(ids.iter().map(|s| (*s).to_owned()));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests carrying `interaction`'s id.
    pub fn seen_for(&self, interaction: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.body["interaction_id"] == interaction)
            .collect()
    }
}

fn now_unix() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

async fn answer(state: web::Data<FakeState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signature_ok = infra_crypto::webhook::verify(
        &[OUTBOUND_SECRET.as_bytes()],
        header("x-atende-signature").as_deref(),
        &body,
        now_unix(),
        300,
    )
    .is_ok();
    let n = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            idempotency_key: header("idempotency-key"),
            signature_ok,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        seen.len()
    };
    let mut open = state.open.subscribe();
    let _ = open.wait_for(|open| *open).await;
    let next = state.script.lock().unwrap().pop_front();
    match next {
        Some(status) => HttpResponse::build(StatusCode::from_u16(status).unwrap())
            .json(json!({"message": format!("scripted {status}")})),
        None => {
            let id = state.ids.lock().unwrap().pop_front();
            HttpResponse::Ok()
                .json(json!({"message_id": id.unwrap_or_else(|| format!("wamid.{n}"))}))
        }
    }
}

/// A clinic, its admin session, an n8n integration pointing at `fake`, and a patient whose
/// WhatsApp message opened a thread a minute ago.
pub struct Scene {
    pub clinic: Clinic,
    pub admin: Session,
    pub account_id: String,
    pub client_id: Uuid,
    pub conversation_id: Uuid,
}

impl Scene {
    pub async fn new(app: &TestApp, fake: &FakeN8n, name: &str) -> Self {
        let clinic = app.clinic(name).await;
        let admin = app.sign_in_as(&clinic.admin).await;
        let account_id = format!("n8n-{}", Uuid::now_v7().simple());
        let resp = admin
            .post(
                "/api/integrations",
                json!({
                    "provider": "n8n", "account_id": account_id,
                    "config": {"outbound_url": fake.url},
                    "secrets": {"outbound_secret": OUTBOUND_SECRET, "webhook_secret": WEBHOOK_SECRET}
                }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        let (client_id, conversation_id) = patient(app, clinic.company_id, "whatsapp").await;
        Self {
            clinic,
            admin,
            account_id,
            client_id,
            conversation_id,
        }
    }

    /// `POST /api/chat/send` to the scene's thread.
    pub async fn send(&self, session: &Session, message: &str, key: Option<&str>) -> (u16, Value) {
        let mut req = session.post(
            "/api/chat/send",
            json!({"conversation_id": self.conversation_id, "message": message}),
        );
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// A callback signed with the integration's webhook secret.
    pub async fn callback(&self, app: &TestApp, body: Value) -> (u16, Value) {
        let raw = body.to_string().into_bytes();
        let sig = infra_crypto::webhook::sign(WEBHOOK_SECRET.as_bytes(), now_unix(), &raw);
        let resp = app
            .client
            .post(app.url("/webhooks/n8n/status"))
            .header("content-type", "application/json")
            .header("X-Atende-Signature", sig)
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A patient with an identity on `channel` and an active thread whose last inbound message
/// (on `channel`) was a minute ago.
pub async fn patient(app: &TestApp, company: Uuid, channel: &str) -> (Uuid, Uuid) {
    let (client, thread) = (Uuid::now_v7(), Uuid::now_v7());
    let digits: String = client.simple().to_string()[24..32]
        .chars()
        .map(|c| char::from(b'0' + (c as u8 % 10)))
        .collect();
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name, phone) VALUES ('{client}', '{company}', 'Ana', '+55119{digits}');
         INSERT INTO client_identities (company_id, client_id, channel, external_id, display_value, phone)
              VALUES ('{company}', '{client}', '{channel}', '55119{digits}', '+55119{digits}', '+55119{digits}');
         INSERT INTO conversation_threads (id, company_id, client_id, channel, last_inbound_channel, started_at,
                                           last_message_at, last_inbound_at, sort_at, unread_count)
              VALUES ('{thread}', '{company}', '{client}', '{channel}', '{channel}', now() - interval '1 minute',
                      now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute', 2);"
    ))
    .await;
    (client, thread)
}

/// The test outbox settings: no waiting between attempts, callbacks to the test server.
pub fn settings(app: &TestApp, max_attempts: u32) -> server::outbox::OutboxSettings {
    server::outbox::OutboxSettings {
        fallback: None,
        public_url: app.base.clone(),
        backoff: vec![0, 0, 0],
        max_attempts,
        ..Default::default()
    }
}

/// A worker over the test database with the outbound handler, leasing jobs for `lease_secs`.
pub fn worker(app: &TestApp, lease_secs: u32) -> server::worker::Worker {
    let tuning = server::worker::WorkerSettings {
        lease_secs,
        ..Default::default()
    };
    let queue = Arc::new(infra_postgres::jobs::PgJobQueue::new(app.db.db.clone()));
    let w = server::worker::Worker::new(format!("test:{}", Uuid::now_v7().simple()), queue, tuning);
    server::wiring::with_outbound_dispatch(w, &app.db.db, test_secret_box(), &settings(app, 6))
        .unwrap()
}

/// The interaction's status in the database.
pub async fn status_of(app: &TestApp, interaction: &str) -> String {
    app.scalar(&format!(
        "SELECT status FROM interactions WHERE id = '{interaction}'"
    ))
    .await
    .unwrap()
}

/// Runs `worker` until `interaction` has `status` (at most 100 rounds).
pub async fn drive(
    app: &TestApp,
    worker: &server::worker::Worker,
    interaction: &str,
    status: &str,
) {
    for _ in 0..100 {
        if status_of(app, interaction).await == status {
            return;
        }
        if worker.run_once().await.unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    panic!(
        "{interaction} never reached {status} (now {})",
        status_of(app, interaction).await
    );
}
