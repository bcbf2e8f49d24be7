//! `GET /api/events`: a clinic's live event stream that loses nothing on reconnect.
//!
//! A stream subscribes to the node's live feed first, then replays the stored log after the
//! client's `Last-Event-ID`, then follows the feed. The log is the truth: whenever the feed skips
//! ids (events committed before the subscription, a subscriber that fell behind the node's
//! buffer) the stream reads the gap from the log, so every event reaches the client once and in
//! id order. Only when the events the client needs were deleted by retention (or the id is not
//! one this clinic issued) does it send a `reset`, telling the client to re-read its views.
//! Memory per stream is bounded: the feed's buffer is shared per clinic and node, and the log is
//! read a page at a time, as fast as the client consumes.

mod limits;
#[cfg(test)]
mod tests;

pub use limits::{StreamLimits, StreamOwner};

use domain::events::{Event, EventKind};
use domain::ports::events::{EventFeed, EventLog, FeedItem, Subscription};
use domain::{CompanyId, ConversationId};
use std::collections::VecDeque;
use std::sync::Arc;

use limits::{OpenStreams, StreamSlot};

/// Events read from the log per round trip while replaying.
pub const REPLAY_PAGE: u32 = 200;

/// What a client asks of its stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRequest {
    /// The id of the last event the client received (`Last-Event-ID`): the stream starts after
    /// it. `None`: only events committed from now on.
    pub last_event_id: Option<i64>,
    /// Only events of this conversation.
    pub conversation_id: Option<ConversationId>,
    /// Only these kinds (`None`: every kind).
    pub kinds: Option<Vec<EventKind>>,
}

/// What a stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// The next event, in id order.
    Event(Arc<Event>),
    /// Events the client needs are gone (retention) or its id is unknown: re-read every view;
    /// the stream continues after `newest`, which the client should remember as its last id.
    Reset {
        /// The newest id at the time of the reset.
        newest: i64,
    },
    /// The node is shutting down; reconnect (to any node) with the last id.
    End,
}

/// Why a stream was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenStreamError {
    /// The caller already holds as many streams as allowed.
    #[error("too many streams for this member or token")]
    TooManyForCaller,
    /// The clinic already holds as many streams as allowed on this node.
    #[error("too many streams for this clinic")]
    TooManyForClinic,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Opens event streams (one per node, shared by every request).
pub struct EventStreams {
    log: Arc<dyn EventLog>,
    feed: Arc<dyn EventFeed>,
    open: Arc<OpenStreams>,
}

impl EventStreams {
    /// Streams over `log` and `feed`, capped by `limits`.
    #[must_use]
    pub fn new(log: Arc<dyn EventLog>, feed: Arc<dyn EventFeed>, limits: StreamLimits) -> Self {
        Self {
            log,
            feed,
            open: Arc::new(OpenStreams::new(limits)),
        }
    }

    /// How many streams are open on this node.
    #[must_use]
    pub fn open_count(&self) -> u64 {
        self.open.total()
    }

    /// Opens a stream of `company`'s events for `owner`.
    ///
    /// # Errors
    /// [`OpenStreamError::TooManyForCaller`] / [`OpenStreamError::TooManyForClinic`] over the
    /// caps; `Unknown` when the log cannot be read.
    pub async fn open(
        &self,
        company: CompanyId,
        owner: StreamOwner,
        request: StreamRequest,
    ) -> Result<EventStream, OpenStreamError> {
        let slot = self.open.take(company, owner)?;
        // Subscribe before reading the bounds: whatever commits from here on reaches the feed.
        let subscription = self.feed.subscribe(company);
        let bounds = self.log.bounds(company).await?;
        let mut stream = EventStream {
            company,
            log: Arc::clone(&self.log),
            subscription,
            request: Filter::from(&request),
            cursor: bounds.newest,
            replaying: false,
            pending: VecDeque::new(),
            _slot: slot,
        };
        if let Some(last) = request.last_event_id {
            // Unknown (not issued yet, or not an id at all), or what follows it was deleted.
            let unknown = last > bounds.newest || last < 0;
            let pruned =
                last < bounds.newest && bounds.oldest_retained.is_none_or(|o| o > last + 1);
            if unknown || pruned {
                stream.pending_reset();
            } else {
                stream.cursor = last;
                stream.replaying = true;
            }
        }
        Ok(stream)
    }
}

/// The filters of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Filter {
    conversation_id: Option<ConversationId>,
    kinds: Option<Vec<EventKind>>,
}

impl From<&StreamRequest> for Filter {
    fn from(r: &StreamRequest) -> Self {
        Self {
            conversation_id: r.conversation_id,
            kinds: r.kinds.clone(),
        }
    }
}

impl Filter {
    fn admits(&self, e: &Event) -> bool {
        self.conversation_id
            .is_none_or(|c| e.conversation_id == Some(c))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&e.kind))
    }
}

/// What the stream will hand out next.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Event(Arc<Event>),
    Reset(i64),
}

/// One open stream. Dropping it frees its slot.
pub struct EventStream {
    company: CompanyId,
    log: Arc<dyn EventLog>,
    subscription: Box<dyn Subscription>,
    request: Filter,
    /// Every event up to this id has been handed out (or filtered away).
    cursor: i64,
    /// Reading the log after `cursor` until it is exhausted, then back to the feed.
    replaying: bool,
    pending: VecDeque<Pending>,
    _slot: StreamSlot,
}

impl EventStream {
    /// The id of the last event handed out (or passed over by the filters).
    #[must_use]
    pub fn last_id(&self) -> i64 {
        self.cursor
    }

    fn pending_reset(&mut self) {
        self.pending.push_back(Pending::Reset(self.cursor));
        self.replaying = false;
    }

    /// The next item. Cancel-safe: dropping the future before it resolves loses nothing.
    ///
    /// # Errors
    /// When the log cannot be read (the stream should end; the client reconnects).
    pub async fn next(&mut self) -> anyhow::Result<StreamItem> {
        loop {
            match self.pending.pop_front() {
                Some(Pending::Reset(newest)) => return Ok(StreamItem::Reset { newest }),
                Some(Pending::Event(e)) if self.request.admits(&e) => {
                    return Ok(StreamItem::Event(e));
                }
                Some(Pending::Event(_)) => continue,
                None => {}
            }
            if self.replaying {
                self.replay_page().await?;
                continue;
            }
            match self.subscription.next().await {
                FeedItem::Event(e) if e.id <= self.cursor => {}
                FeedItem::Event(e) if e.id == self.cursor + 1 => {
                    self.cursor = e.id;
                    self.pending.push_back(Pending::Event(e));
                }
                // A gap, or a subscriber that fell behind: the log has what was skipped.
                FeedItem::Event(_) | FeedItem::Lagged => self.replaying = true,
                FeedItem::Closed => return Ok(StreamItem::End),
            }
        }
    }

    /// Reads one page of the log after the cursor; ends the replay when it is exhausted.
    async fn replay_page(&mut self) -> anyhow::Result<()> {
        let page = self
            .log
            .after(self.company, self.cursor, REPLAY_PAGE)
            .await?;
        let Some(first) = page.first() else {
            self.replaying = false;
            return Ok(());
        };
        if first.id != self.cursor + 1 {
            // Retention deleted what the client still needed.
            let bounds = self.log.bounds(self.company).await?;
            self.cursor = bounds.newest;
            self.pending_reset();
            return Ok(());
        }
        let full = page.len() >= REPLAY_PAGE as usize;
        for e in page {
            self.cursor = e.id;
            self.pending.push_back(Pending::Event(Arc::new(e)));
        }
        self.replaying = full;
        Ok(())
    }
}
