//! [`ConversationRepository`] over PostgreSQL: every method is one tenant unit of work.

pub(crate) mod lifecycle;
pub(crate) mod record;
pub(crate) mod rows;

use crate::keyset::ListOrder;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::{clients, conversation_threads, interactions, settings};
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::{
    ClientSummary, Conversation, ConversationFilter, Interaction, NewInteraction, SortCursor,
};
use domain::page::Page;
use domain::ports::conversations::{
    CloseOutcome, CloseRequest, ConversationRepository, Keyset, OpenOutcome, RecordOutcome,
    ThreadView,
};
use domain::{Channel, ClientId, CompanyId, ConversationId, UserId};
use rows::{InteractionRow, ThreadRow};

/// The PostgreSQL adapter of the conversation port.
#[derive(Clone, Debug)]
pub struct PgConversations {
    db: Database,
}

impl PgConversations {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The thread list: latest activity first (index `(company_id, sort_at DESC, id DESC)`).
const THREADS: ListOrder =
    ListOrder::desc(["conversation_threads.sort_at", "conversation_threads.id"]);
/// A thread's messages: newest first.
const MESSAGES: ListOrder = ListOrder::desc(["interactions.occurred_at", "interactions.id"]);

/// The page cut from `rows` (up to `limit + 1`), each row converted.
fn page<T, R>(rows: Vec<R>, limit: u32, key: impl Fn(&R) -> SortCursor) -> anyhow::Result<Keyset<T>>
where
    T: TryFrom<R, Error = anyhow::Error>,
{
    Page::from_rows(rows, limit, key).try_map(T::try_from)
}

/// A thread's patient (id, name, phone).
async fn client_summary_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
) -> anyhow::Result<Option<ClientSummary>> {
    let row: Option<(uuid::Uuid, Option<String>, Option<String>)> = clients::table
        .filter(
            clients::company_id
                .eq(company.0)
                .and(clients::id.eq(client.0)),
        )
        .select((clients::id, clients::name, clients::phone))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, name, phone)| ClientSummary {
        id: ClientId(id),
        name,
        phone,
    }))
}

/// One thread.
async fn get_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ConversationId,
) -> anyhow::Result<Option<Conversation>> {
    let row: Option<ThreadRow> = conversation_threads::table
        .filter(conversation_threads::company_id.eq(company.0))
        .filter(conversation_threads::id.eq(id.0))
        .select(ThreadRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(Conversation::try_from).transpose()
}

/// A page of a thread's messages, newest first.
async fn history_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ConversationId,
    after: Option<SortCursor>,
    limit: u32,
) -> anyhow::Result<Keyset<Interaction>> {
    use interactions::dsl as i;
    let q = i::interactions
        .filter(i::company_id.eq(company.0))
        .filter(i::conversation_id.eq(id.0))
        .select(InteractionRow::as_select())
        .into_boxed();
    let key = after.map(|c| (c.at, c.id));
    let rows: Vec<InteractionRow> = MESSAGES.page_time_id(q, key, limit).load(conn).await?;
    page(rows, limit, |r| SortCursor {
        at: r.occurred_at,
        id: r.id,
    })
}

