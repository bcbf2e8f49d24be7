//! `POST /api/conversations/{id}/notes`: a member's internal note on a thread.

use super::Conversations;
use crate::crm::FieldIssue;
use domain::notes::{NewNote, Note, clean_note};
use domain::{CompanyId, ConversationId, NoteId, UserId};

/// Why a note was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddNoteError {
    /// The text is blank or too long.
    #[error("invalid note")]
    Invalid(Vec<FieldIssue>),
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Conversations {
    /// Adds an internal note to a thread of the clinic (active or closed), written by `author`
    /// (`None` for an API token). The note is never sent to the patient, never counted as
    /// unread and never read by the analyst: it is stored apart from the messages, and the thread
    /// is left as it is.
    ///
    /// # Errors
    /// [`AddNoteError::Invalid`] for a blank or too long text, [`AddNoteError::NotFound`] for a
    /// thread that is not this clinic's.
    pub async fn add_note(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        author: Option<UserId>,
        text: &str,
    ) -> Result<Note, AddNoteError> {
        let text = clean_note(text)
            .map_err(|m| AddNoteError::Invalid(vec![FieldIssue::new("text", m)]))?;
        let note = NewNote {
            id: NoteId::new(),
            conversation_id: conversation,
            author_id: author,
            text,
            at: self.clock.now(),
        };
        self.notes
            .add(company, note)
            .await?
            .ok_or(AddNoteError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, t0};
    use super::*;
    use domain::notes::NoteAuthor;
    use domain::ports::conversations::MockConversationRepository;
    use domain::ports::notes::MockNoteRepository;
    use std::sync::Arc;

    fn use_case(notes: MockNoteRepository) -> Conversations {
        // The thread port is never used: a note moves nothing on the thread.
        let mut repo = MockConversationRepository::new();
        repo.expect_record().never();
        repo.expect_mark_read().never();
        Conversations::new(Arc::new(repo), Arc::new(notes), Arc::new(clock_at(t0())))
    }

    #[tokio::test]
    async fn a_note_is_trimmed_stamped_and_signed_by_its_author() {
        let author = UserId::new();
        let conversation = ConversationId::new();
        let mut notes = MockNoteRepository::new();
        notes
            .expect_add()
            .withf(move |_, n| {
                n.conversation_id == conversation
                    && n.author_id == Some(author)
                    && n.text == "Paciente prefere ligação"
                    && n.at == t0()
            })
            .times(1)
            .returning(move |_, n| {
                Ok(Some(Note {
                    id: n.id,
                    conversation_id: n.conversation_id,
                    author: Some(NoteAuthor {
                        id: author,
                        name: "Bia".into(),
                    }),
                    text: n.text,
                    created_at: n.at,
                }))
            });
        let note = use_case(notes)
            .add_note(
                CompanyId::new(),
                conversation,
                Some(author),
                "  Paciente prefere ligação\n",
            )
            .await
            .unwrap();
        assert_eq!(note.author.unwrap().name, "Bia");
    }

    #[tokio::test]
    async fn a_blank_note_is_refused_before_the_store() {
        let mut notes = MockNoteRepository::new();
        notes.expect_add().never();
        let err = use_case(notes)
            .add_note(CompanyId::new(), ConversationId::new(), None, " \n ")
            .await
            .unwrap_err();
        let AddNoteError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        assert_eq!(issues[0].field, "text");
    }

    #[tokio::test]
    async fn another_clinics_thread_is_not_found() {
        let mut notes = MockNoteRepository::new();
        notes.expect_add().times(1).returning(|_, _| Ok(None));
        let err = use_case(notes)
            .add_note(CompanyId::new(), ConversationId::new(), None, "oi")
            .await
            .unwrap_err();
        assert!(matches!(err, AddNoteError::NotFound));
    }
}
