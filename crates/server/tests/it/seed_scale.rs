//! `atende seed --scale` at a tiny scale (`--scale-factor 0.01`: one clinic, 100 clients): the
//! counts, the columns the bulk SQL derives (which the app otherwise maintains message by message)
//! compared with what the app's own message transaction computes when the same messages are
//! replayed through it, and the printed credentials working against the real server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::conversations::{
    ContentType, DeliveryStatus, Direction, InteractionSource, NewInteraction,
};
use domain::ports::conversations::{ConversationRepository, OpenOutcome, RecordOutcome};
use domain::{Channel, ClientId, CompanyId, ConversationId, InteractionId, UserId};
use infra_postgres::conversations::PgConversations;
use server::seed_scale::{ScaleSize, run};
use std::collections::HashMap;
use support::{TestApp, test_secret_box};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Msg {
    #[diesel(sql_type = SqlUuid)]
    conversation_id: Uuid,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Text)]
    content_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    media: Option<serde_json::Value>,
    #[diesel(sql_type = Text)]
    external_id: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    sent_by_user_id: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Thread {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
}

/// Every column of a thread that its messages determine.
#[derive(QueryableByName, Debug, PartialEq, Clone)]
struct Derived {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_message_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    sort_at: DateTime<Utc>,
    /// The last message, by its provider id (the replay stores `replay.<id>`).
    #[diesel(sql_type = Nullable<Text>)]
    last_external_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_message_snippet: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_message_direction: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_message_status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_inbound_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    last_inbound_channel: Option<String>,
    #[diesel(sql_type = Integer)]
    unread_count: i32,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    last_read_by: Option<Uuid>,
    /// The app stamps `now()`, the seed the reply's time: compared as "read or not".
    #[diesel(sql_type = Bool)]
    read: bool,
}

const DERIVED: &str = "
SELECT t.id, t.channel, t.last_message_at, t.sort_at, i.external_id AS last_external_id, t.last_message_snippet,
       t.last_message_direction, t.last_message_status, t.last_inbound_at, t.last_inbound_channel, t.unread_count,
       t.last_read_by, t.last_read_at IS NOT NULL AS read
