//! [`OutboxStore`] over PostgreSQL: replies, their idempotency keys and dispatch jobs, each
//! change one tenant transaction.

mod dispatch;
mod send;

use crate::pool::Database;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::jobs::NewJob;
use domain::outbound::{
    DispatchInfo, IdempotencyKey, QueueOutcome, QueuedSend, RequeueOutcome, SendContext, SentRecord,
};
use domain::ports::outbox::OutboxStore;
use domain::{CompanyId, ConversationId, InteractionId};

/// The PostgreSQL adapter of the outbox port.
#[derive(Clone, Debug)]
pub struct PgOutbox {
    db: Database,
}

impl PgOutbox {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OutboxStore for PgOutbox {
    async fn send_context(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        idempotency_key: Option<IdempotencyKey>,
    ) -> anyhow::Result<Option<SendContext>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    send::context(conn, company, conversation, idempotency_key).await
                })
            })
            .await
    }

    async fn queue_send(&self, company: CompanyId, s: QueuedSend) -> anyhow::Result<QueueOutcome> {
        let scope = TenantScope::user_opt(company, s.message.sent_by_user_id);
        self.db
            .tenant_tx(scope, move |conn| {
                Box::pin(async move { send::queue(conn, company, s).await })
            })
            .await
    }

    async fn dispatch_info(
        &self,
        company: CompanyId,
        interaction: InteractionId,
    ) -> anyhow::Result<Option<DispatchInfo>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { dispatch::info(conn, company, interaction).await })
            })
            .await
    }

    async fn record_sent(
        &self,
        company: CompanyId,
        interaction: InteractionId,
        provider_message_id: Option<String>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<SentRecord> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    dispatch::record_sent(conn, company, interaction, provider_message_id, at).await
                })
            })
            .await
    }

    async fn requeue_failed(
        &self,
        company: CompanyId,
        interaction: InteractionId,
        job: NewJob,
        at: DateTime<Utc>,
    ) -> anyhow::Result<RequeueOutcome> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(
                    async move { dispatch::requeue(conn, company, interaction, job, at).await },
                )
            })
            .await
    }
}
