//! `GET /api/conversations` and `GET /api/conversations/{id}`.

use super::Conversations;
use domain::conversations::{
    ClientSummary, Conversation, ConversationFilter, Interaction, SortCursor,
};
use domain::notes::{Note, NoteWindow};
use domain::page::Page;
use domain::{CompanyId, ConversationId};

/// A page of threads, newest activity first.
pub type ConversationPage = Page<Conversation, SortCursor>;

/// A page of a thread's messages, newest first by `occurred_at`.
pub type HistoryPage = Page<Interaction, SortCursor>;

/// A thread with its patient and a page of its history.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    /// The thread.
    pub conversation: Conversation,
    /// The patient.
    pub client: ClientSummary,
    /// Its messages.
    pub interactions: HistoryPage,
    /// The internal notes written in the span of time this page of messages covers, newest
    /// first ([`NoteWindow`]): paging through the history shows every note exactly once.
    pub notes: Vec<Note>,
}

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
    /// ones) and the internal notes of that page's span of time.
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
        let conversation = self
            .repo
            .get(company, id)
            .await?
            .ok_or(ViewConversationError::NotFound)?;
        let client = self
            .repo
            .client_summary(company, conversation.client_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("conversation {id} has no client"))?;
        let interactions = self.repo.history(company, id, after, limit).await?;
        let window = NoteWindow {
            before: after,
            from: interactions.next,
        };
        let notes = self.notes.window(company, id, window).await?;
        Ok(ConversationView {
            conversation,
            client,
            interactions,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, no_notes, t0, thread};
    use super::*;
    use domain::ClientId;
    use domain::ports::conversations::MockConversationRepository;
    use domain::ports::notes::MockNoteRepository;
    use std::sync::Arc;

    #[tokio::test]
    async fn viewing_another_clinics_thread_reads_nothing_else() {
        let mut repo = MockConversationRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        repo.expect_history().never();
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
        repo.expect_get()
            .returning(move |_, _| Ok(Some(conv.clone())));
        repo.expect_client_summary().returning(move |_, c| {
            Ok(Some(ClientSummary {
                id: c,
                name: Some("Ana".into()),
                phone: None,
            }))
        });
        repo.expect_history()
            .withf(move |_, i, after, limit| *i == id && after.is_none() && *limit == 20)
            .returning(move |_, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: Some(cursor),
                })
            });
        let mut notes = MockNoteRepository::new();
        notes
            .expect_window()
            .withf(move |_, i, w| *i == id && w.before.is_none() && w.from == Some(cursor))
            .times(1)
            .returning(|_, _, _| Ok(vec![]));
        let uc = Conversations::new(Arc::new(repo), Arc::new(notes), Arc::new(clock_at(t0())));
        let view = uc.view(CompanyId::new(), id, None, 20).await.unwrap();
        assert_eq!(view.client.name.as_deref(), Some("Ana"));
        assert_eq!(view.interactions.next, Some(cursor));
        assert!(view.notes.is_empty());
    }
}
