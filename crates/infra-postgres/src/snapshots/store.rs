//! [`SnapshotStore`] over PostgreSQL.

use crate::keyset::{self, Order};
use crate::prepared::Prepare;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamp, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::ports::snapshots::SnapshotStore;
use domain::snapshots::{
    ClinicClock, NewSnapshot, Reservation, ReservationRules, Snapshot, SnapshotCursor,
    SnapshotMaterial, SnapshotRunId, Stored,
};
use domain::{ClientId, CompanyId, ConversationId, SnapshotId};
use uuid::Uuid;

use super::rows::{COLUMNS, SnapshotRow, int4};
use super::{material, runs};
use crate::pool::Database;
use crate::tenant::TenantScope;

/// The first pause between looks at a running reservation ([`SnapshotStore::wait_for`]); it
/// doubles up to [`WAIT_POLL_MAX`]. No connection is held during a pause.
const WAIT_POLL_FIRST: Duration = Duration::from_millis(50);
/// The longest pause between looks at a running reservation.
const WAIT_POLL_MAX: Duration = Duration::from_secs(1);

/// [`SnapshotStore`] over PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgSnapshotStore {
    db: Database,
}

impl PgSnapshotStore {
    /// A store over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    v: bool,
}

#[derive(QueryableByName)]
struct ClientIdRow {
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
}

#[derive(QueryableByName)]
struct ClockRow {
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Timestamp)]
    local_now: NaiveDateTime,
}

pub(crate) async fn latest_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
) -> anyhow::Result<Option<Snapshot>> {
    let rows: Vec<SnapshotRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM ai_context_snapshots WHERE company_id = $1 AND client_id = $2
          ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .load(conn)
    .await?;
    rows.into_iter().next().map(Snapshot::try_from).transpose()
}

