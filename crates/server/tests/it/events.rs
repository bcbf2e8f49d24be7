//! `GET /api/events` over HTTP: what a webhook or a member changes reaches the clinic's streams
//! (on this node and another), in order and exactly once, resumes after `Last-Event-ID`, never
//! reaches another clinic, and closes when the credential stops being valid.

use crate::support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{Session, TestApp, assert_problem};

const SECRET: &str = "whsec_events_0123456789abcdef";
const ACCOUNT: &str = "5511900001111";

/// One parsed SSE event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

/// A reader of a `text/event-stream` response.
pub struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    /// Opens `/api/events{query}` for `session`, with `Last-Event-ID` when given.
    pub async fn open(session: &Session, query: &str, last: Option<i64>) -> Self {
        let mut req = session.get(&format!("/api/events{query}"));
        if let Some(last) = last {
            req = req.header("Last-Event-ID", last.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "opening the stream");
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (comments skipped), or None when nothing came within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                if let Some(e) = parse(&frame) {
                    return Some(e);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return None,
            }
        }
    }

    /// The next event, which must come within 10 s.
    pub async fn expect(&mut self) -> SseEvent {
        self.next(Duration::from_secs(10))
            .await
            .expect("an event within 10 s")
    }

    /// Events until one named `name` (inclusive).
    pub async fn until(&mut self, name: &str) -> Vec<SseEvent> {
        let mut out = Vec::new();
        loop {
            let e = self.expect().await;
            let done = e.event == name;
            out.push(e);
            if done {
                return out;
            }
        }
    }
}

fn parse(frame: &str) -> Option<SseEvent> {
    let (mut id, mut event, mut data) = (None, None, None);
    for line in frame.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = v.parse().ok();
        } else if let Some(v) = line.strip_prefix("event: ") {
            event = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("data: ") {
            data = serde_json::from_str(v).ok();
        }
    }
    Some(SseEvent {
        id,
        event: event?,
        data: data.unwrap_or(Value::Null),
    })
}

