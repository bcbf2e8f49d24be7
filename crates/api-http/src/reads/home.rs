//! The Home summary and the inbox.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::conversations::SortCursor;
use domain::reads::InboxFilter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::conversations::handlers::channel;
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The inbox's cursors.
const INBOX: List<SortCursor> = List::new("inbox");

/// A Home shortcut.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuickActionDto {
    /// Stable id.
    pub id: String,
    /// Label in the clinic's locale.
    pub label: String,
    /// Frontend route.
    pub href: String,
}

/// The Home screen's numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct HomeDto {
    /// Non-canceled appointments starting today in the clinic's timezone.
    pub appointments_today_count: u64,
    /// Active conversations.
    pub open_conversations_count: u64,
    /// Unread inbound messages of active conversations.
    pub unread_inbound_count: u64,
    /// Payments received today (clinic's timezone), per currency; empty when none.
    pub received_today: Vec<crate::payments::dto::MoneyDto>,
    /// Shortcuts.
    pub quick_actions: Vec<QuickActionDto>,
}

/// The inbox's patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxClientDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: Option<String>,
    /// Phone (E.164).
    pub phone: Option<String>,
}

/// The last message of an inbox row.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxMessageDto {
    /// Up to 120 characters.
    pub snippet: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Delivery status.
    pub status: String,
}

/// One active conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItemDto {
    /// The thread.
    pub conversation_id: Uuid,
    /// The patient.
    pub client: InboxClientDto,
    /// The channel of the last message.
    pub channel: String,
    /// The last message.
    pub last_message: Option<InboxMessageDto>,
    /// Whether there are unread messages.
    pub unread: bool,
    /// How many.
    pub unread_count: u32,
    /// When the thread started.
    pub started_at: DateTime<Utc>,
}

/// A page of the inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDto {
    /// Most recent message first.
    pub data: Vec<InboxItemDto>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// `GET /api/inbox/summary` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
    /// Only threads whose last message is on this channel.
    pub channel: Option<String>,
    /// Only threads with unread messages.
    pub unread_only: Option<bool>,
    /// Only threads carrying this label (`GET /api/labels`); another clinic's label matches none.
    pub label: Option<Uuid>,
}

/// The Home screen: today's appointments (clinic timezone, canceled excluded), open
/// conversations, unread inbound messages, today's received payments per currency, quick
/// actions; one database statement.
///
/// # Errors
/// 401, 403.
#[utoipa::path(get, path = "/api/summary/home", tag = "frontend",
    responses(
        (status = 200, description = "The Home counts", body = HomeDto),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn home(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let h = state
        .reads
        .home(caller.0.company_id)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok().json(HomeDto {
        appointments_today_count: h.appointments_today_count,
        open_conversations_count: h.open_conversations_count,
        unread_inbound_count: h.unread_inbound_count,
        received_today: h.received_today.into_iter().map(Into::into).collect(),
        quick_actions: h
            .quick_actions
            .into_iter()
            .map(|a| QuickActionDto {
                id: a.id.to_owned(),
                label: a.label.to_owned(),
                href: a.href.to_owned(),
            })
            .collect(),
    }))
}

/// Active conversations, most recent message first, keyset-paginated (one query per page).
///
/// # Errors
/// 401, 403, 422.
#[utoipa::path(get, path = "/api/inbox/summary", tag = "frontend", params(InboxQuery),
    responses(
        (status = 200, description = "A page of the inbox", body = InboxDto),
        (status = 422, description = "Invalid filter, limit or cursor", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn inbox(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, Problem> {
    let page = INBOX.page(query.limit.as_deref(), query.cursor.as_deref())?;
    let channel = query
        .channel
        .as_deref()
        .map(|c| channel("channel", c))
        .transpose()?;
    let filter = InboxFilter {
        channel,
        unread_only: query.unread_only.unwrap_or(false),
        label: query.label.map(domain::LabelId),
    };
    let page = state
        .reads
        .inbox(caller.0.company_id, filter, page.after, page.limit)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok().json(InboxDto {
        data: page
            .data
            .into_iter()
            .map(|i| InboxItemDto {
                conversation_id: i.conversation_id.0,
                client: InboxClientDto {
                    id: i.client_id.0,
                    name: i.client_name,
                    phone: i.client_phone,
                },
                channel: i.channel.as_str().to_owned(),
                last_message: i.last_message.map(|m| InboxMessageDto {
                    snippet: m.snippet,
                    direction: m.direction.as_str().to_owned(),
                    at: m.at,
                    status: m.status.as_str().to_owned(),
                }),
                unread: i.unread_count > 0,
                unread_count: i.unread_count,
                started_at: i.started_at,
            })
            .collect(),
        next_cursor: INBOX.encode(page.next.as_ref()),
    }))
}
