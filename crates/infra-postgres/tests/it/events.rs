//! The event log and the node hub against a real PostgreSQL: dense per-clinic ids in commit
//! order, rollbacks leave nothing, reads are the pinned clinic's only, retention, and a change
//! committed through one node's pool reaches a subscription on another node's hub.

use crate::common::seed_company;
use diesel_async::SimpleAsyncConnection;
use domain::events::{EventKind, NewEvent};
use domain::ports::events::{EventFeed, EventLog, FeedItem, Subscription};
use domain::{CompanyId, ConversationId};
use infra_postgres::events::{EventHub, HubSettings, PgEventLog, append_in};
use infra_postgres::testing::TestDb;
use infra_postgres::{Database, DbError, PoolSettings, TenantScope};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

fn new_event(n: i64) -> NewEvent {
    NewEvent {
        kind: EventKind::MessageCreated,
        conversation_id: Some(ConversationId::new()),
        client_id: None,
        payload: json!({ "n": n }),
    }
}

async fn append(db: &Database, company: CompanyId, events: Vec<NewEvent>) -> Vec<i64> {
    db.tenant_tx(TenantScope::company(company), move |conn| {
        Box::pin(async move { Ok::<_, anyhow::Error>(append_in(conn, company, &events).await?) })
    })
    .await
    .unwrap()
}

async fn clinic(t: &TestDb) -> CompanyId {
    let id = Uuid::now_v7();
    seed_company(&mut t.owner_conn().await, id).await;
    // The fixture seeds one event; start each clinic's log empty.
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "DELETE FROM events WHERE company_id = '{id}'; DELETE FROM event_counters WHERE company_id = '{id}';"
        ))
        .await
        .unwrap();
    CompanyId(id)
}

#[tokio::test]
async fn concurrent_appends_of_one_clinic_get_dense_ids_and_a_rollback_leaves_no_gap() {
    let t = TestDb::new().await;
    let company = clinic(&t).await;
    let log = PgEventLog::new(t.db.clone());
    let mut tasks = Vec::new();
    for n in 0..20 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            append(&db, company, vec![new_event(n), new_event(n + 100)]).await
        }));
    }
    for task in tasks {
        let ids = task.await.unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(
            ids[1],
            ids[0] + 1,
            "one transaction's events are consecutive"
        );
    }
    // A transaction that rolls back takes its ids with it.
    let rolled_back: Result<(), anyhow::Error> =
        t.db.tenant_tx(TenantScope::company(company), move |conn| {
            Box::pin(async move {
                append_in(conn, company, &[new_event(-1)]).await?;
                Err(anyhow::anyhow!("the change failed"))
            })
        })
        .await;
    assert!(rolled_back.is_err());
    let after = append(&t.db, company, vec![new_event(41)]).await;
    assert_eq!(after, [41]);
    let all = log.after(company, 0, 1000).await.unwrap();
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=41).collect::<Vec<_>>());
    let bounds = log.bounds(company).await.unwrap();
    assert_eq!((bounds.newest, bounds.oldest_retained), (41, Some(1)));
}

#[tokio::test]
async fn a_clinic_reads_only_its_own_events() {
    let t = TestDb::new().await;
    let (a, b) = (clinic(&t).await, clinic(&t).await);
    append(&t.db, a, vec![new_event(1), new_event(2)]).await;
    append(&t.db, b, vec![new_event(3)]).await;
    let log = PgEventLog::new(t.db.clone());
    let of_a = log.after(a, 0, 100).await.unwrap();
    assert_eq!(of_a.len(), 2);
    assert_eq!(of_a[0].payload, json!({ "n": 1 }));
    let of_b = log.after(b, 0, 100).await.unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].payload, json!({ "n": 3 }));
    // Under B's pin, A's events do not exist, whatever the query asks.
    let seen: i64 =
        t.db.tenant_tx(TenantScope::company(b), move |conn| {
            Box::pin(async move {
                Ok::<_, DbError>(
                    crate::common::number(
                        conn,
                        &format!(
                            "SELECT count(*) AS n FROM events WHERE company_id = '{}'",
                            a.0
                        ),
                    )
                    .await?,
                )
            })
        })
        .await
        .unwrap();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn retention_deletes_old_events_only_and_moves_the_oldest_retained_id() {
    let t = TestDb::new().await;
    let company = clinic(&t).await;
    append(&t.db, company, (1..=5).map(new_event).collect()).await;
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "UPDATE events SET created_at = now() - interval '4 days' WHERE company_id = '{}' AND id <= 3",
            company.0
        ))
        .await
        .unwrap();
    let log = PgEventLog::new(t.db.clone());
    let deleted = log.prune(Duration::from_secs(72 * 3600)).await.unwrap();
    assert_eq!(deleted, 3);
    let bounds = log.bounds(company).await.unwrap();
    assert_eq!((bounds.newest, bounds.oldest_retained), (5, Some(4)));
    assert_eq!(log.prune(Duration::from_secs(72 * 3600)).await.unwrap(), 0);
}

