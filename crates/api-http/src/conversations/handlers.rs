//! Start, list, view, close and mark-read handlers (each a thin mapping onto a use case).

use actix_web::{HttpResponse, web};
use app::conversations::{
    CloseConversationError, MarkReadError, StartConversationError, ViewConversationError,
};
use domain::conversations::{ConversationFilter, SortCursor, ThreadStatus};
use domain::{Channel, ClientId, ConversationId};
use garde::Validate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{
    ClientBriefDto, ConversationDto, ConversationListDto, ConversationViewDto, InteractionDto,
    InteractionListDto, ListQuery,
};
use crate::crm::QueryParser;
use crate::pagination::{List, PageQuery};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The thread list's cursors.
const THREADS: List<SortCursor> = List::new("conversations");
/// The cursors of a thread's messages.
const MESSAGES: List<SortCursor> = List::new("interactions");

/// `POST /api/conversations/start` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The patient.
    #[garde(skip)]
    pub client_id: Uuid,
    /// `whatsapp`, `instagram`, `email`, `sms` or `internal`.
    #[garde(length(chars, min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub channel: String,
}

/// `PATCH /api/conversations/{id}/close` body.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Why (up to 200 characters).
    #[garde(inner(length(chars, min = 1, max = 200)))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: Option<String>,
}

/// Parses a channel name, naming `field` when it is unknown.
pub(crate) fn channel(field: &str, raw: &str) -> Result<Channel, Problem> {
    raw.parse().map_err(|_| {
        Problem::validation(vec![FieldError::new(
            field,
            "must be whatsapp, instagram, email, sms or internal",
        )])
    })
}

fn record_scope(caller: &Caller) {
    let span = tracing::Span::current();
    span.record("company_id", tracing::field::display(caller.0.company_id));
    if let Some(u) = caller.0.user_id {
        span.record("user_id", tracing::field::display(u));
    }
}

/// Returns the patient's active thread when its last message is within the clinic's reopen window
/// (200), else closes the stale thread (`window_expired`) and opens a new one (201).
///
/// # Errors
/// 401, 403, 404 (client not in this clinic), 422.
#[utoipa::path(post, path = "/api/conversations/start", tag = "conversations", request_body = StartRequest,
    responses(
        (status = 200, description = "The active thread, reused", body = ConversationDto),
        (status = 201, description = "A new thread", body = ConversationDto),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn start(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<StartRequest>,
) -> Result<HttpResponse, Problem> {
    record_scope(&caller);
    body.validate()?;
    let channel = channel("channel", &body.channel)?;
    match state
        .conversations
        .start(caller.0.company_id, ClientId(body.client_id), channel)
        .await
    {
        Ok(s) if s.created => {
            Ok(HttpResponse::Created().json(ConversationDto::from(s.conversation)))
        }
        Ok(s) => Ok(HttpResponse::Ok().json(ConversationDto::from(s.conversation))),
        Err(StartConversationError::ClientNotFound) => Err(Problem::not_found()),
        Err(StartConversationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Threads ordered by their last message (or start), newest first, keyset-paginated.
///
/// # Errors
/// 401, 403, 422 (bad filter, limit or cursor).
#[utoipa::path(get, path = "/api/conversations", tag = "conversations", params(ListQuery),
    responses(
        (status = 200, description = "A page of threads", body = ConversationListDto),
        (status = 422, description = "Invalid query", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    record_scope(&caller);
    let mut p = QueryParser::default();
    let status = match query.status.as_deref() {
        None => None,
        Some("active") => Some(ThreadStatus::Active),
        Some("closed") => Some(ThreadStatus::Closed),
        Some(_) => {
            p.error("status", "must be active or closed");
            None
        }
    };
    let page = THREADS.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    let filter = ConversationFilter {
        client_id: query.client_id.map(ClientId),
        status,
        label: query.label.map(domain::LabelId),
    };
    let page = state
        .conversations
        .list(caller.0.company_id, filter, page.after, page.limit)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok().json(ConversationListDto {
        data: page.data.into_iter().map(ConversationDto::from).collect(),
        next_cursor: THREADS.encode(page.next.as_ref()),
    }))
}

/// A thread, its patient, and a page of its messages, newest first (the cursor pages to older
/// ones), with the internal notes of that page's span of time.
///
/// # Errors
/// 401, 403, 404, 422.
#[utoipa::path(get, path = "/api/conversations/{id}", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id"), PageQuery),
    responses(
        (status = 200, description = "The thread and a page of messages", body = ConversationViewDto),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit or cursor", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn view(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    record_scope(&caller);
    let id = id.into_inner();
    tracing::Span::current().record("conversation_id", tracing::field::display(id));
    let page = query.page(&MESSAGES)?;
    match state
        .conversations
        .view(
            caller.0.company_id,
            ConversationId(id),
            page.after,
            page.limit,
        )
        .await
    {
        Ok(v) => Ok(HttpResponse::Ok().json(ConversationViewDto {
            conversation: v.conversation.into(),
            client: ClientBriefDto::from(v.client),
            interactions: InteractionListDto {
                data: v
                    .interactions
                    .data
                    .into_iter()
                    .map(InteractionDto::from)
                    .collect(),
                next_cursor: MESSAGES.encode(v.interactions.next.as_ref()),
            },
            notes: v.notes.into_iter().map(Into::into).collect(),
        })),
        Err(ViewConversationError::NotFound) => Err(Problem::not_found()),
        Err(ViewConversationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Closes a thread (200 `{status: closed, ended_at}` with the whole thread); closing a closed
/// thread is a 200 no-op. Unread counts are not touched.
///
/// # Errors
/// 401, 403, 404, 422.
#[utoipa::path(patch, path = "/api/conversations/{id}/close", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = CloseRequest,
    responses(
        (status = 200, description = "The closed thread", body = ConversationDto),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn close(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    record_scope(&caller);
    // The body is optional; when present it must be valid JSON.
    let body: CloseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CloseRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                Problem::malformed_json("the body is not valid JSON")
            } else {
                Problem::validation(vec![FieldError::new(
                    "reason",
                    "must be a string of 1 to 200 characters",
                )])
            }
        })?
    };
    body.validate()?;
    let id = id.into_inner();
    tracing::Span::current().record("conversation_id", tracing::field::display(id));
    match state
        .conversations
        .close(
            caller.0.company_id,
            ConversationId(id),
            body.reason,
            caller.0.user_id,
        )
        .await
    {
        Ok(c) => Ok(HttpResponse::Ok().json(ConversationDto::from(c))),
        Err(CloseConversationError::NotFound) => Err(Problem::not_found()),
        Err(CloseConversationError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Marks a thread read: unread 0, with who and when.
///
/// # Errors
/// 401, 403, 404.
#[utoipa::path(post, path = "/api/conversations/{id}/read", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "The thread, read", body = ConversationDto),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn read(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    record_scope(&caller);
    let id = id.into_inner();
    tracing::Span::current().record("conversation_id", tracing::field::display(id));
    match state
        .conversations
        .mark_read(caller.0.company_id, ConversationId(id), caller.0.user_id)
        .await
    {
        Ok(c) => Ok(HttpResponse::Ok().json(ConversationDto::from(c))),
        Err(MarkReadError::NotFound) => Err(Problem::not_found()),
        Err(MarkReadError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
