//! The conversation use cases over the real PostgreSQL adapter: the rules that only a real
//! database can prove (concurrency, exact counters, ordering, paging).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::conversations::{Conversations, RecordInteraction};
use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel_async::SimpleAsyncConnection;
use domain::conversations::{ContentType, Direction, InteractionSource, ThreadStatus};
use domain::ports::clock::Clock;
use domain::{Channel, ClientId, CompanyId};
use infra_postgres::conversations::PgConversations;
use infra_postgres::testing::TestDb;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

#[derive(Debug)]
struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

struct Fixture {
    _t: TestDb,
    uc: Conversations,
    clock: Arc<TestClock>,
    company: CompanyId,
    client: ClientId,
}

async fn fixture() -> Fixture {
    let t = TestDb::new().await;
    let company = Uuid::now_v7();
    let client = Uuid::now_v7();
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO companies (id, name) VALUES ('{company}', 'C');
             INSERT INTO settings (company_id) VALUES ('{company}');
             INSERT INTO clients (id, company_id, name) VALUES ('{client}', '{company}', 'Ana');"
        ))
        .await
        .unwrap();
    let clock = Arc::new(TestClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap(),
    )));
    let uc = Conversations::new(
        Arc::new(PgConversations::new(t.db.clone())),
        Arc::new(infra_postgres::notes::PgNotes::new(t.db.clone())),
        clock.clone(),
    );
    Fixture {
        _t: t,
        uc,
        clock,
        company: CompanyId(company),
        client: ClientId(client),
    }
}

fn message(f: &Fixture, direction: Direction, external_id: Option<String>) -> RecordInteraction {
    RecordInteraction {
        conversation_id: None,
        client_id: Some(f.client),
        channel: Channel::Whatsapp,
        direction,
        content_type: ContentType::Text,
        text: Some("Olá, gostaria de marcar".into()),
        media: None,
        status: None,
        external_id,
        occurred_at: None,
        metadata: None,
        source: InteractionSource::Api,
        recorded_by: None,
    }
}

#[tokio::test]
async fn twenty_concurrent_starts_resolve_to_one_thread() {
    let f = fixture().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let uc = f.uc.clone();
        let (company, client) = (f.company, f.client);
        tasks.push(tokio::spawn(async move {
            uc.start(company, client, Channel::Whatsapp).await
        }));
    }
    let mut ids = HashSet::new();
    let mut created = 0;
    for t in tasks {
        let started = t.await.unwrap().expect("every start succeeds");
        ids.insert(started.conversation.id);
        created += usize::from(started.created);
    }
    assert_eq!(ids.len(), 1, "one thread for all starts");
    assert_eq!(created, 1, "exactly one start created it");
}