#[async_trait]
impl ConversationRepository for PgConversations {
    async fn client_summary(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<ClientSummary>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { client_summary_in(conn, company, client).await })
            })
            .await
    }

    async fn window_hours(&self, company: CompanyId) -> anyhow::Result<u32> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let hours: Option<i32> = settings::table
                        .filter(settings::company_id.eq(company.0))
                        .select(settings::conversation_window_hours)
                        .first(conn)
                        .await
                        .optional()?;
                    Ok(hours.and_then(|h| u32::try_from(h).ok()).unwrap_or(24))
                })
            })
            .await
    }

    async fn active_for_client(
        &self,
        company: CompanyId,
        client: ClientId,
    ) -> anyhow::Result<Option<Conversation>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row: Option<ThreadRow> = conversation_threads::table
                        .filter(conversation_threads::company_id.eq(company.0))
                        .filter(conversation_threads::client_id.eq(client.0))
                        .filter(conversation_threads::status.eq("active"))
                        .select(ThreadRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    row.map(Conversation::try_from).transpose()
                })
            })
            .await
    }

    async fn open(
        &self,
        company: CompanyId,
        client: ClientId,
        channel: Channel,
        at: DateTime<Utc>,
    ) -> anyhow::Result<OpenOutcome> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row = lifecycle::open_thread(conn, company, client, channel, at).await?;
                    Ok(match row {
                        Some(r) => OpenOutcome::Opened(r.try_into()?),
                        None => OpenOutcome::AlreadyActive,
                    })
                })
            })
            .await
    }

    async fn close(
        &self,
        company: CompanyId,
        id: ConversationId,
        request: CloseRequest,
    ) -> anyhow::Result<CloseOutcome> {
        self.db
            .tenant_tx(
                TenantScope::user_opt(company, request.closed_by),
                move |conn| {
                    Box::pin(async move {
                        let closed = lifecycle::close_thread(
                            conn,
                            company,
                            id,
                            request.reason.clone(),
                            request.closed_by,
                            request.at,
                        )
                        .await?;
                        if let Some(row) = closed {
                            return Ok(CloseOutcome::Closed(row.try_into()?));
                        }
                        let existing: Option<ThreadRow> = conversation_threads::table
                            .filter(conversation_threads::company_id.eq(company.0))
                            .filter(conversation_threads::id.eq(id.0))
                            .select(ThreadRow::as_select())
                            .first(conn)
                            .await
                            .optional()?;
                        Ok(match existing {
                            Some(row) => CloseOutcome::AlreadyClosed(row.try_into()?),
                            None => CloseOutcome::NotFound,
                        })
                    })
                },
            )
            .await
    }

    async fn get(
        &self,
        company: CompanyId,
        id: ConversationId,
    ) -> anyhow::Result<Option<Conversation>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { get_in(conn, company, id).await })
            })
            .await
    }

    async fn view(
        &self,
        company: CompanyId,
        id: ConversationId,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Option<ThreadView>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let Some(conversation) = get_in(conn, company, id).await? else {
                        return Ok(None);
                    };
                    let client = client_summary_in(conn, company, conversation.client_id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("conversation {id} has no client"))?;
                    let interactions = history_in(conn, company, id, after, limit).await?;
                    let window = domain::notes::NoteWindow {
                        before: after,
                        from: interactions.next,
                    };
                    let notes = crate::notes::window_in(conn, company, id, window).await?;
                    Ok(Some(ThreadView {
                        conversation,
                        client,
                        interactions,
                        notes,
                    }))
                })
            })
            .await
    }

    async fn list(
        &self,
        company: CompanyId,
        filter: ConversationFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Keyset<Conversation>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    use conversation_threads::dsl as t;
                    let mut q = t::conversation_threads
                        .filter(t::company_id.eq(company.0))
                        .select(ThreadRow::as_select())
                        .into_boxed();
                    if let Some(client) = filter.client_id {
                        q = q.filter(t::client_id.eq(client.0));
                    }
                    if let Some(status) = filter.status {
                        q = q.filter(t::status.eq(status.as_str()));
                    }
                    if let Some(label) = filter.label {
                        use crate::schema::conversation_labels as cl;
                        q = q.filter(diesel::dsl::exists(
                            cl::table
                                .filter(cl::company_id.eq(t::company_id))
                                .filter(cl::conversation_id.eq(t::id))
                                .filter(cl::label_id.eq(label.0)),
                        ));
                    }
                    let key = after.map(|c| (c.at, c.id));
                    let rows: Vec<ThreadRow> =
                        THREADS.page_time_id(q, key, limit).load(conn).await?;
                    page(rows, limit, |r| SortCursor {
                        at: r.sort_at,
                        id: r.id,
                    })
                })
            })
            .await
    }

    async fn history(
        &self,
        company: CompanyId,
        id: ConversationId,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<Keyset<Interaction>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { history_in(conn, company, id, after, limit).await })
            })
            .await
    }

    async fn record(
        &self,
        company: CompanyId,
        message: NewInteraction,
    ) -> anyhow::Result<RecordOutcome> {
        let scope = TenantScope::user_opt(company, message.sent_by_user_id);
        self.db
            .tenant_tx(scope, move |conn| {
                Box::pin(async move { record::record(conn, company, message).await })
            })
            .await
    }

    async fn mark_read(
        &self,
        company: CompanyId,
        id: ConversationId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Option<Conversation>> {
        self.db
            .tenant_tx(TenantScope::user_opt(company, by), move |conn| {
                Box::pin(async move {
                    let row: Option<ThreadRow> = diesel::sql_query(
                        "UPDATE conversation_threads SET unread_count = 0, last_read_at = $3, last_read_by = $4
                          WHERE company_id = $1 AND id = $2 RETURNING *",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<Timestamptz, _>(at)
                    .bind::<Nullable<SqlUuid>, _>(by.map(|u| u.0))
                    .prepared()
                    .get_result(conn)
                    .await
                    .optional()?;
                    let conversation = row.map(Conversation::try_from).transpose()?;
                    if let (Some(c), Some(by)) = (&conversation, by) {
                        crate::events::emit(company, domain::events::conversation_read(c, by, at))?;
                    }
                    Ok(conversation)
                })
            })
            .await
    }
}
