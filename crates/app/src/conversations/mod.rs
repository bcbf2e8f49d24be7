//! Conversation threads and messages: start (with the reopen window), close, list, read the
//! history (with the internal notes of each page), record a message, mark read, add a note.
//!
//! [`Conversations`] holds the two ports these use cases need; each use case is a method with
//! its own error enum.

mod close;
mod list;
mod notes;
mod read;
mod record;
mod start;

pub use close::CloseConversationError;
pub use list::{ConversationPage, ConversationView, HistoryPage, ViewConversationError};
pub use notes::AddNoteError;
pub use read::MarkReadError;
pub use record::{RecordInteraction, RecordInteractionError, Recorded};
pub use start::{StartConversationError, Started};

use domain::ports::clock::Clock;
use domain::ports::conversations::ConversationRepository;
use domain::ports::notes::NoteRepository;
use std::sync::Arc;

/// The conversation use cases.
#[derive(Clone)]
pub struct Conversations {
    repo: Arc<dyn ConversationRepository>,
    notes: Arc<dyn NoteRepository>,
    clock: Arc<dyn Clock>,
}

impl Conversations {
    /// Builds the use cases over their ports.
    #[must_use]
    pub fn new(
        repo: Arc<dyn ConversationRepository>,
        notes: Arc<dyn NoteRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { repo, notes, clock }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used)]
    use chrono::{DateTime, TimeZone, Utc};
    use domain::conversations::{Conversation, ThreadStatus};
    use domain::ports::clock::MockClock;
    use domain::ports::notes::MockNoteRepository;
    use domain::{Channel, ClientId, ConversationId};

    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 9, 30, 0).unwrap()
    }

    /// A note port that must not be used.
    pub fn no_notes() -> std::sync::Arc<MockNoteRepository> {
        std::sync::Arc::new(MockNoteRepository::new())
    }

    pub fn clock_at(now: DateTime<Utc>) -> MockClock {
        let mut c = MockClock::new();
        c.expect_now().return_const(now);
        c
    }

    pub fn thread(client: ClientId, started_at: DateTime<Utc>) -> Conversation {
        Conversation {
            id: ConversationId::new(),
            client_id: client,
            status: ThreadStatus::Active,
            channel: Channel::Whatsapp,
            last_inbound_channel: None,
            started_at,
            ended_at: None,
            close_reason: None,
            closed_by: None,
            last_message_at: None,
            last_inbound_at: None,
            unread_count: 0,
            last_read_at: None,
            last_read_by: None,
            last_message: None,
        }
    }
}
