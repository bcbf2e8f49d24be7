//! `PATCH /api/conversations/{id}/close`.

use super::Conversations;
use domain::conversations::Conversation;
use domain::ports::conversations::{CloseOutcome, CloseRequest};
use domain::{CompanyId, ConversationId, UserId};

/// Why a conversation could not be closed.
#[derive(Debug, thiserror::Error)]
pub enum CloseConversationError {
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Conversations {
    /// Closes a thread (recording who and why) and queues the `conversation_closed` event in the
    /// same transaction. Closing a closed thread changes nothing and returns it as it is.
    /// Unread counts are never touched.
    ///
    /// # Errors
    /// [`CloseConversationError::NotFound`] for an id that is not this clinic's.
    pub async fn close(
        &self,
        company: CompanyId,
        id: ConversationId,
        reason: Option<String>,
        by: Option<UserId>,
    ) -> Result<Conversation, CloseConversationError> {
        let request = CloseRequest {
            reason,
            closed_by: by,
            at: self.clock.now(),
        };
        match self.repo.close(company, id, request).await? {
            CloseOutcome::Closed(c) | CloseOutcome::AlreadyClosed(c) => Ok(c),
            CloseOutcome::NotFound => Err(CloseConversationError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, no_notes, t0, thread};
    use super::*;
    use domain::ClientId;
    use domain::conversations::ThreadStatus;
    use domain::ports::conversations::MockConversationRepository;
    use std::sync::Arc;

    #[tokio::test]
    async fn closing_records_who_and_why_and_a_second_close_is_a_no_op() {
        let by = UserId::new();
        let mut closed = thread(ClientId::new(), t0());
        closed.status = ThreadStatus::Closed;
        closed.ended_at = Some(t0());
        let mut repo = MockConversationRepository::new();
        let (c1, c2) = (closed.clone(), closed.clone());
        let mut first = true;
        repo.expect_close()
            .withf(move |_, _, r| {
                r.reason.as_deref() == Some("resolved") && r.closed_by == Some(by) && r.at == t0()
            })
            .times(2)
            .returning(move |_, _, _| {
                let out = if first {
                    CloseOutcome::Closed(c1.clone())
                } else {
                    CloseOutcome::AlreadyClosed(c2.clone())
                };
                first = false;
                Ok(out)
            });
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let company = CompanyId::new();
        let a = uc
            .close(company, closed.id, Some("resolved".into()), Some(by))
            .await
            .unwrap();
        let b = uc
            .close(company, closed.id, Some("resolved".into()), Some(by))
            .await
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.status, ThreadStatus::Closed);
    }

    #[tokio::test]
    async fn another_clinics_conversation_is_not_found() {
        let mut repo = MockConversationRepository::new();
        repo.expect_close()
            .returning(|_, _, _| Ok(CloseOutcome::NotFound));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let err = uc
            .close(CompanyId::new(), ConversationId::new(), None, None)
            .await
            .unwrap_err();
        assert!(matches!(err, CloseConversationError::NotFound));
    }
}
