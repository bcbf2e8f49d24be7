//! [`LabelRepository`] over PostgreSQL: the clinic's labels (`labels`) and their attachment to
//! threads (`conversation_labels`). Every method is one tenant unit of work that appends its
//! `label.*` events before it commits.

use crate::error::DbError;
use crate::keyset::{self, Order};
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::QueryableByName;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::events;
use domain::labels::{Label, LabelCursor, LabelFields};
use domain::page::Page;
use domain::ports::labels::{Attachment, LabelRepository, LabelWriteError};
use domain::{ClientId, CompanyId, ConversationId, LabelId, UserId};
use uuid::Uuid;

/// The PostgreSQL adapter of the label port.
#[derive(Clone, Debug)]
pub struct PgLabels {
    db: Database,
}

impl PgLabels {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, QueryableByName)]
struct LabelRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    colour: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

impl From<LabelRow> for Label {
    fn from(r: LabelRow) -> Self {
        Self {
            id: LabelId(r.id),
            fields: LabelFields {
                name: r.name,
                colour: r.colour,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, QueryableByName)]
struct ClientOfThread {
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
}

/// The columns of a label row.
const COLUMNS: &str = "id, name, colour, created_at, updated_at";
/// The unique index of names (ignoring case).
const NAME_KEY: &str = "labels_company_id_name_key";

/// Whether `e` is the violation of the unique name of labels.
fn name_taken(e: &anyhow::Error) -> bool {
    let unique = |d: &DieselError| {
        matches!(d, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(NAME_KEY))
    };
    e.chain().any(|cause| {
        cause.downcast_ref::<DieselError>().is_some_and(unique)
            || cause
                .downcast_ref::<DbError>()
                .is_some_and(|db| db.is_unique_violation(Some(NAME_KEY)))
    })
}

fn write_error(e: anyhow::Error) -> LabelWriteError {
    if name_taken(&e) {
        LabelWriteError::NameTaken
    } else {
        LabelWriteError::Other(e)
    }
}

async fn label(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: LabelId,
) -> anyhow::Result<Option<Label>> {
    let row: Option<LabelRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM labels WHERE company_id = $1 AND id = $2"
    ))
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id.0)
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(Label::from))
}

async fn labels_of(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    conversation: ConversationId,
) -> anyhow::Result<Vec<Label>> {
    let rows: Vec<LabelRow> = diesel::sql_query(
        "SELECT l.id, l.name, l.colour, l.created_at, l.updated_at
           FROM conversation_labels cl
           JOIN labels l ON l.company_id = cl.company_id AND l.id = cl.label_id
          WHERE cl.company_id = $1 AND cl.conversation_id = $2
          ORDER BY l.name, l.id",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(conversation.0)
    .prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(Label::from).collect())
}

/// The thread's patient, when the thread is the clinic's; locks the thread row so attachments
/// of one thread are serialised.
async fn thread_client(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    conversation: ConversationId,
) -> anyhow::Result<Option<ClientId>> {
    let row: Option<ClientOfThread> = diesel::sql_query(
        "SELECT client_id FROM conversation_threads WHERE company_id = $1 AND id = $2 FOR SHARE",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(conversation.0)
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| ClientId(r.client_id)))
}

