//! Storage of internal notes on conversations.

use crate::CompanyId;
use crate::notes::{NewNote, Note};
use async_trait::async_trait;

/// The clinic's internal notes. Every method runs in one transaction scoped to `company` (RLS).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NoteRepository: Send + Sync {
    /// Stores a note on a thread of the clinic (active or closed) and, in the same transaction,
    /// appends its `note.created` event. The thread itself is not touched (no unread count, no
    /// last message, no outbox job). `None` when the thread is not this clinic's.
    ///
    /// # Errors
    /// When the store fails.
    async fn add(&self, company: CompanyId, note: NewNote) -> anyhow::Result<Option<Note>>;
}
