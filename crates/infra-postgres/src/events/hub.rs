//! The node's live feed: one LISTEN connection per node, one log read per clinic and wake-up,
//! fanned out to every stream of that clinic on this node through a bounded broadcast buffer.

use super::{CHANNEL, read_after};
use crate::pool::Database;
use crate::tenant::TenantScope;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use domain::CompanyId;
use domain::events::Event;
use domain::ports::events::{EventFeed, FeedItem, Subscription};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Events read from the log per round trip when the hub catches up.
const FETCH_PAGE: u32 = 500;

/// Hub tuning.
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// Events buffered per clinic on this node; a stream further behind than this catches up
    /// from the log instead (memory stays bounded whatever the clients do).
    pub buffer: usize,
    /// How often the hub re-reads the log of clinics with streams even without a notification
    /// (notifications are lost while the listener reconnects).
    pub safety_poll: Duration,
}

impl Default for HubSettings {
    fn default() -> Self {
        Self {
            buffer: 256,
            safety_poll: Duration::from_secs(15),
        }
    }
}

/// What a clinic's broadcast carries.
#[derive(Debug, Clone)]
enum HubItem {
    /// The next committed event.
    Event(Arc<Event>),
    /// The hub cannot tell what its subscribers missed (it started, or reconnected, without
    /// knowing the last id each one saw): every subscriber reads the log from its own last id.
    CatchUp,
}

/// One clinic's fan-out on this node.
struct Channel {
    tx: broadcast::Sender<HubItem>,
    /// The last id broadcast (None until the first wake-up tells where to start).
    delivered: Option<i64>,
    /// A fetch task runs for this clinic; `again` asks it for one more pass.
    fetching: bool,
    again: bool,
}

struct Inner {
    db: Database,
    settings: HubSettings,
    channels: Mutex<HashMap<CompanyId, Channel>>,
    closed: watch::Sender<bool>,
    listening: AtomicBool,
    /// Notifications whose carried events were broadcast without a log read.
    carried: AtomicU64,
    /// Reads of the log by the hub.
    reads: AtomicU64,
}

/// The node's [`EventFeed`]. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").finish_non_exhaustive()
    }
}