pub(super) async fn insert_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    s: NewSnapshot,
) -> anyhow::Result<Snapshot> {
    let row: SnapshotRow = diesel::sql_query(format!(
        "INSERT INTO ai_context_snapshots (id, company_id, client_id, source_conversation_id, summary, flags,
             next_best_action, evidence, trigger, requested_by, analyzer, model, locale, schema_version,
             input_message_count, input_from, input_to, prompt_tokens, completion_tokens, latency_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(s.id.0)
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(s.client_id.0)
    .bind::<Nullable<SqlUuid>, _>(s.source_conversation_id.map(|c| c.0))
    .bind::<Text, _>(&s.summary)
    .bind::<Jsonb, _>(serde_json::to_value(&s.flags)?)
    .bind::<Nullable<Text>, _>(s.next_best_action.as_deref())
    .bind::<Array<SqlUuid>, _>(s.evidence.iter().map(|e| e.0).collect::<Vec<_>>())
    .bind::<Text, _>(s.trigger.as_str())
    .bind::<Nullable<SqlUuid>, _>(s.requested_by.map(|u| u.0))
    .bind::<Text, _>(&s.analyzer)
    .bind::<Nullable<Text>, _>(s.model.as_deref())
    .bind::<Text, _>(&s.locale)
    .bind::<Integer, _>(int4(s.schema_version))
    .bind::<Integer, _>(int4(s.input_message_count))
    .bind::<Nullable<Timestamptz>, _>(s.input_from)
    .bind::<Nullable<Timestamptz>, _>(s.input_to)
    .bind::<Nullable<Integer>, _>(s.prompt_tokens.map(int4))
    .bind::<Nullable<Integer>, _>(s.completion_tokens.map(int4))
    .bind::<Nullable<Integer>, _>(s.latency_ms.map(int4))
    .prepared()
    .get_result(conn)
    .await?;
    let snapshot = Snapshot::try_from(row)?;
    crate::events::emit(company, domain::events::snapshot_created(&snapshot))?;
    Ok(snapshot)
}

#[async_trait]
impl SnapshotStore for PgSnapshotStore {
    async fn material(
        &self,
        company: CompanyId,
        client: ClientId,
        window: u32,
    ) -> anyhow::Result<Option<SnapshotMaterial>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { material::read(conn, company, client, window).await })
            })
            .await
    }

    async fn conversation_of(
        &self,
        company: CompanyId,
        client: ClientId,
        conversation: ConversationId,
    ) -> anyhow::Result<bool> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row: Exists = diesel::sql_query(
                        "SELECT EXISTS (SELECT 1 FROM conversation_threads
                                         WHERE company_id = $1 AND id = $2 AND client_id = $3) AS v",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(conversation.0)
                    .bind::<SqlUuid, _>(client.0)
                    .prepared()
                    .get_result(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(row.v)
                })
            })
            .await
    }

    async fn latest(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<Snapshot>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { latest_in(conn, company, client).await })
            })
            .await
    }

    async fn reserve(
        &self,
        company: CompanyId,
        client: ClientId,
        run: SnapshotRunId,
        server_key: bool,
        rules: ReservationRules,
    ) -> anyhow::Result<Reservation> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    runs::reserve(conn, company, client, run, server_key, rules).await
                })
            })
            .await
    }

    async fn complete(
        &self,
        company: CompanyId,
        run: SnapshotRunId,
        snapshot: NewSnapshot,
        now: DateTime<Utc>,
        min_interval: chrono::Duration,
    ) -> anyhow::Result<Stored> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    runs::complete(conn, company, run, snapshot, now, min_interval).await
                })
            })
            .await
    }

    async fn release(&self, company: CompanyId, run: SnapshotRunId) -> anyhow::Result<()> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { runs::release(conn, company, run).await })
            })
            .await
    }

    async fn wait_for(
        &self,
        company: CompanyId,
        run: SnapshotRunId,
        max_wait: Duration,
    ) -> anyhow::Result<bool> {
        let deadline = tokio::time::Instant::now() + max_wait;
        let mut pause = WAIT_POLL_FIRST;
        loop {
            let running = self
                .db
                .tenant_tx(TenantScope::company(company), move |conn| {
                    Box::pin(async move { runs::is_running(conn, company, run).await })
                })
                .await?;
            if !running {
                return Ok(true);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(WAIT_POLL_MAX);
        }
    }

    async fn get(&self, company: CompanyId, id: SnapshotId) -> anyhow::Result<Option<Snapshot>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let rows: Vec<SnapshotRow> = diesel::sql_query(format!(
                        "SELECT {COLUMNS} FROM ai_context_snapshots WHERE company_id = $1 AND id = $2"
                    ))
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(id.0)
                    .prepared()
                    .load(conn)
                    .await?;
                    rows.into_iter().next().map(Snapshot::try_from).transpose()
                })
            })
            .await
    }

    async fn history(
        &self,
        company: CompanyId,
        client: ClientId,
        after: Option<SnapshotCursor>,
        limit: u32,
    ) -> anyhow::Result<Option<Vec<Snapshot>>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let exists: Exists =
                        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM clients WHERE company_id = $1 AND id = $2) AS v")
                            .bind::<SqlUuid, _>(company.0)
                            .bind::<SqlUuid, _>(client.0)
                            .prepared()
                            .get_result(conn)
                            .await?;
                    if !exists.v {
                        return Ok(None);
                    }
                    // Two texts (first page, next pages), each kept prepared with a tight plan.
                    let (keyset, limit_param) = match after {
                        None => (String::new(), 3),
                        Some(_) => (
                            format!(
                                " AND {}",
                                keyset::after_text(Order::Desc, ["created_at", "id"], 3)
                            ),
                            5,
                        ),
                    };
                    let mut q = diesel::sql_query(format!(
                        "SELECT {COLUMNS} FROM ai_context_snapshots
                          WHERE company_id = $1 AND client_id = $2{keyset}
                          ORDER BY created_at DESC, id DESC LIMIT ${limit_param}"
                    ))
                    .into_boxed::<diesel::pg::Pg>()
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(client.0);
                    if let Some(a) = after {
                        q = q.bind::<Timestamptz, _>(a.created_at).bind::<SqlUuid, _>(a.id.0);
                    }
                    let rows: Vec<SnapshotRow> = q
                        .bind::<BigInt, _>(keyset::fetch(limit))
                        .prepared()
                        .load(conn)
                        .await?;
                    rows.into_iter().map(Snapshot::try_from).collect::<anyhow::Result<Vec<_>>>().map(Some)
                })
            })
            .await
    }

    async fn clients_with_inbound_since(
        &self,
        company: CompanyId,
        since: DateTime<Utc>,
    ) -> anyhow::Result<Vec<ClientId>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let rows: Vec<ClientIdRow> = diesel::sql_query(
                        "SELECT DISTINCT client_id FROM interactions
                          WHERE company_id = $1 AND direction = 'inbound' AND occurred_at >= $2
                            AND deleted_at IS NULL
                          ORDER BY client_id",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<Timestamptz, _>(since)
                    .prepared()
                    .load(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(
                        rows.into_iter().map(|r| ClientId(r.client_id)).collect(),
                    )
                })
            })
            .await
    }

    async fn clinic_clocks(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<ClinicClock>> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    // A time zone PostgreSQL does not know is left out rather than
                    // failing every clinic's run.
                    let rows: Vec<ClockRow> = diesel::sql_query(
                        "SELECT s.company_id, ($1 AT TIME ZONE s.timezone) AS local_now
                           FROM public.atende_company_schedule() s
                          WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = s.timezone)",
                    )
                    .bind::<Timestamptz, _>(now)
                    .prepared()
                    .load(conn)
                    .await?;
                    Ok::<_, anyhow::Error>(
                        rows.into_iter()
                            .map(|r| ClinicClock { company_id: CompanyId(r.company_id), local_now: r.local_now })
                            .collect(),
                    )
                })
            })
            .await
    }
}
