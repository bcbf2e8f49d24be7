//! [`InboundStore`] over PostgreSQL: one tenant transaction per delivered message or status.

mod ingest;
mod status;

use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::inbound::{InboundMessage, Ingested, StatusApplied, StatusReport};
use domain::ports::inbound::InboundStore;
use domain::{Channel, CompanyId};

/// The PostgreSQL adapter of the inbound port.
#[derive(Clone, Debug)]
pub struct PgInbound {
    db: Database,
}

impl PgInbound {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl InboundStore for PgInbound {
    async fn ingest(
        &self,
        company: CompanyId,
        message: InboundMessage,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Ingested> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { ingest::ingest(conn, company, message, now).await })
            })
            .await
    }

    async fn mark_unsent(
        &self,
        company: CompanyId,
        channel: Channel,
        provider_message_id: String,
        at: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    #[derive(diesel::QueryableByName)]
                    struct Unsent {
                        #[diesel(sql_type = SqlUuid)]
                        id: uuid::Uuid,
                        #[diesel(sql_type = diesel::sql_types::Bool)]
                        newly: bool,
                    }
                    // `newly`: whether this delivery is the one that deleted it (a redelivered
                    // unsend announces nothing new).
                    let rows: Vec<Unsent> = diesel::sql_query(
                        "WITH old AS (
                             SELECT id, deleted_at IS NULL AS newly FROM interactions
                              WHERE company_id = $1 AND channel = $2 AND external_id = $3
                                FOR UPDATE)
                         UPDATE interactions i
                            SET deleted_at = coalesce(i.deleted_at, $4), text = NULL, media = NULL
                           FROM old
                          WHERE i.company_id = $1 AND i.id = old.id
                      RETURNING i.id, old.newly",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<Text, _>(channel.as_str())
                    .bind::<Text, _>(provider_message_id)
                    .bind::<Timestamptz, _>(at)
                    .prepared()
                    .load(conn)
                    .await?;
                    for row in rows.iter().filter(|r| r.newly) {
                        crate::events::emit_message_deleted(conn, company, row.id).await?;
                    }
                    Ok::<_, anyhow::Error>(!rows.is_empty())
                })
            })
            .await
    }

    async fn apply_status(
        &self,
        company: CompanyId,
        report: StatusReport,
    ) -> anyhow::Result<StatusApplied> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { status::apply(conn, company, report).await })
            })
            .await
    }
}