impl EventHub {
    /// A hub reading the log through `db`; it starts listening at the first subscription.
    #[must_use]
    pub fn new(db: Database, settings: HubSettings) -> Self {
        let (closed, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                db,
                settings,
                channels: Mutex::new(HashMap::new()),
                closed,
                listening: AtomicBool::new(false),
                carried: AtomicU64::new(0),
                reads: AtomicU64::new(0),
            }),
        }
    }

    /// Starts the listener task on first use: one connection of its own (outside the pool),
    /// reconnected after a failure, ending when the hub is closed.
    fn ensure_listener(&self) {
        if !self.inner.listening.swap(true, Ordering::AcqRel) {
            let hub = self.clone();
            tokio::spawn(async move { hub.listen().await });
        }
    }

    /// Ends every subscription with [`FeedItem::Closed`] (graceful shutdown) and stops the
    /// listener.
    pub fn close(&self) {
        let _ = self.inner.closed.send(true);
        self.lock().clear();
    }

    /// How the hub has learnt of events so far: (notifications whose carried events it
    /// broadcast directly, reads of the log).
    #[must_use]
    pub fn deliveries(&self) -> (u64, u64) {
        (
            self.inner.carried.load(Ordering::Relaxed),
            self.inner.reads.load(Ordering::Relaxed),
        )
    }

    /// Clinics with at least one stream on this node.
    #[must_use]
    pub fn subscribed_clinics(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CompanyId, Channel>> {
        self.inner
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn listen(&self) {
        let mut closed = self.inner.closed.subscribe();
        let mut conn: Option<AsyncPgConnection> = None;
        while !*closed.borrow() {
            if conn.is_none() {
                conn = self.connect().await;
                // Whatever committed while no listener was up reaches the streams now.
                self.wake_all();
                if conn.is_none() {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = closed.changed() => {}
                    }
                    continue;
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            let lost = {
                let stream = c.notifications_stream();
                tokio::pin!(stream);
                let mut lost = false;
                loop {
                    tokio::select! {
                        n = tokio::time::timeout(self.inner.settings.safety_poll, stream.next()) => match n {
                            Ok(Some(Ok(n))) => self.on_notification(&n.payload),
                            Ok(Some(Err(e))) => {
                                tracing::warn!(error = %e, "event listener lost its connection");
                                lost = true;
                                break;
                            }
                            Ok(None) => { lost = true; break; }
                            Err(_) => self.wake_all(),
                        },
                        _ = closed.changed() => break,
                    }
                }
                lost
            };
            if lost {
                conn = None;
            }
        }
    }

    fn on_notification(&self, payload: &str) {
        let Some((company, first, last, carried)) = super::parse_notification(payload) else {
            return;
        };
        let delivered =
            carried.is_some_and(|events| self.deliver_carried(company, first, last, events));
        if !delivered {
            self.wake(company, Some(first));
        }
    }

    /// Broadcasts the events a notification carried when they are exactly the next ones for the
    /// clinic's streams on this node (no log read); false when they are not (a gap: the hub
    /// reads the log instead). Notifications arrive in commit order and a clinic's ids are dense
    /// in commit order, so a notification that starts right after the last id delivered holds
    /// everything up to its own last id.
    fn deliver_carried(
        &self,
        company: CompanyId,
        first: i64,
        last: i64,
        events: Vec<Event>,
    ) -> bool {
        let mut channels = self.lock();
        let Some(ch) = channels.get_mut(&company) else {
            // No stream of this clinic on this node.
            return true;
        };
        if ch.tx.receiver_count() == 0 {
            channels.remove(&company);
            return true;
        }
        let next = ch.delivered.map_or(first, |d| d + 1);
        if ch.delivered.is_some_and(|d| d >= last) {
            // Already delivered (a log read got there first).
            return true;
        }
        if next != first {
            return false;
        }
        for e in events {
            let _ = ch.tx.send(HubItem::Event(Arc::new(e)));
        }
        ch.delivered = Some(last);
        self.inner.carried.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn wake_all(&self) {
        let companies: Vec<CompanyId> = self.lock().keys().copied().collect();
        for company in companies {
            self.wake(company, None);
        }
    }

    /// Something was committed for `company` (from id `first`, when known): read it once for
    /// every stream of the clinic on this node.
    fn wake(&self, company: CompanyId, first: Option<i64>) {
        let start = {
            let mut channels = self.lock();
            let Some(ch) = channels.get_mut(&company) else {
                return;
            };
            if ch.tx.receiver_count() == 0 {
                channels.remove(&company);
                return;
            }
            if ch.delivered.is_none() {
                ch.delivered = first.map(|f| f - 1);
            }
            if ch.fetching {
                ch.again = true;
                false
            } else {
                ch.fetching = true;
                true
            }
        };
        if start {
            let hub = self.clone();
            tokio::spawn(async move { hub.fetch(company).await });
        }
    }

    /// Reads the clinic's new events and broadcasts them, until nothing new is left.
    async fn fetch(&self, company: CompanyId) {
        loop {
            let from = {
                let mut channels = self.lock();
                let Some(ch) = channels.get_mut(&company) else {
                    return;
                };
                ch.again = false;
                ch.delivered
            };
            let read = match from {
                Some(after) => self.read(company, after).await.map(Some),
                // A wake-up without a notification before the hub knew where to start (its
                // listener just connected): start at the newest id and have every subscriber read
                // what it may have missed from the log itself.
                None => self.newest(company).await.map(|n| {
                    let mut channels = self.lock();
                    if let Some(ch) = channels.get_mut(&company)
                        && ch.delivered.is_none()
                    {
                        ch.delivered = Some(n);
                        let _ = ch.tx.send(HubItem::CatchUp);
                    }
                    None
                }),
            };
            let more = match read {
                Ok(Some(events)) => self.broadcast(company, events),
                Ok(None) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "event hub could not read the log");
                    false
                }
            };
            let mut channels = self.lock();
            let Some(ch) = channels.get_mut(&company) else {
                return;
            };
            if !more && !ch.again {
                ch.fetching = false;
                return;
            }
        }
    }

    /// Broadcasts `events` in order; says whether a full page was read (more may follow).
    fn broadcast(&self, company: CompanyId, events: Vec<Event>) -> bool {
        let full = events.len() >= FETCH_PAGE as usize;
        let mut channels = self.lock();
        let Some(ch) = channels.get_mut(&company) else {
            return false;
        };
        for e in events {
            if ch.delivered.is_some_and(|d| e.id <= d) {
                continue;
            }
            ch.delivered = Some(e.id);
            // No receivers left: the next wake-up removes the channel.
            let _ = ch.tx.send(HubItem::Event(Arc::new(e)));
        }
        full
    }

    async fn read(&self, company: CompanyId, after: i64) -> anyhow::Result<Vec<Event>> {
        self.inner.reads.fetch_add(1, Ordering::Relaxed);
        self.inner
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    Ok::<_, anyhow::Error>(read_after(conn, company, after, FETCH_PAGE).await?)
                })
            })
            .await
    }

    async fn newest(&self, company: CompanyId) -> anyhow::Result<i64> {
        use domain::ports::events::EventLog;
        Ok(super::PgEventLog::new(self.inner.db.clone())
            .bounds(company)
            .await?
            .newest)
    }
}

impl EventHub {
    async fn connect(&self) -> Option<AsyncPgConnection> {
        connect(&self.inner.db).await
    }
}

async fn connect(db: &Database) -> Option<AsyncPgConnection> {
    match db.dedicated().await {
        Ok(mut c) => match c.batch_execute(&format!("LISTEN {CHANNEL}")).await {
            Ok(()) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "event listener could not LISTEN");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "event listener could not connect");
            None
        }
    }
}

impl EventFeed for EventHub {
    fn subscribe(&self, company: CompanyId) -> Box<dyn Subscription> {
        let closed = self.inner.closed.subscribe();
        if *closed.borrow() {
            return Box::new(HubSubscription { rx: None, closed });
        }
        self.ensure_listener();
        let buffer = self.inner.settings.buffer.max(1);
        let rx = self
            .lock()
            .entry(company)
            .or_insert_with(|| Channel {
                tx: broadcast::channel(buffer).0,
                delivered: None,
                fetching: false,
                again: false,
            })
            .tx
            .subscribe();
        Box::new(HubSubscription {
            rx: Some(rx),
            closed,
        })
    }
}

/// One stream's place in a clinic's broadcast.
struct HubSubscription {
    rx: Option<broadcast::Receiver<HubItem>>,
    closed: watch::Receiver<bool>,
}

#[async_trait::async_trait]
impl Subscription for HubSubscription {
    async fn next(&mut self) -> FeedItem {
        let Some(rx) = self.rx.as_mut() else {
            return FeedItem::Closed;
        };
        if *self.closed.borrow() {
            return FeedItem::Closed;
        }
        tokio::select! {
            r = rx.recv() => match r {
                Ok(HubItem::Event(e)) => FeedItem::Event(e),
                Ok(HubItem::CatchUp) => FeedItem::Lagged,
                Err(broadcast::error::RecvError::Lagged(_)) => FeedItem::Lagged,
                Err(broadcast::error::RecvError::Closed) => FeedItem::Closed,
            },
            _ = self.closed.changed() => FeedItem::Closed,
        }
    }
}