#[async_trait]
impl LabelRepository for PgLabels {
    async fn create(
        &self,
        company: CompanyId,
        id: LabelId,
        fields: LabelFields,
        at: DateTime<Utc>,
    ) -> Result<Label, LabelWriteError> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row: LabelRow = diesel::sql_query(format!(
                        "INSERT INTO labels (id, company_id, name, colour, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
                    ))
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<Text, _>(fields.name)
                    .bind::<Text, _>(fields.colour)
                    .bind::<Timestamptz, _>(at)
                    .prepared()
                    .get_result(conn)
                    .await?;
                    let label = Label::from(row);
                    crate::events::emit(company, events::label_written(&label, true))?;
                    Ok::<_, anyhow::Error>(label)
                })
            })
            .await
            .map_err(write_error)
    }

    async fn update(
        &self,
        company: CompanyId,
        id: LabelId,
        fields: LabelFields,
    ) -> Result<Label, LabelWriteError> {
        let updated = self
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row: Option<LabelRow> = diesel::sql_query(format!(
                        "UPDATE labels SET name = $3, colour = $4
                          WHERE company_id = $1 AND id = $2 RETURNING {COLUMNS}"
                    ))
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<Text, _>(fields.name)
                    .bind::<Text, _>(fields.colour)
                    .prepared()
                    .get_result(conn)
                    .await
                    .optional()?;
                    let label = row.map(Label::from);
                    if let Some(l) = &label {
                        crate::events::emit(company, events::label_written(l, false))?;
                    }
                    Ok::<_, anyhow::Error>(label)
                })
            })
            .await
            .map_err(write_error)?;
        updated.ok_or(LabelWriteError::NotFound)
    }

    async fn get(&self, company: CompanyId, id: LabelId) -> anyhow::Result<Option<Label>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move { label(conn, company, id).await })
            })
            .await
    }

    async fn delete(&self, company: CompanyId, id: LabelId) -> anyhow::Result<bool> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let n =
                        diesel::sql_query("DELETE FROM labels WHERE company_id = $1 AND id = $2")
                            .bind::<SqlUuid, _>(company.0)
                            .bind::<SqlUuid, _>(id.0)
                            .prepared()
                            .execute(conn)
                            .await?;
                    if n > 0 {
                        crate::events::emit(company, events::label_deleted(id))?;
                    }
                    Ok(n > 0)
                })
            })
            .await
    }

    async fn list(
        &self,
        company: CompanyId,
        after: Option<LabelCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Label, LabelCursor>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let mut sql = format!("SELECT {COLUMNS} FROM labels WHERE company_id = $1");
                    let limit_param = if after.is_some() {
                        sql.push_str(" AND ");
                        sql.push_str(&keyset::after_text(Order::Asc, ["name", "id"], 2));
                        4
                    } else {
                        2
                    };
                    sql.push_str(&format!(" ORDER BY name, id LIMIT ${limit_param}"));
                    let mut q = diesel::sql_query(sql)
                        .into_boxed::<diesel::pg::Pg>()
                        .bind::<SqlUuid, _>(company.0);
                    if let Some(c) = after {
                        q = q.bind::<Text, _>(c.name).bind::<SqlUuid, _>(c.id.0);
                    }
                    let rows: Vec<LabelRow> = q
                        .bind::<BigInt, _>(keyset::fetch(limit))
                        .prepared()
                        .load(conn)
                        .await?;
                    let labels = rows.into_iter().map(Label::from).collect();
                    Ok(Page::from_rows(labels, limit, Label::cursor))
                })
            })
            .await
    }

    async fn attach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label_id: LabelId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Attachment> {
        self.db
            .tenant_tx(TenantScope::user_opt(company, by), move |conn| {
                Box::pin(async move {
                    let Some(client) = thread_client(conn, company, conversation).await? else {
                        return Ok(Attachment::ConversationNotFound);
                    };
                    let Some(found) = label(conn, company, label_id).await? else {
                        return Ok(Attachment::LabelNotFound);
                    };
                    let n = diesel::sql_query(
                        "INSERT INTO conversation_labels (company_id, conversation_id, label_id, attached_by, attached_at)
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(conversation.0)
                    .bind::<SqlUuid, _>(label_id.0)
                    .bind::<Nullable<SqlUuid>, _>(by.map(|u| u.0))
                    .bind::<Timestamptz, _>(at)
                    .prepared()
                    .execute(conn)
                    .await?;
                    if n > 0 {
                        crate::events::emit(
                            company,
                            events::label_attachment(conversation, client, &found, true, by),
                        )?;
                    }
                    Ok(Attachment::Labels(labels_of(conn, company, conversation).await?))
                })
            })
            .await
    }

    async fn detach(
        &self,
        company: CompanyId,
        conversation: ConversationId,
        label_id: LabelId,
        by: Option<UserId>,
    ) -> anyhow::Result<Attachment> {
        self.db
            .tenant_tx(TenantScope::user_opt(company, by), move |conn| {
                Box::pin(async move {
                    let Some(client) = thread_client(conn, company, conversation).await? else {
                        return Ok(Attachment::ConversationNotFound);
                    };
                    let Some(found) = label(conn, company, label_id).await? else {
                        return Ok(Attachment::LabelNotFound);
                    };
                    let n = diesel::sql_query(
                        "DELETE FROM conversation_labels
                          WHERE company_id = $1 AND conversation_id = $2 AND label_id = $3",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(conversation.0)
                    .bind::<SqlUuid, _>(label_id.0)
                    .prepared()
                    .execute(conn)
                    .await?;
                    if n > 0 {
                        crate::events::emit(
                            company,
                            events::label_attachment(conversation, client, &found, false, by),
                        )?;
                    }
                    Ok(Attachment::Labels(
                        labels_of(conn, company, conversation).await?,
                    ))
                })
            })
            .await
    }

    async fn of_conversation(
        &self,
        company: CompanyId,
        conversation: ConversationId,
    ) -> anyhow::Result<Attachment> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    if thread_client(conn, company, conversation).await?.is_none() {
                        return Ok(Attachment::ConversationNotFound);
                    }
                    Ok(Attachment::Labels(
                        labels_of(conn, company, conversation).await?,
                    ))
                })
            })
            .await
    }
}
