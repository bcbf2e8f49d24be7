#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::Utc;
use domain::UserId;
use domain::ports::events::{LogBounds, MockEventFeed, MockEventLog};
use serde_json::json;
use std::sync::Mutex;

/// A subscription that yields scripted items, then `Closed`.
struct Scripted(VecDeque<FeedItem>);

#[async_trait::async_trait]
impl Subscription for Scripted {
    async fn next(&mut self) -> FeedItem {
        self.0.pop_front().unwrap_or(FeedItem::Closed)
    }
}

fn event(id: i64, kind: EventKind, conversation: Option<ConversationId>) -> Event {
    Event {
        id,
        kind,
        conversation_id: conversation,
        payload: json!({ "n": id }),
        created_at: Utc::now(),
    }
}

fn live(e: &Event) -> FeedItem {
    FeedItem::Event(Arc::new(e.clone()))
}

/// A log over `events` (ids `oldest..=newest` retained) read through the port's contract.
fn log_of(events: Vec<Event>, newest: i64) -> MockEventLog {
    let events = Arc::new(events);
    let mut log = MockEventLog::new();
    let stored = Arc::clone(&events);
    log.expect_after().returning(move |_, after, limit| {
        Ok(stored
            .iter()
            .filter(|e| e.id > after)
            .take(limit as usize)
            .cloned()
            .collect())
    });
    let oldest = events.first().map(|e| e.id);
    log.expect_bounds().returning(move |_| {
        Ok(LogBounds {
            newest,
            oldest_retained: oldest,
        })
    });
    log
}

fn feed_of(items: Vec<FeedItem>) -> MockEventFeed {
    let items = Mutex::new(Some(items));
    let mut feed = MockEventFeed::new();
    feed.expect_subscribe().times(1).returning(move |_| {
        let items = items.lock().unwrap().take().unwrap_or_default();
        Box::new(Scripted(items.into()))
    });
    feed
}

fn streams(log: MockEventLog, feed: MockEventFeed) -> EventStreams {
    EventStreams::new(Arc::new(log), Arc::new(feed), StreamLimits::default())
}

fn member() -> StreamOwner {
    StreamOwner::Member(UserId::new())
}

async fn drain(stream: &mut EventStream) -> Vec<StreamItem> {
    let mut out = Vec::new();
    loop {
        let item = stream.next().await.unwrap();
        if item == StreamItem::End {
            return out;
        }
        out.push(item);
    }
}

fn ids(items: &[StreamItem]) -> Vec<i64> {
    items
        .iter()
        .map(|i| match i {
            StreamItem::Event(e) => e.id,
            StreamItem::Reset { newest } => -newest,
            StreamItem::End => 0,
        })
        .collect()
}

#[tokio::test]
async fn a_reconnect_replays_what_it_missed_then_follows_the_feed_without_duplicates() {
    let company = CompanyId::new();
    let all: Vec<Event> = (1..=7)
        .map(|i| event(i, EventKind::MessageCreated, None))
        .collect();
    // The log holds 1..=5 when the stream opens; 5 and 6 also arrive live (5 twice), then 7.
    let log = log_of(all[..5].to_vec(), 5);
    let feed = feed_of(vec![
        live(&all[4]),
        live(&all[5]),
        live(&all[4]),
        live(&all[6]),
    ]);
    let mut s = streams(log, feed)
        .open(
            company,
            member(),
            StreamRequest {
                last_event_id: Some(2),
                ..StreamRequest::default()
            },
        )
        .await
        .unwrap();
    let got = drain(&mut s).await;
    assert_eq!(ids(&got), [3, 4, 5, 6, 7]);
    assert_eq!(s.last_id(), 7);
}

#[tokio::test]
async fn without_a_last_id_only_new_events_are_sent() {
    let all: Vec<Event> = (1..=4)
        .map(|i| event(i, EventKind::MessageStatus, None))
        .collect();
    let log = log_of(all[..3].to_vec(), 3);
    let feed = feed_of(vec![live(&all[3])]);
    let mut s = streams(log, feed)
        .open(CompanyId::new(), member(), StreamRequest::default())
        .await
        .unwrap();
    assert_eq!(ids(&drain(&mut s).await), [4]);
}

