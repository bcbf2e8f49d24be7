//! Threads.

use crate::{Channel, ClientId, ConversationId, InteractionId, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeliveryStatus, Direction};

/// Whether a thread is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    /// The patient's current thread (at most one per patient).
    Active,
    /// Ended; kept for history.
    Closed,
}

impl ThreadStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }
}

/// The last message of a thread, kept on the thread for the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastMessage {
    /// The message.
    pub interaction_id: InteractionId,
    /// Up to 120 characters of its text.
    pub snippet: Option<String>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Its delivery status.
    pub status: DeliveryStatus,
}

/// A conversation thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The patient.
    pub client_id: ClientId,
    /// Active or closed.
    pub status: ThreadStatus,
    /// The channel of the last message (or the one it was started on).
    pub channel: Channel,
    /// The channel of the last inbound message, where replies go by default.
    pub last_inbound_channel: Option<Channel>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it was closed.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was closed (`window_expired`, or the member's reason).
    pub close_reason: Option<String>,
    /// Who closed it (None for the system).
    pub closed_by: Option<UserId>,
    /// The newest message's time (never moves backwards).
    pub last_message_at: Option<DateTime<Utc>>,
    /// The newest inbound message's time.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// Inbound messages since the last read or reply (exact, uncapped).
    pub unread_count: u32,
    /// When a member last marked it read.
    pub last_read_at: Option<DateTime<Utc>>,
    /// Who last marked it read.
    pub last_read_by: Option<UserId>,
    /// The newest message, for the inbox.
    pub last_message: Option<LastMessage>,
}

impl Conversation {
    /// The time the reopen window is measured from: the last message, else the start.
    #[must_use]
    pub fn activity_at(&self) -> DateTime<Utc> {
        self.last_message_at.unwrap_or(self.started_at)
    }
}

/// What to do when a conversation is started for a patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReopenDecision {
    /// The active thread is within the window: use it.
    Reuse,
    /// The active thread's window has expired: close it, then open a new one.
    CloseAndOpen,
    /// There is no active thread: open one.
    Open,
}

/// The reopen rule: reuse the active thread while `now - activity_at <= window`.
#[must_use]
pub fn reopen_decision(
    active: Option<&Conversation>,
    now: DateTime<Utc>,
    window: Duration,
) -> ReopenDecision {
    match active {
        None => ReopenDecision::Open,
        Some(c) if now.signed_duration_since(c.activity_at()) <= window => ReopenDecision::Reuse,
        Some(_) => ReopenDecision::CloseAndOpen,
    }
}

/// Filters of the conversation list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// Only this patient's threads.
    pub client_id: Option<ClientId>,
    /// Only threads in this status.
    pub status: Option<ThreadStatus>,
    /// Only threads carrying this label (an id that is not the clinic's matches none).
    pub label: Option<crate::LabelId>,
}

/// A keyset position: the sort time and id of the last row of a page (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCursor {
    /// The row's sort time.
    pub at: DateTime<Utc>,
    /// The row's id (tie-breaker).
    pub id: Uuid,
}

/// The patient as shown beside a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSummary {
    /// Their id.
    pub id: ClientId,
    /// Their name, if known.
    pub name: Option<String>,
    /// Their phone (E.164), if known.
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn thread(started: DateTime<Utc>, last: Option<DateTime<Utc>>) -> Conversation {
        Conversation {
            id: ConversationId::new(),
            client_id: ClientId::new(),
            status: ThreadStatus::Active,
            channel: Channel::Whatsapp,
            last_inbound_channel: None,
            started_at: started,
            ended_at: None,
            close_reason: None,
            closed_by: None,
            last_message_at: last,
            last_inbound_at: None,
            unread_count: 0,
            last_read_at: None,
            last_read_by: None,
            last_message: None,
        }
    }

    #[test]
    fn the_window_is_measured_from_the_last_message_or_the_start() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let day = Duration::hours(24);
        assert_eq!(reopen_decision(None, t0, day), ReopenDecision::Open);
        let fresh = thread(t0, None);
        assert_eq!(
            reopen_decision(Some(&fresh), t0 + Duration::hours(24), day),
            ReopenDecision::Reuse
        );
        assert_eq!(
            reopen_decision(Some(&fresh), t0 + Duration::hours(25), day),
            ReopenDecision::CloseAndOpen
        );
        let talked = thread(t0, Some(t0 + Duration::hours(20)));
        assert_eq!(
            reopen_decision(Some(&talked), t0 + Duration::hours(40), day),
            ReopenDecision::Reuse
        );
        assert_eq!(
            reopen_decision(Some(&talked), t0 + Duration::hours(45), day),
            ReopenDecision::CloseAndOpen
        );
    }
}
