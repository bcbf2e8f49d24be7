//! Storage of the outbox: replies, their idempotency keys and dispatch jobs.

use crate::jobs::NewJob;
use crate::outbound::{
    DispatchInfo, IdempotencyKey, QueueOutcome, QueuedSend, RequeueOutcome, SendContext, SentRecord,
};
use crate::{CompanyId, ConversationId, InteractionId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The outbox's storage. Every method is one transaction of the clinic.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// The thread, the channels its patient can be reached on, and the earlier send with
    /// `idempotency_key` (any age), if any, saying whether it was the same request. None when
    /// the thread is not this clinic's.
    ///
    /// # Errors
    /// When the store fails.
    async fn send_context(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        idempotency_key: Option<IdempotencyKey>,
    ) -> anyhow::Result<Option<SendContext>>;

    /// In one transaction: stores the message (and moves the thread forward, marking it read by
    /// the sender), queues its dispatch job, and stores the idempotency key with the SHA-256 of
    /// its request (replacing one older than `key_cutoff`; a newer one means a concurrent send
    /// won: nothing is stored, and the answer says whether it was the same request).
    ///
    /// # Errors
    /// When the store fails.
    async fn queue_send(
        &self,
        company: CompanyId,
        send: QueuedSend,
    ) -> anyhow::Result<QueueOutcome>;

    /// The message and its patient's identity on the message's channel.
    ///
    /// # Errors
    /// When the store fails.
    async fn dispatch_info(
        &self,
        company: CompanyId,
        interaction: InteractionId,
    ) -> anyhow::Result<Option<DispatchInfo>>;

    /// Records that the relay accepted the message at `at`: `sent` (forward only; a later status
    /// stays), with `provider_message_id` as its `external_id` when that is valid and no other
    /// message of the clinic's channel has it, else without it and with the issue noted.
    ///
    /// # Errors
    /// When the store fails.
    async fn record_sent(
        &self,
        company: CompanyId,
        interaction: InteractionId,
        provider_message_id: Option<String>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<SentRecord>;

    /// A failed outbound message back to `queued` (its failure time and error cleared) with a new
    /// dispatch job, in one transaction.
    ///
    /// # Errors
    /// When the store fails.
    async fn requeue_failed(
        &self,
        company: CompanyId,
        interaction: InteractionId,
        job: NewJob,
        at: DateTime<Utc>,
    ) -> anyhow::Result<RequeueOutcome>;
}