async fn next_within(sub: &mut Box<dyn Subscription>, secs: u64) -> FeedItem {
    tokio::time::timeout(Duration::from_secs(secs), sub.next())
        .await
        .expect("no event arrived in time")
}

#[tokio::test]
async fn a_change_committed_on_one_node_reaches_a_subscription_on_another_in_order() {
    let t = TestDb::new().await;
    let (a, b) = (clinic(&t).await, clinic(&t).await);
    // Node 2: its own pool and hub, listening on its own connection.
    let node2 = Database::connect(&t.url, &PoolSettings::default()).unwrap();
    let hub = EventHub::new(node2, HubSettings::default());
    let mut sub_a = hub.subscribe(a);
    let mut sub_b = hub.subscribe(b);
    // The listener connects asynchronously; keep appending until the first event arrives.
    // (When it connects it tells subscribers to catch up from the log: `Lagged`.)
    let mut first = None;
    'outer: for n in 0..50 {
        append(&t.db, a, vec![new_event(n)]).await;
        while let Ok(item) = tokio::time::timeout(Duration::from_millis(200), sub_a.next()).await {
            match item {
                FeedItem::Event(e) => {
                    first = Some(e);
                    break 'outer;
                }
                FeedItem::Lagged => {}
                FeedItem::Closed => panic!("closed"),
            }
        }
    }
    let first = first.expect("the hub never delivered");
    // From here on, every event arrives in order and exactly once.
    let ids = append(&t.db, a, vec![new_event(100), new_event(101)]).await;
    let more = append(&t.db, a, vec![new_event(102)]).await;
    let mut got = Vec::new();
    while got.len() < 3 {
        match next_within(&mut sub_a, 10).await {
            FeedItem::Event(e) if e.id > first.id => got.push(e.id),
            FeedItem::Event(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let newest = *more.last().unwrap();
    assert_eq!(got, [ids[0], ids[1], newest]);
    // Clinic B's subscription saw none of A's events (only, at most, the listener's catch-up).
    while let Ok(item) = tokio::time::timeout(Duration::from_millis(300), sub_b.next()).await {
        assert_eq!(
            item,
            FeedItem::Lagged,
            "clinic B must see none of A's events"
        );
    }
    // Closing the hub ends every subscription.
    hub.close();
    assert_eq!(next_within(&mut sub_b, 5).await, FeedItem::Closed);
}

/// Waits until `hub` delivers one of `company`'s events (the listener connects asynchronously).
async fn until_live(
    t: &TestDb,
    hub: &EventHub,
    sub: &mut Box<dyn Subscription>,
    company: CompanyId,
) -> i64 {
    for n in 0..50 {
        append(&t.db, company, vec![new_event(n)]).await;
        while let Ok(item) = tokio::time::timeout(Duration::from_millis(200), sub.next()).await {
            match item {
                FeedItem::Event(e) => return e.id,
                FeedItem::Lagged => {}
                FeedItem::Closed => panic!("closed"),
            }
        }
    }
    let _ = hub;
    panic!("the hub never delivered")
}

#[tokio::test]
async fn events_that_fit_in_the_notification_reach_streams_without_a_log_read_and_large_ones_are_read()
 {
    let t = TestDb::new().await;
    let a = clinic(&t).await;
    let node2 = Database::connect(&t.url, &PoolSettings::default()).unwrap();
    let hub = EventHub::new(node2, HubSettings::default());
    let mut sub = hub.subscribe(a);
    let live = until_live(&t, &hub, &mut sub, a).await;
    let (carried_before, reads_before) = hub.deliveries();
    // Small batches: carried by their notifications.
    let mut expected = Vec::new();
    for n in 0..5 {
        expected.extend(append(&t.db, a, vec![new_event(n), new_event(n + 10)]).await);
    }
    let mut got = Vec::new();
    while got.len() < expected.len() {
        match next_within(&mut sub, 10).await {
            FeedItem::Event(e) if e.id > live => {
                assert_eq!(e.kind, EventKind::MessageCreated);
                assert!(e.payload["n"].is_i64(), "{:?}", e.payload);
                got.push(e.id);
            }
            FeedItem::Event(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, expected, "in order, exactly once");
    let (carried, reads) = hub.deliveries();
    assert_eq!(
        carried - carried_before,
        5,
        "each notification carried its events"
    );
    assert_eq!(reads, reads_before, "no log read was needed");
    // A batch too large for a notification (PostgreSQL's payload limit is 8,000 bytes): the
    // hub reads it from the log, still in order and exactly once.
    let big: Vec<NewEvent> = (0..3)
        .map(|n| NewEvent {
            payload: json!({ "n": n, "text": "x".repeat(4_000) }),
            ..new_event(n)
        })
        .collect();
    let ids = append(&t.db, a, big).await;
    let mut got = Vec::new();
    while got.len() < ids.len() {
        match next_within(&mut sub, 10).await {
            FeedItem::Event(e) => {
                assert_eq!(e.payload["text"].as_str().map(str::len), Some(4_000));
                got.push(e.id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, ids);
    assert!(
        hub.deliveries().1 > reads,
        "the large batch was read from the log"
    );
    hub.close();
}
