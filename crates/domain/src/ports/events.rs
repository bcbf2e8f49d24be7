//! The clinic's event log and its live feed (docs/events.md).

use crate::CompanyId;
use crate::events::Event;
use async_trait::async_trait;
use std::sync::Arc;

/// The ids a clinic's log holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogBounds {
    /// The newest id ever appended (0 when none): every id up to it has been committed.
    pub newest: i64,
    /// The oldest id still retained, if any event is (older ones were deleted by retention).
    pub oldest_retained: Option<i64>,
}

/// The stored event log of each clinic. Every method runs in one transaction scoped to
/// `company` (RLS), so it can only ever return that clinic's events.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventLog: Send + Sync {
    /// Up to `limit` events with an id greater than `after`, in id order.
    ///
    /// # Errors
    /// When the store fails.
    async fn after(&self, company: CompanyId, after: i64, limit: u32)
    -> anyhow::Result<Vec<Event>>;

    /// The newest id and the oldest retained one.
    ///
    /// # Errors
    /// When the store fails.
    async fn bounds(&self, company: CompanyId) -> anyhow::Result<LogBounds>;
}

/// What a live subscription yields.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedItem {
    /// The next event the node has seen committed for the clinic (ids may skip when events were
    /// committed before the subscription or missed: read the log for the gap).
    Event(Arc<Event>),
    /// Events may have been missed (the subscriber fell too far behind the node's buffer, or the
    /// node's listener was not connected): read the log from the last id seen.
    Lagged,
    /// The feed ended (the node is shutting down).
    Closed,
}

/// A live subscription to one clinic's events.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Subscription: Send {
    /// Waits for the next item. Cancel-safe: dropping the future loses nothing.
    async fn next(&mut self) -> FeedItem;
}

/// The node's live feed of committed events, fanned out from every node (PostgreSQL
/// `LISTEN/NOTIFY` wakes each node, which reads the new rows from the log once per clinic).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait EventFeed: Send + Sync {
    /// Subscribes to `company`'s events committed from now on.
    fn subscribe(&self, company: CompanyId) -> Box<dyn Subscription>;
}
