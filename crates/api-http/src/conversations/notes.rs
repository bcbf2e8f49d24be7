//! `POST /api/conversations/{id}/notes`: internal notes, and their wire shapes.

use actix_web::{HttpResponse, web};
use app::conversations::AddNoteError;
use chrono::{DateTime, Utc};
use domain::ConversationId;
use domain::notes::Note;
use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Who wrote a note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteAuthorDto {
    /// The member.
    pub id: Uuid,
    /// Their name.
    pub name: String,
}

/// An internal note: visible to the clinic's members only, never sent to the patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteDto {
    /// Its id.
    pub id: Uuid,
    /// Its thread.
    pub conversation_id: Uuid,
    /// Who wrote it (`null` when an API token did).
    pub author: Option<NoteAuthorDto>,
    /// Its text.
    pub text: String,
    /// When it was written (its place among the messages).
    pub created_at: DateTime<Utc>,
}

impl From<Note> for NoteDto {
    fn from(n: Note) -> Self {
        Self {
            id: n.id.0,
            conversation_id: n.conversation_id.0,
            author: n.author.map(|a| NoteAuthorDto {
                id: a.id.0,
                name: a.name,
            }),
            text: n.text,
            created_at: n.created_at,
        }
    }
}

/// `POST /api/conversations/{id}/notes` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNoteRequest {
    /// The note (trimmed; 1 to 2,000 characters).
    #[garde(length(chars, min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// Adds an internal note to a thread (active or closed): any member, staff included, or an API
/// token (then without an author). A note is never sent to the patient, never counted as unread,
/// never moves the thread in the inbox and never reaches the analyst; the thread's history
/// (`GET /api/conversations/{id}`) shows it with its author, and the stream sends `note.created`.
///
/// # Errors
/// 401, 403, 404 (no such conversation in this clinic), 422.
#[utoipa::path(post, path = "/api/conversations/{id}/notes", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = AddNoteRequest,
    responses(
        (status = 201, description = "The note", body = NoteDto),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn add(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let span = tracing::Span::current();
    span.record("company_id", tracing::field::display(caller.company_id));
    span.record("conversation_id", tracing::field::display(id));
    let req: AddNoteRequest = body(json.into_inner())?;
    match state
        .conversations
        .add_note(
            caller.company_id,
            ConversationId(id),
            caller.user_id,
            &req.text,
        )
        .await
    {
        Ok(note) => Ok(HttpResponse::Created().json(NoteDto::from(note))),
        Err(AddNoteError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(AddNoteError::NotFound) => Err(Problem::not_found()),
        Err(AddNoteError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// The example of a note.
#[must_use]
pub fn example_note() -> Value {
    json!({
        "id": "0193a7e2-5b1c-7a0c-8f00-00000000000c",
        "conversation_id": "0193a7e2-5b1c-7a06-8f00-000000000006",
        "author": { "id": "0193a7e2-5b1c-7a02-8f00-000000000002", "name": "Bruna Recepção" },
        "text": "Prefere ser chamada pela manhã.",
        "created_at": "2026-03-10T12:00:00Z"
    })
}

/// The examples of this module's schemas.
#[must_use]
pub fn examples(name: &str) -> Option<Value> {
    Some(match name {
        "NoteDto" => example_note(),
        "AddNoteRequest" => json!({ "text": "Prefere ser chamada pela manhã." }),
        _ => return None,
    })
}
