//! `PUT/DELETE /api/conversations/{id}/labels/{label_id}`: any member attaches or detaches a
//! label of the clinic to one of its threads.

use super::Labels;
use domain::labels::Label;
use domain::ports::labels::Attachment;
use domain::{CompanyId, ConversationId, LabelId, UserId};

/// Why a label was not attached or detached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    ConversationNotFound,
    /// No such label in this clinic.
    #[error("label not found")]
    LabelNotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

fn labels(outcome: Attachment) -> Result<Vec<Label>, AttachError> {
    match outcome {
        Attachment::Labels(labels) => Ok(labels),
        Attachment::ConversationNotFound => Err(AttachError::ConversationNotFound),
        Attachment::LabelNotFound => Err(AttachError::LabelNotFound),
    }
}

impl Labels {
    /// Attaches a label to a thread (attaching it again changes nothing) and returns the thread's
    /// labels.
    ///
    /// # Errors
    /// [`AttachError::ConversationNotFound`], [`AttachError::LabelNotFound`]: ids that are not
    /// this clinic's.
    pub async fn attach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label: LabelId,
        by: Option<UserId>,
    ) -> Result<Vec<Label>, AttachError> {
        let now = self.clock.now();
        labels(
            self.repo
                .attach(company, conversation, label, by, now)
                .await?,
        )
    }

    /// Detaches a label from a thread (detaching one that is not attached changes nothing) and
    /// returns the thread's labels.
    ///
    /// # Errors
    /// As [`Labels::attach`].
    pub async fn detach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label: LabelId,
        by: Option<UserId>,
    ) -> Result<Vec<Label>, AttachError> {
        labels(self.repo.detach(company, conversation, label, by).await?)
    }

    /// The labels of a thread, by name.
    ///
    /// # Errors
    /// [`AttachError::ConversationNotFound`] for a thread that is not this clinic's.
    pub async fn of_conversation(
        &self,
        company: CompanyId,
        conversation: ConversationId,
    ) -> Result<Vec<Label>, AttachError> {
        labels(self.repo.of_conversation(company, conversation).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::stored;
    use super::*;
    use crate::conversations::testing::{clock_at, t0};
    use domain::ports::labels::MockLabelRepository;
    use std::sync::Arc;

    #[tokio::test]
    async fn attaching_records_who_and_when_and_answers_the_threads_labels() {
        let by = UserId::new();
        let label = stored("Retorno", "#00aa00");
        let id = label.id;
        let mut repo = MockLabelRepository::new();
        repo.expect_attach()
            .withf(move |_, _, l, b, at| *l == id && *b == Some(by) && *at == t0())
            .times(1)
            .returning(move |_, _, _, _, _| Ok(Attachment::Labels(vec![label.clone()])));
        let uc = Labels::new(Arc::new(repo), Arc::new(clock_at(t0())));
        let labels = uc
            .attach(CompanyId::new(), ConversationId::new(), id, Some(by))
            .await
            .unwrap();
        assert_eq!(labels[0].id, id);
    }

    #[tokio::test]
    async fn ids_of_another_clinic_are_not_found() {
        let mut repo = MockLabelRepository::new();
        repo.expect_attach()
            .returning(|_, _, _, _, _| Ok(Attachment::LabelNotFound));
        repo.expect_detach()
            .returning(|_, _, _, _| Ok(Attachment::ConversationNotFound));
        let uc = Labels::new(Arc::new(repo), Arc::new(clock_at(t0())));
        let err = uc
            .attach(
                CompanyId::new(),
                ConversationId::new(),
                LabelId::new(),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AttachError::LabelNotFound));
        let err = uc
            .detach(
                CompanyId::new(),
                ConversationId::new(),
                LabelId::new(),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AttachError::ConversationNotFound));
    }
}
