//! Storage of conversation threads and messages.

use crate::conversations::{
    ClientSummary, Conversation, ConversationFilter, Interaction, NewInteraction, SortCursor,
};
use crate::{Channel, ClientId, CompanyId, ConversationId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The result of opening a thread.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// A new active thread.
    Opened(Conversation),
    /// The patient already has an active thread (a concurrent start won); read it again.
    AlreadyActive,
}

/// How to close a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    /// Why (`window_expired`, or the member's reason).
    pub reason: Option<String>,
    /// Who (None for the system).
    pub closed_by: Option<UserId>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The result of closing a thread.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    /// It was active and is now closed; a `conversation_closed` job was queued with it.
    Closed(Conversation),
    /// It was already closed (nothing changed).
    AlreadyClosed(Conversation),
    /// No such thread in this clinic.
    NotFound,
}

/// The result of storing a message.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq)]
pub enum RecordOutcome {
    /// Stored; the thread (as updated in the same transaction) is returned with it.
    Inserted {
        /// The new message.
        interaction: Interaction,
        /// Its thread after the update.
        conversation: Conversation,
    },
    /// `(clinic, channel, external_id)` was already stored: the first message, unchanged.
    Duplicate(Interaction),
    /// The thread is closed (a message can only join an active thread).
    ConversationClosed,
    /// No such thread in this clinic.
    ConversationNotFound,
}

/// A page of rows and the keyset position of the next page.
pub type Keyset<T> = crate::page::Page<T, SortCursor>;

/// A thread with its patient and one page of its messages, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadView {
    /// The thread.
    pub conversation: Conversation,
    /// The patient.
    pub client: ClientSummary,
    /// Its messages, newest first.
    pub interactions: Keyset<Interaction>,
    /// The internal notes written in the span of time this page of messages covers, newest
    /// first ([`crate::notes::NoteWindow`]): paging through the history shows every note exactly
    /// once.
    pub notes: Vec<crate::notes::Note>,
}

/// Threads and messages of a clinic. Every method runs in one transaction scoped to `company`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationRepository: Send + Sync {
    /// The patient as shown beside a conversation, if the client exists in this clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn client_summary(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<ClientSummary>>;

    /// The clinic's reopen window, in hours (`settings.conversation_window_hours`).
    ///
    /// # Errors
    /// When the store fails.
    async fn window_hours(&self, company: CompanyId) -> anyhow::Result<u32>;

    /// The patient's active thread, if any.
    ///
    /// # Errors
    /// When the store fails.
    async fn active_for_client(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<Conversation>>;

    /// Opens a new active thread, unless the patient already has one (the partial unique index
    /// decides, so concurrent opens cannot make two).
    ///
    /// # Errors
    /// When the store fails.
    async fn open(
        &self,
        company: CompanyId,
        client: ClientId,
        channel: Channel,
        at: DateTime<Utc>,
    ) -> anyhow::Result<OpenOutcome>;

    /// Closes an active thread and, in the same transaction, queues a `conversation_closed` job
    /// (the durable domain event the snapshot worker consumes). Unread counts are not touched.
    ///
    /// # Errors
    /// When the store fails.
    async fn close(
        &self,
        company: CompanyId,
        id: ConversationId,
        request: CloseRequest,
    ) -> anyhow::Result<CloseOutcome>;

    /// One thread.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(
        &self,
        company: CompanyId,
        id: ConversationId,
    ) -> anyhow::Result<Option<Conversation>>;

    /// Threads, newest activity first (keyset on `(sort_at, id)`); reads `limit + 1` rows.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        company: CompanyId,
        filter: ConversationFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Keyset<Conversation>>;

    /// A thread, its patient, one page of its messages (as [`Self::history`]) and the notes of
    /// that page's span of time, in one transaction (one unit of work per read: one pool checkout, one consistent view); `None`
    /// when the thread is not this clinic's.
    ///
    /// # Errors
    /// When the store fails, or the thread's client is missing.
    async fn view(
        &self,
        company: CompanyId,
        id: ConversationId,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Option<ThreadView>>;

    /// A thread's messages, newest first by `occurred_at` (keyset on `(occurred_at, id)`).
    ///
    /// # Errors
    /// When the store fails.
    async fn history(
        &self,
        company: CompanyId,
        id: ConversationId,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Keyset<Interaction>>;

    /// Stores a message in an active thread and updates the thread in the same transaction:
    /// `last_message_at`/`sort_at` and the last-message fields only move forward; an inbound
    /// message raises `unread_count` and `last_inbound_at`; an outbound reply at or after the last
    /// inbound message resets `unread_count` (a reply means the thread was read).
    /// `(clinic, channel, external_id)` is stored once: a repeat returns the first message.
    ///
    /// # Errors
    /// When the store fails.
    async fn record(
        &self,
        company: CompanyId,
        message: NewInteraction,
    ) -> anyhow::Result<RecordOutcome>;

    /// Sets the unread count to 0 and records who read and when. Returns None when the thread
    /// does not exist in this clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn mark_read(
        &self,
        company: CompanyId,
        id: ConversationId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Option<Conversation>>;
}