#[tokio::test]
async fn a_gap_in_the_feed_is_read_from_the_log_in_order() {
    let all: Vec<Event> = (1..=6)
        .map(|i| event(i, EventKind::ConversationUpdated, None))
        .collect();
    // Opened at 2; the feed skips 3 and 4 (committed before this node's buffer caught them).
    let log = log_of(all.clone(), 6);
    let feed = feed_of(vec![live(&all[4]), live(&all[5])]);
    let mut s = streams(log, feed)
        .open(
            CompanyId::new(),
            member(),
            StreamRequest {
                last_event_id: Some(2),
                ..StreamRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&drain(&mut s).await), [3, 4, 5, 6]);
}

#[tokio::test]
async fn a_lagging_subscriber_catches_up_from_the_log() {
    let all: Vec<Event> = (1..=5)
        .map(|i| event(i, EventKind::MessageCreated, None))
        .collect();
    // The log already holds 2..=5, but the bounds at open say 1 (they were read first).
    let log = log_of(all.clone(), 1);
    let feed = feed_of(vec![live(&all[1]), FeedItem::Lagged]);
    let mut s = streams(log, feed)
        .open(CompanyId::new(), member(), StreamRequest::default())
        .await
        .unwrap();
    assert_eq!(ids(&drain(&mut s).await), [2, 3, 4, 5]);
}

#[tokio::test]
async fn an_id_older_than_retention_or_from_the_future_gets_a_reset_then_live_events() {
    let all: Vec<Event> = (1..=12)
        .map(|i| event(i, EventKind::MessageCreated, None))
        .collect();
    for last in [3, 99, -4] {
        // Retention kept 8..=10.
        let log = log_of(all[7..10].to_vec(), 10);
        let feed = feed_of(vec![live(&all[10]), live(&all[11])]);
        let mut s = streams(log, feed)
            .open(
                CompanyId::new(),
                member(),
                StreamRequest {
                    last_event_id: Some(last),
                    ..StreamRequest::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(ids(&drain(&mut s).await), [-10, 11, 12], "last id {last}");
    }
}

#[tokio::test]
async fn filters_pass_only_the_asked_conversation_and_kinds_but_advance_the_cursor() {
    let c = ConversationId::new();
    let all = vec![
        event(1, EventKind::MessageCreated, Some(c)),
        event(2, EventKind::MessageCreated, Some(ConversationId::new())),
        event(3, EventKind::MessageStatus, Some(c)),
        event(4, EventKind::ClientCreated, None),
        event(5, EventKind::MessageCreated, Some(c)),
    ];
    let log = log_of(all.clone(), 5);
    let feed = feed_of(vec![]);
    let mut s = streams(log, feed)
        .open(
            CompanyId::new(),
            member(),
            StreamRequest {
                last_event_id: Some(0),
                conversation_id: Some(c),
                kinds: Some(vec![EventKind::MessageCreated]),
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&drain(&mut s).await), [1, 5]);
    assert_eq!(s.last_id(), 5);
}

#[tokio::test]
async fn streams_are_capped_per_caller_and_per_clinic_and_freed_when_dropped() {
    let company = CompanyId::new();
    let mut log = MockEventLog::new();
    log.expect_bounds().returning(|_| Ok(LogBounds::default()));
    let mut feed = MockEventFeed::new();
    feed.expect_subscribe()
        .returning(|_| Box::new(Scripted(VecDeque::new())));
    let streams = EventStreams::new(
        Arc::new(log),
        Arc::new(feed),
        StreamLimits {
            per_caller: 2,
            per_clinic: 3,
        },
    );
    let (a, b) = (member(), member());
    let a1 = streams
        .open(company, a, StreamRequest::default())
        .await
        .unwrap();
    let _a2 = streams
        .open(company, a, StreamRequest::default())
        .await
        .unwrap();
    assert!(matches!(
        streams.open(company, a, StreamRequest::default()).await,
        Err(OpenStreamError::TooManyForCaller)
    ));
    let _b1 = streams
        .open(company, b, StreamRequest::default())
        .await
        .unwrap();
    assert!(matches!(
        streams.open(company, b, StreamRequest::default()).await,
        Err(OpenStreamError::TooManyForClinic)
    ));
    // Another clinic is not affected.
    let _other = streams
        .open(CompanyId::new(), b, StreamRequest::default())
        .await
        .unwrap();
    assert_eq!(streams.open_count(), 4);
    drop(a1);
    assert_eq!(streams.open_count(), 3);
    let _a3 = streams
        .open(company, a, StreamRequest::default())
        .await
        .unwrap();
}