#[tokio::test]
async fn the_reopen_window_reuses_then_closes_with_window_expired() {
    let f = fixture().await;
    let first =
        f.uc.start(f.company, f.client, Channel::Whatsapp)
            .await
            .unwrap();
    assert!(first.created);
    f.clock.advance(Duration::hours(23));
    let again =
        f.uc.start(f.company, f.client, Channel::Instagram)
            .await
            .unwrap();
    assert!(!again.created);
    assert_eq!(again.conversation.id, first.conversation.id);
    f.clock.advance(Duration::hours(2));
    let fresh =
        f.uc.start(f.company, f.client, Channel::Instagram)
            .await
            .unwrap();
    assert!(fresh.created);
    assert_ne!(fresh.conversation.id, first.conversation.id);
    let old =
        f.uc.view(f.company, first.conversation.id, None, 10)
            .await
            .unwrap()
            .conversation;
    assert_eq!(old.status, ThreadStatus::Closed);
    assert_eq!(old.close_reason.as_deref(), Some("window_expired"));
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_store_one_message() {
    let f = fixture().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let uc = f.uc.clone();
        let cmd = message(&f, Direction::Inbound, Some("wamid.same".into()));
        let company = f.company;
        tasks.push(tokio::spawn(async move { uc.record(company, cmd).await }));
    }
    let mut ids = HashSet::new();
    let mut fresh = 0;
    for t in tasks {
        let r = t.await.unwrap().expect("every delivery answers");
        ids.insert(r.interaction.id);
        fresh += usize::from(!r.duplicate);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(fresh, 1);
    let page =
        f.uc.list(f.company, Default::default(), None, 10)
            .await
            .unwrap();
    assert_eq!(page.data.len(), 1, "one thread");
    assert_eq!(
        page.data[0].unread_count, 1,
        "a duplicate does not count as unread"
    );
}

#[tokio::test]
async fn unread_counts_every_inbound_message_since_the_last_read_or_reply() {
    let f = fixture().await;
    for i in 0..137 {
        f.clock.advance(Duration::seconds(1));
        f.uc.record(
            f.company,
            message(&f, Direction::Inbound, Some(format!("in-{i}"))),
        )
        .await
        .unwrap();
    }
    let c =
        f.uc.list(f.company, Default::default(), None, 1)
            .await
            .unwrap()
            .data
            .remove(0);
    assert_eq!(c.unread_count, 137, "exact and uncapped");
    let read = f.uc.mark_read(f.company, c.id, None).await.unwrap();
    assert_eq!(read.unread_count, 0);
    f.clock.advance(Duration::seconds(1));
    f.uc.record(
        f.company,
        message(&f, Direction::Inbound, Some("after-read".into())),
    )
    .await
    .unwrap();
    f.clock.advance(Duration::seconds(1));
    f.uc.record(
        f.company,
        message(&f, Direction::Inbound, Some("after-read-2".into())),
    )
    .await
    .unwrap();
    let c =
        f.uc.view(f.company, c.id, None, 1)
            .await
            .unwrap()
            .conversation;
    assert_eq!(c.unread_count, 2);
    f.clock.advance(Duration::seconds(1));
    let reply =
        f.uc.record(f.company, message(&f, Direction::Outbound, None))
            .await
            .unwrap();
    assert_eq!(
        reply.conversation.unwrap().unread_count,
        0,
        "a reply marks the thread read"
    );
    // Closing never touches unread.
    f.clock.advance(Duration::seconds(1));
    f.uc.record(
        f.company,
        message(&f, Direction::Inbound, Some("late".into())),
    )
    .await
    .unwrap();
    let closed =
        f.uc.close(f.company, c.id, Some("done".into()), None)
            .await
            .unwrap();
    assert_eq!(closed.unread_count, 1);
}

#[tokio::test]
async fn out_of_order_messages_keep_history_order_and_never_move_the_thread_back() {
    let f = fixture().await;
    let t0 = f.clock.now();
    let newer = RecordInteraction {
        occurred_at: Some(t0),
        ..message(&f, Direction::Inbound, Some("b".into()))
    };
    let recorded = f.uc.record(f.company, newer).await.unwrap();
    let conv = recorded.conversation.unwrap();
    let older = RecordInteraction {
        occurred_at: Some(t0 - Duration::minutes(5)),
        text: Some("older".into()),
        ..message(&f, Direction::Inbound, Some("a".into()))
    };
    let late =
        f.uc.record(f.company, older)
            .await
            .unwrap()
            .conversation
            .unwrap();
    assert_eq!(
        late.last_message_at,
        Some(t0),
        "last_message_at never moves backwards"
    );
    assert_eq!(
        late.last_message.unwrap().interaction_id,
        recorded.interaction.id
    );
    let view = f.uc.view(f.company, conv.id, None, 10).await.unwrap();
    let order: Vec<_> = view
        .interactions
        .data
        .iter()
        .map(|i| i.external_id.clone().unwrap())
        .collect();
    assert_eq!(order, ["b", "a"], "newest first by occurred_at");
}

#[tokio::test]
async fn history_pages_through_a_thousand_messages_without_gaps_or_repeats() {
    let f = fixture().await;
    let conv =
        f.uc.start(f.company, f.client, Channel::Whatsapp)
            .await
            .unwrap()
            .conversation;
    let t0 = f.clock.now();
    // Bulk insert keeps the test fast; several messages share a timestamp to exercise the id tie-break.
    let values: Vec<String> = (0..1000)
        .map(|i| {
            let at = t0 - Duration::seconds(i / 3);
            format!(
                "('{}', '{}', '{}', '{}', 'whatsapp', 'inbound', 'text', 'm{i}', 'received', '{}')",
                Uuid::now_v7(),
                f.company.0,
                conv.id.0,
                f.client.0,
                at.to_rfc3339()
            )
        })
        .collect();
    f._t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, content_type, text, status, occurred_at) VALUES {}",
            values.join(",")
        ))
        .await
        .unwrap();
    let mut seen = HashSet::new();
    let mut cursor = None;
    let mut pages = 0;
    let mut last: Option<(DateTime<Utc>, Uuid)> = None;
    loop {
        let view = f.uc.view(f.company, conv.id, cursor, 137).await.unwrap();
        pages += 1;
        for i in &view.interactions.data {
            assert!(seen.insert(i.id), "repeated message");
            let key = (i.occurred_at, i.id.0);
            if let Some(prev) = last {
                assert!(key < prev, "not newest-first");
            }
            last = Some(key);
        }
        match view.interactions.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 1000);
    assert_eq!(pages, 8);
}

#[tokio::test]
async fn closing_queues_the_conversation_closed_event_once() {
    use diesel_async::RunQueryDsl;
    let f = fixture().await;
    let conv =
        f.uc.start(f.company, f.client, Channel::Whatsapp)
            .await
            .unwrap()
            .conversation;
    let a =
        f.uc.close(f.company, conv.id, Some("resolved".into()), None)
            .await
            .unwrap();
    let b =
        f.uc.close(f.company, conv.id, Some("again".into()), None)
            .await
            .unwrap();
    assert_eq!(
        a.ended_at, b.ended_at,
        "closing a closed thread changes nothing"
    );
    assert_eq!(b.close_reason.as_deref(), Some("resolved"));
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM jobs WHERE kind = 'conversation_closed' AND payload->>'conversation_id' = '{}'",
        conv.id
    ))
    .get_result(&mut f._t.owner_conn().await)
    .await
    .unwrap();
    assert_eq!(n.n, 1);
}
