//! [`NoteRepository`] over PostgreSQL: internal notes on conversations (`conversation_notes`).
//! Every method is one tenant unit of work; a note is appended with its `note.created` event and
//! touches nothing else (no thread field, no job).

use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::notes::{MAX_NOTES_PER_PAGE, NewNote, Note, NoteAuthor, NoteWindow};
use domain::ports::notes::NoteRepository;
use domain::{ClientId, CompanyId, ConversationId, NoteId, UserId};
use uuid::Uuid;

/// The PostgreSQL adapter of the note port.
#[derive(Clone, Debug)]
pub struct PgNotes {
    db: Database,
}

impl PgNotes {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A note with its author's name as it is now.
#[derive(Debug, QueryableByName)]
struct NoteRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    conversation_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    author_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    author_name: Option<String>,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

impl From<NoteRow> for Note {
    fn from(r: NoteRow) -> Self {
        Self {
            id: NoteId(r.id),
            conversation_id: ConversationId(r.conversation_id),
            author: r.author_id.map(|id| NoteAuthor {
                id: UserId(id),
                name: r.author_name.unwrap_or_default(),
            }),
            text: r.text,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, QueryableByName)]
struct ClientOfThread {
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
}

/// The note columns with the author's name (`n` is the note, joined to `users`).
const NOTE_COLUMNS: &str =
    "n.id, n.conversation_id, n.author_id, u.name AS author_name, n.text, n.created_at";

/// The notes of a thread in `window`, newest first (at most [`MAX_NOTES_PER_PAGE`]), in the
/// caller's transaction (the conversation view's unit of work).
pub(crate) async fn window_in(
    conn: &mut diesel_async::AsyncPgConnection,
    company: CompanyId,
    conversation: ConversationId,
    window: NoteWindow,
) -> anyhow::Result<Vec<Note>> {
    let rows: Vec<NoteRow> = diesel::sql_query(format!(
        "SELECT {NOTE_COLUMNS} FROM conversation_notes n
           LEFT JOIN users u ON u.company_id = n.company_id AND u.id = n.author_id
          WHERE n.company_id = $1 AND n.conversation_id = $2
            AND ($3::timestamptz IS NULL OR (n.created_at, n.id) < ($3, $4))
            AND ($5::timestamptz IS NULL OR (n.created_at, n.id) >= ($5, $6))
          ORDER BY n.created_at DESC, n.id DESC
          LIMIT $7"
    ))
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(conversation.0)
    .bind::<Nullable<Timestamptz>, _>(window.before.map(|c| c.at))
    .bind::<Nullable<SqlUuid>, _>(window.before.map(|c| c.id))
    .bind::<Nullable<Timestamptz>, _>(window.from.map(|c| c.at))
    .bind::<Nullable<SqlUuid>, _>(window.from.map(|c| c.id))
    .bind::<BigInt, _>(i64::from(MAX_NOTES_PER_PAGE))
    .prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(Note::from).collect())
}

#[async_trait]
impl NoteRepository for PgNotes {
    async fn add(&self, company: CompanyId, note: NewNote) -> anyhow::Result<Option<Note>> {
        self.db
            .tenant_tx(
                TenantScope::user_opt(company, note.author_id),
                move |conn| {
                    Box::pin(async move {
                        let thread: Option<ClientOfThread> = diesel::sql_query(
                            "SELECT client_id FROM conversation_threads WHERE company_id = $1 AND id = $2",
                        )
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<SqlUuid, _>(note.conversation_id.0)
                        .prepared()
                        .get_result(conn)
                        .await
                        .optional()?;
                        let Some(thread) = thread else {
                            return Ok(None);
                        };
                        let row: NoteRow = diesel::sql_query(format!(
                            "WITH n AS (
                                INSERT INTO conversation_notes (id, company_id, conversation_id, author_id, text, created_at)
                                VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
                             SELECT {NOTE_COLUMNS} FROM n
                               LEFT JOIN users u ON u.company_id = n.company_id AND u.id = n.author_id"
                        ))
                        .bind::<SqlUuid, _>(note.id.0)
                        .bind::<SqlUuid, _>(company.0)
                        .bind::<SqlUuid, _>(note.conversation_id.0)
                        .bind::<Nullable<SqlUuid>, _>(note.author_id.map(|u| u.0))
                        .bind::<Text, _>(note.text)
                        .bind::<Timestamptz, _>(note.at)
                        .prepared()
                        .get_result(conn)
                        .await?;
                        let note = Note::from(row);
                        crate::events::emit(
                            company,
                            domain::events::note_created(&note, ClientId(thread.client_id)),
                        )?;
                        Ok(Some(note))
                    })
                },
            )
            .await
    }
}