FROM conversation_threads t LEFT JOIN interactions i ON i.company_id = t.company_id AND i.id = t.last_interaction_id";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await.unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_tiny_scale_seed_derives_every_thread_column_as_the_app_would_and_its_credentials_work() {
    let app = TestApp::spawn().await;
    let size = ScaleSize::from_factor(0.01).unwrap();
    let seeded = run(&app.db.url, &app.db.db, test_secret_box(), size)
        .await
        .unwrap();
    assert_eq!(seeded.clinics.len(), 1);
    let clinic = &seeded.clinics[0];
    let company = CompanyId(clinic.company_id);

    // The counts of the issue, scaled by 0.01.
    assert_eq!(scalar(&app, "SELECT count(*) FROM clients").await, 100);
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM conversation_threads").await,
        300
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM conversation_threads WHERE status = 'active'"
        )
        .await,
        30
    );
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM interactions").await,
        2_000
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM appointments").await, 100);
    assert!(
        scalar(
            &app,
            "SELECT count(*) FROM appointments WHERE status = 'no_show'"
        )
        .await
            > 0
    );
    // A few long threads, most short.
    let first_long = server::seed_scale::bench_id(1, 6, 3, 0);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT count(*) FROM interactions WHERE conversation_id = '{first_long}'")
        )
        .await,
        200
    );
    assert!(
        scalar(&app, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM (SELECT count(*) n FROM interactions GROUP BY conversation_id) s").await
            <= 6
    );
    // Every client is reachable on WhatsApp by the digits of its phone, as the inbound path stores them.
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM clients c JOIN client_identities i ON i.client_id = c.id AND i.channel = 'whatsapp' AND i.external_id = substr(c.phone, 2)").await,
        100
    );

    // Replay: for every seeded thread, a fresh client and thread opened at the same time, and the
    // same messages recorded in time order through the app's own message transaction.
    let mut owner = app.db.owner_conn().await;
    let threads: Vec<Thread> =
        diesel::sql_query("SELECT id, started_at FROM conversation_threads ORDER BY id")
            .load(&mut owner)
            .await
            .unwrap();
    let messages: Vec<Msg> = diesel::sql_query(
        "SELECT conversation_id, channel, direction, content_type, text, media, external_id, status, source,
                sent_by_user_id, occurred_at
         FROM interactions ORDER BY conversation_id, occurred_at, id",
    )
    .load(&mut owner)
    .await
    .unwrap();
    let repo = PgConversations::new(app.db.db.clone());
    // Seeded thread → (replay thread, replay client).
    let mut mirror: HashMap<Uuid, (Uuid, Uuid)> = HashMap::new();
    for t in &threads {
        let client = Uuid::now_v7();
        diesel::sql_query("INSERT INTO clients (id, company_id, name, status) VALUES ($1, $2, 'Replay', 'active')")
            .bind::<SqlUuid, _>(client)
            .bind::<SqlUuid, _>(company.0)
            .execute(&mut owner)
            .await
            .unwrap();
        let OpenOutcome::Opened(c) = repo
            .open(company, ClientId(client), Channel::Whatsapp, t.started_at)
            .await
            .unwrap()
        else {
            panic!("a fresh client has no active thread");
        };
        mirror.insert(t.id, (c.id.0, client));
    }
    for m in &messages {
        let outcome = repo
            .record(
                company,
                NewInteraction {
                    id: InteractionId::new(),
                    conversation_id: ConversationId(mirror[&m.conversation_id].0),
                    client_id: ClientId(mirror[&m.conversation_id].1),
                    channel: m.channel.parse().unwrap(),
                    direction: if m.direction == "inbound" {
                        Direction::Inbound
                    } else {
                        Direction::Outbound
                    },
                    content_type: ContentType::parse(&m.content_type).unwrap(),
                    text: m.text.clone(),
                    media: m.media.clone(),
                    metadata: serde_json::json!({}),
                    external_id: Some(format!("replay.{}", m.external_id)),
                    status: DeliveryStatus::parse(&m.status).unwrap(),
                    source: InteractionSource::parse(&m.source).unwrap(),
                    sent_by_user_id: m.sent_by_user_id.map(UserId),
                    occurred_at: m.occurred_at,
                },
            )
            .await;
        assert!(
            matches!(outcome, Ok(RecordOutcome::Inserted { .. })),
            "replay of {} failed: {outcome:?}",
            m.external_id
        );
    }
    let derived: HashMap<Uuid, Derived> = diesel::sql_query(DERIVED)
        .load::<Derived>(&mut owner)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut compared = 0;
    for t in &threads {
        let seed = derived[&t.id].clone();
        let mut app_computed = derived[&mirror[&t.id].0].clone();
        app_computed.id = seed.id;
        app_computed.last_external_id = app_computed
            .last_external_id
            .map(|e| e.trim_start_matches("replay.").to_owned());
        assert_eq!(seed, app_computed, "thread {}", t.id);
        compared += 1;
    }
    assert_eq!(compared, 300);
    // Not vacuous: unread, read and voice-note (no snippet) threads are among them.
    assert!(derived.values().any(|d| d.unread_count > 1));
    assert!(derived.values().any(|d| d.unread_count == 0 && d.read));
    assert!(derived.values().any(|d| d.last_message_snippet.is_some()));

    // The printed credentials: a signed relay delivery is accepted for the clinic, and the API
    // token reads its inbox.
    let now = Utc::now().timestamp();
    let body = serde_json::json!({
        "account_id": clinic.account_id, "message_id": "wamid.cred-check",
        "from": {"id": "5512900112648"}, "type": "text", "text": "Oi", "timestamp": now
    })
    .to_string();
    let signature =
        infra_crypto::webhook::sign(clinic.webhook_secret.as_bytes(), now, body.as_bytes());
    let resp = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["results"][0]["duplicate"], false);
    // The sender is client 1 of the dataset, found by identity (no new lead).
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM clients").await,
        100 + 300
    );
    assert_eq!(
        v["results"][0]["client_id"].as_str().unwrap(),
        server::seed_scale::bench_id(1, 4, 1, 0).to_string()
    );
    let resp = app
        .client
        .get(app.url("/api/inbox/summary"))
        .bearer_auth(&clinic.api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // A second run on the same database is refused, not half-applied.
    let again = run(&app.db.url, &app.db.db, test_secret_box(), size).await;
    assert!(again.is_err());
    assert_eq!(scalar(&app, "SELECT count(*) FROM companies").await, 1);
}
