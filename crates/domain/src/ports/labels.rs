//! Storage of the clinic's conversation labels and of their attachment to threads.

use crate::labels::{Label, LabelCursor, LabelFields};
use crate::page::Page;
use crate::{CompanyId, ConversationId, LabelId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a label could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LabelWriteError {
    /// The clinic has another label with this name (ignoring case).
    #[error("the clinic already has a label with this name")]
    NameTaken,
    /// No such label in the clinic.
    #[error("label not found")]
    NotFound,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The result of attaching or detaching a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// Done (or already so): the thread's labels now, by name.
    Labels(Vec<Label>),
    /// No such thread in this clinic.
    ConversationNotFound,
    /// No such label in this clinic.
    LabelNotFound,
}

/// The clinic's labels. Every method runs in one transaction scoped to `company` (RLS) and
/// appends its events (`label.*`) in that transaction.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LabelRepository: Send + Sync {
    /// Stores a new label.
    ///
    /// # Errors
    /// [`LabelWriteError::NameTaken`].
    async fn create(
        &self,
        company: CompanyId,
        id: LabelId,
        fields: LabelFields,
        at: DateTime<Utc>,
    ) -> Result<Label, LabelWriteError>;

    /// Renames or recolours a label.
    ///
    /// # Errors
    /// [`LabelWriteError::NotFound`], [`LabelWriteError::NameTaken`].
    async fn update(
        &self,
        company: CompanyId,
        id: LabelId,
        fields: LabelFields,
    ) -> Result<Label, LabelWriteError>;

    /// One label of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, company: CompanyId, id: LabelId) -> anyhow::Result<Option<Label>>;

    /// Deletes a label, which detaches it from every thread. `false` when it is not the clinic's.
    ///
    /// # Errors
    /// When the store fails.
    async fn delete(&self, company: CompanyId, id: LabelId) -> anyhow::Result<bool>;

    /// A page of the clinic's labels by name, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        company: CompanyId,
        after: Option<LabelCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Label, LabelCursor>>;

    /// Attaches a label to a thread (a no-op when attached), recording who did it.
    ///
    /// # Errors
    /// When the store fails.
    async fn attach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label: LabelId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Attachment>;

    /// Detaches a label from a thread (a no-op when not attached).
    ///
    /// # Errors
    /// When the store fails.
    async fn detach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label: LabelId,
        by: Option<UserId>,
    ) -> anyhow::Result<Attachment>;

    /// The labels of a thread, by name ([`Attachment::ConversationNotFound`] for a thread that
    /// is not the clinic's).
    ///
    /// # Errors
    /// When the store fails.
    async fn of_conversation(
        &self,
        company: CompanyId,
        conversation: ConversationId,
    ) -> anyhow::Result<Attachment>;
}