async fn relay(app: &TestApp, message_id: &str, from: &str, text: &str) {
    let body = serde_json::to_vec(&json!({
        "account_id": ACCOUNT, "message_id": message_id,
        "from": {"id": from, "name": "Paciente"},
        "type": "text", "text": text, "timestamp": chrono::Utc::now().timestamp()
    }))
    .unwrap();
    let t = chrono::Utc::now().timestamp();
    let resp = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "X-Atende-Signature",
            infra_crypto::webhook::sign(SECRET.as_bytes(), t, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
}

async fn clinic_with_relay(app: &TestApp, name: &str) -> (support::Clinic, Session) {
    let clinic = app.clinic(name).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": ACCOUNT, "config": {},
                   "secrets": {"webhook_secret": SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    (clinic, admin)
}

fn names(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

#[tokio::test]
async fn a_webhook_message_reaches_its_clinics_stream_in_order_and_no_other_clinics() {
    let app = TestApp::spawn().await;
    let (_, admin) = clinic_with_relay(&app, "Clínica Eventos").await;
    let other = app.clinic("Clínica Outra").await;
    let other_admin = app.sign_in_as(&other.admin).await;

    let mut stream = Sse::open(&admin, "", None).await;
    let ready = stream.expect().await;
    assert_eq!(ready.event, "ready");
    let start = ready.id.unwrap();
    let mut foreign = Sse::open(&other_admin, "", None).await;
    assert_eq!(foreign.expect().await.event, "ready");

    relay(
        &app,
        "wamid.EV1",
        "5511987650001",
        "Olá, tem horário amanhã?",
    )
    .await;
    let got = stream.until("conversation.updated").await;
    assert_eq!(
        names(&got),
        [
            "client.created",
            "conversation.opened",
            "message.created",
            "conversation.updated"
        ]
    );
    let ids: Vec<i64> = got.iter().map(|e| e.id.unwrap()).collect();
    assert_eq!(ids, (start + 1..=start + 4).collect::<Vec<_>>());
    let message = &got[2].data["message"];
    assert_eq!(message["text"], "Olá, tem horário amanhã?");
    assert_eq!(message["direction"], "inbound");
    assert_eq!(got[3].data["conversation"]["unread_count"], 1);
    assert_eq!(
        got[3].data["conversation"]["last_message"]["snippet"],
        "Olá, tem horário amanhã?"
    );
    // Clinic B's stream saw nothing of it.
    assert!(foreign.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_receives_what_it_missed_then_live_events_once() {
    let app = TestApp::spawn().await;
    let (_, admin) = clinic_with_relay(&app, "Clínica Reconecta").await;
    let mut stream = Sse::open(&admin, "?types=message.created", None).await;
    stream.expect().await;
    relay(&app, "wamid.R1", "5511987650002", "primeira").await;
    let first = stream.expect().await;
    assert_eq!(first.data["message"]["text"], "primeira");
    let last = first.id.unwrap();
    drop(stream);

    relay(&app, "wamid.R2", "5511987650002", "segunda").await;
    relay(&app, "wamid.R3", "5511987650002", "terceira").await;
    let mut again = Sse::open(&admin, "?types=message.created", Some(last)).await;
    assert_eq!(again.expect().await.event, "ready");
    let texts = |e: &SseEvent| e.data["message"]["text"].as_str().unwrap().to_owned();
    let missed = [again.expect().await, again.expect().await];
    assert_eq!(
        missed.iter().map(texts).collect::<Vec<_>>(),
        ["segunda", "terceira"]
    );
    relay(&app, "wamid.R4", "5511987650002", "quarta").await;
    let live = again.expect().await;
    assert_eq!(texts(&live), "quarta");
    // Nothing is delivered twice.
    assert!(again.next(Duration::from_millis(500)).await.is_none());
    let ids: Vec<i64> = missed
        .iter()
        .chain([&live])
        .map(|e| e.id.unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[tokio::test]
async fn an_event_caused_on_one_node_arrives_on_a_stream_held_on_another() {
    let app = TestApp::spawn().await;
    let (_, admin) = clinic_with_relay(&app, "Clínica Dois Nós").await;
    let node_b = app.second_node();
    let on_b = Session {
        base: node_b.base.clone(),
        ..admin.clone()
    };
    let mut stream = Sse::open(&on_b, "?types=message.created", None).await;
    stream.expect().await;
    for (n, text) in ["um", "dois", "três"].iter().enumerate() {
        relay(&app, &format!("wamid.N{n}"), "5511987650003", text).await;
    }
    let mut texts = Vec::new();
    for _ in 0..3 {
        texts.push(stream.expect().await.data["message"]["text"].clone());
    }
    assert_eq!(texts, ["um", "dois", "três"]);
    assert!(stream.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test]
async fn a_member_reading_a_thread_is_an_event_for_everyone_in_the_clinic() {
    let app = TestApp::spawn().await;
    let (clinic, admin) = clinic_with_relay(&app, "Clínica Lida").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    relay(&app, "wamid.L1", "5511987650004", "oi").await;
    let threads: Value = admin
        .get("/api/conversations")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = threads["data"][0]["id"].as_str().unwrap().to_owned();
    let mut stream = Sse::open(&admin, &format!("?conversation_id={id}"), None).await;
    stream.expect().await;
    let resp = staff
        .post(&format!("/api/conversations/{id}/read"), json!({}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let read = stream.expect().await;
    assert_eq!(read.event, "conversation.read");
    assert_eq!(read.data["read_by"], clinic.staff.user_id.to_string());
    assert_eq!(read.data["unread_count"], 0);
}

#[tokio::test]
async fn an_unknown_or_expired_last_event_id_gets_a_reset() {
    let app = TestApp::spawn().await;
    let (_, admin) = clinic_with_relay(&app, "Clínica Reset").await;
    let mut stream = Sse::open(&admin, "", Some(999_999)).await;
    assert_eq!(stream.expect().await.event, "ready");
    let reset = stream.expect().await;
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.data["reason"], "missed_events");
    assert_eq!(reset.id, reset.data["last_event_id"].as_i64());
}

#[tokio::test]
async fn bad_filters_are_422_and_streams_beyond_the_cap_are_429() {
    // A frequent re-check writes to the stream often, so a closed one is noticed quickly.
    let app = TestApp::spawn_with_event_timing(api_http::events::StreamTiming {
        heartbeat: Duration::from_secs(15),
        recheck: Duration::from_millis(100),
        retry_ms: 1000,
    })
    .await;
    let clinic = app.clinic("Clínica Limites").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    for query in [
        "?types=message.nope",
        "?conversation_id=x",
        "?last_event_id=abc",
    ] {
        let resp = admin
            .get(&format!("/api/events{query}"))
            .send()
            .await
            .unwrap();
        assert_problem(resp, 422, "validation_failed").await;
    }
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(Sse::open(&admin, "", None).await);
    }
    let resp = admin.get("/api/events").send().await.unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "too_many_streams").await;
    // Closing one frees its place.
    open.pop();
    let mut reopened = None;
    for _ in 0..100 {
        let resp = admin.get("/api/events").send().await.unwrap();
        if resp.status() == 200 {
            reopened = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a freed place is available again");
    let anonymous = app.browser().get("/api/events").send().await.unwrap();
    assert_problem(anonymous, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_stream_ends_soon_after_its_member_is_disabled() {
    let app = TestApp::spawn_with_event_timing(api_http::events::StreamTiming {
        heartbeat: Duration::from_secs(15),
        recheck: Duration::from_millis(200),
        retry_ms: 1000,
    })
    .await;
    let clinic = app.clinic("Clínica Fecha").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let mut stream = Sse::open(&staff, "", None).await;
    assert_eq!(stream.expect().await.event, "ready");
    let resp = admin
        .patch(
            &format!("/api/users/{}", clinic.staff.user_id),
            json!({"status": "disabled"}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let end = stream
        .next(Duration::from_secs(5))
        .await
        .expect("the stream ends with a final event");
    assert_eq!(end.event, "end");
    assert_eq!(end.data["reason"], "unauthorized");
    assert!(stream.next(Duration::from_secs(2)).await.is_none());
}

#[tokio::test]
async fn delivery_statuses_unsent_messages_and_snapshots_are_events() {
    use crate::outbox_support::{OUTBOUND_SECRET, WEBHOOK_SECRET as N8N_SECRET};
    const APP_SECRET: &str = "meta-app-secret-events-0123456789";
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Estados").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    for body in [
        json!({"provider": "instagram", "account_id": "IG-EV", "config": {},
               "secrets": {"webhook_secret": SECRET, "app_secret": APP_SECRET}}),
        json!({"provider": "n8n", "account_id": "n8n-ev",
               "config": {"outbound_url": "http://127.0.0.1:9/webhook/atende-out"},
               "secrets": {"outbound_secret": OUTBOUND_SECRET, "webhook_secret": N8N_SECRET}}),
    ] {
        let resp = admin.post("/api/integrations", body).send().await.unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    }
    let mut stream = Sse::open(
        &admin,
        "?types=message.status,message.deleted,snapshot.created",
        None,
    )
    .await;
    assert_eq!(stream.expect().await.event, "ready");
    // The patient writes on Instagram, then unsends it.
    let t = chrono::Utc::now().timestamp() * 1000;
    let meta = |message: Value| {
        let body = serde_json::to_vec(&json!({"object": "instagram", "entry": [{"id": "IG-EV",
            "messaging": [{"sender": {"id": "IGSID-EV"}, "recipient": {"id": "IG-EV"},
                           "timestamp": t, "message": message}]}]}))
        .unwrap();
        let sig = infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &body);
        app.client
            .post(app.url("/webhooks/instagram"))
            .header("X-Hub-Signature-256", sig)
            .body(body)
            .send()
    };
    let resp = meta(json!({"mid": "mid.ev1", "text": "Oi, tudo bem?"}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let thread: Value = admin
        .get("/api/conversations")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation = thread["data"][0]["id"].as_str().unwrap().to_owned();
    let client = thread["data"][0]["client_id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        // A redelivered unsend announces nothing new.
        let resp = meta(json!({"mid": "mid.ev1", "is_deleted": true}))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let deleted = stream.expect().await;
    assert_eq!(deleted.event, "message.deleted");
    assert_eq!(deleted.data["conversation_id"], conversation.as_str());
    assert!(deleted.data["deleted_at"].is_string(), "{:?}", deleted.data);

    // A reply is queued; n8n reports it delivered, then a late `sent` changes nothing.
    let sent: Value = admin
        .post(
            "/api/chat/send",
            json!({"conversation_id": conversation, "message": "Tudo sim!"}),
        )
        .header("Idempotency-Key", "events-status-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reply = sent["interaction"]["id"].as_str().unwrap().to_owned();
    for status in ["delivered", "sent"] {
        let at = chrono::Utc::now().timestamp();
        let raw = json!({"account_id": "n8n-ev", "interaction_id": reply, "status": status,
                         "timestamp": at})
        .to_string()
        .into_bytes();
        let resp = app
            .client
            .post(app.url("/webhooks/n8n/status"))
            .header("content-type", "application/json")
            .header(
                "X-Atende-Signature",
                infra_crypto::webhook::sign(N8N_SECRET.as_bytes(), at, &raw),
            )
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let status = stream.expect().await;
    assert_eq!(status.event, "message.status");
    assert_eq!(status.data["message_id"], reply.as_str());
    assert_eq!(status.data["status"], "delivered");

    // The analyst's snapshot of the patient.
    let resp = admin
        .post("/api/snapshots/generate", json!({"client_id": client}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let snapshot = stream.expect().await;
    assert_eq!(snapshot.event, "snapshot.created");
    assert_eq!(snapshot.data["client_id"], client.as_str());
    assert!(
        snapshot.data["flags"]["no_show_risk"].is_string(),
        "{:?}",
        snapshot.data
    );
    // Nothing else: no second deletion, no backwards status.
    assert!(stream.next(Duration::from_millis(500)).await.is_none());
}
