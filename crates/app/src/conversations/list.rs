//! `GET /api/conversations` and `GET /api/conversations/{id}`.

use super::Conversations;
use domain::conversations::{Conversation, ConversationFilter, Interaction, SortCursor};
use domain::page::Page;
use domain::{CompanyId, ConversationId};

/// A page of threads, newest activity first.
pub type ConversationPage = Page<Conversation, SortCursor>;

/// A page of a thread's messages, newest first by `occurred_at`.
pub type HistoryPage = Page<Interaction, SortCursor>;

/// A thread with its patient and a page of its history.
pub use domain::ports::conversations::ThreadView as ConversationView;

/// Why a conversation could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ViewConversationError {
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Conversations {
    /// Threads ordered by their last message (or start), newest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        company: CompanyId,
        filter: ConversationFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<ConversationPage> {
        self.repo.list(company, filter, after, limit).await
    }

    /// A thread, its patient, one page of its messages (newest first; the cursor pages to older
    /// ones) and the internal notes of that page's span of time, read in one unit of work.
    ///
    /// # Errors
    /// [`ViewConversationError::NotFound`] for an id that is not this clinic's.
    pub async fn view(
        &self,
        company: CompanyId,
        id: ConversationId,
        after: Option<SortCursor>,
        limit: u32,
    ) -> Result<ConversationView, ViewConversationError> {
        self.repo
            .view(company, id, after, limit)
            .await?
            .ok_or(ViewConversationError::NotFound)
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
    async fn viewing_another_clinics_thread_is_not_found() {
        let mut repo = MockConversationRepository::new();
        repo.expect_view().returning(|_, _, _, _| Ok(None));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let err = uc
            .view(CompanyId::new(), ConversationId::new(), None, 50)
            .await
            .unwrap_err();
        assert!(matches!(err, ViewConversationError::NotFound));
    }

    #[tokio::test]
    async fn a_view_carries_the_patient_and_the_page_cursor() {
        let client = ClientId::new();
        let conv = thread(client, t0());
        let id = conv.id;
        let cursor = SortCursor {
            at: t0(),
            id: uuid::Uuid::now_v7(),
        };
        let mut repo = MockConversationRepository::new();
        repo.expect_view()
            .withf(move |_, i, after, limit| *i == id && after.is_none() && *limit == 20)
            .times(1)
            .returning(move |_, _, _, _| {
                Ok(Some(ConversationView {
                    conversation: conv.clone(),
                    client: domain::conversations::ClientSummary {
                        id: client,
                        name: Some("Ana".into()),
                        phone: None,
                    },
                    interactions: Page {
                        data: vec![],
                        next: Some(cursor),
                    },
                    notes: vec![],
                }))
            });
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let view = uc.view(CompanyId::new(), id, None, 20).await.unwrap();
        assert_eq!(view.client.name.as_deref(), Some("Ana"));
        assert_eq!(view.interactions.next, Some(cursor));
        assert!(view.notes.is_empty());
    }
}
