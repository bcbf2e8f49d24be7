//! `POST /api/conversations/{id}/read`.

use super::Conversations;
use domain::conversations::Conversation;
use domain::{CompanyId, ConversationId, UserId};

/// Why a conversation could not be marked read.
#[derive(Debug, thiserror::Error)]
pub enum MarkReadError {
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Conversations {
    /// Sets the unread count to 0 and records who read it and when.
    ///
    /// # Errors
    /// [`MarkReadError::NotFound`] for an id that is not this clinic's.
    pub async fn mark_read(
        &self,
        company: CompanyId,
        id: ConversationId,
        by: Option<UserId>,
    ) -> Result<Conversation, MarkReadError> {
        self.repo
            .mark_read(company, id, by, self.clock.now())
            .await?
            .ok_or(MarkReadError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, no_notes, t0, thread};
    use super::*;
    use domain::ClientId;
    use domain::ports::conversations::MockConversationRepository;
    use std::sync::Arc;

    #[tokio::test]
    async fn marking_read_records_the_reader_and_the_time() {
        let by = UserId::new();
        let mut read = thread(ClientId::new(), t0());
        read.last_read_by = Some(by);
        read.last_read_at = Some(t0());
        let id = read.id;
        let mut repo = MockConversationRepository::new();
        repo.expect_mark_read()
            .withf(move |_, i, b, at| *i == id && *b == Some(by) && *at == t0())
            .times(1)
            .returning(move |_, _, _, _| Ok(Some(read.clone())));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let c = uc.mark_read(CompanyId::new(), id, Some(by)).await.unwrap();
        assert_eq!(c.unread_count, 0);
        assert_eq!(c.last_read_by, Some(by));
    }
}
