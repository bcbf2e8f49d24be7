//! Wire shapes of conversations and interactions.

use chrono::{DateTime, Utc};
use domain::conversations::{ClientSummary, Conversation, Interaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The last message of a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastMessageDto {
    /// Its id.
    pub interaction_id: Uuid,
    /// Up to 120 characters of its text.
    pub snippet: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Its delivery status.
    pub status: String,
}

/// A conversation thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationDto {
    /// Its id.
    pub id: Uuid,
    /// The patient.
    pub client_id: Uuid,
    /// `active` or `closed`.
    pub status: String,
    /// The channel of the last message.
    pub channel: String,
    /// The channel replies go to by default.
    pub last_inbound_channel: Option<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it was closed.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was closed (`window_expired` or the member's reason).
    pub close_reason: Option<String>,
    /// Who closed it.
    pub closed_by: Option<Uuid>,
    /// The newest message's time.
    pub last_message_at: Option<DateTime<Utc>>,
    /// The newest inbound message's time.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// Inbound messages since the last read or reply.
    pub unread_count: u32,
    /// When it was last marked read.
    pub last_read_at: Option<DateTime<Utc>>,
    /// Who last marked it read.
    pub last_read_by: Option<Uuid>,
    /// The newest message.
    pub last_message: Option<LastMessageDto>,
}

impl From<Conversation> for ConversationDto {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id.0,
            client_id: c.client_id.0,
            status: c.status.as_str().to_owned(),
            channel: c.channel.as_str().to_owned(),
            last_inbound_channel: c.last_inbound_channel.map(|ch| ch.as_str().to_owned()),
            started_at: c.started_at,
            ended_at: c.ended_at,
            close_reason: c.close_reason,
            closed_by: c.closed_by.map(|u| u.0),
            last_message_at: c.last_message_at,
            last_inbound_at: c.last_inbound_at,
            unread_count: c.unread_count,
            last_read_at: c.last_read_at,
            last_read_by: c.last_read_by.map(|u| u.0),
            last_message: c.last_message.map(|m| LastMessageDto {
                interaction_id: m.interaction_id.0,
                snippet: m.snippet,
                direction: m.direction.as_str().to_owned(),
                status: m.status.as_str().to_owned(),
            }),
        }
    }
}

/// A message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionDto {
    /// Its id.
    pub id: Uuid,
    /// Its thread.
    pub conversation_id: Uuid,
    /// The patient.
    pub client_id: Uuid,
    /// The channel it travelled on.
    pub channel: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// `text`, `image`, `audio`, …
    pub content_type: String,
    /// Its text.
    pub text: Option<String>,
    /// `{url, mime_type, caption}` when it carries media.
    #[schema(value_type = Option<Object>)]
    pub media: Option<serde_json::Value>,
    /// Provider-specific extras.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// The provider's message id.
    pub external_id: Option<String>,
    /// `received`, `queued`, `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    /// The last delivery error (`{code, title}`).
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
    /// Where it came from (`api`, `webhook`, `meta`, `provider_app`, `agent`, `import`).
    pub source: String,
    /// The member who sent it.
    pub sent_by_user_id: Option<Uuid>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When Atende stored it.
    pub created_at: DateTime<Utc>,
    /// When the patient unsent it.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<Interaction> for InteractionDto {
    fn from(i: Interaction) -> Self {
        Self {
            id: i.id.0,
            conversation_id: i.conversation_id.0,
            client_id: i.client_id.0,
            channel: i.channel.as_str().to_owned(),
            direction: i.direction.as_str().to_owned(),
            content_type: i.content_type.as_str().to_owned(),
            text: i.text,
            media: i.media,
            metadata: i.metadata,
            external_id: i.external_id,
            status: i.status.as_str().to_owned(),
            error: i.error,
            source: i.source.as_str().to_owned(),
            sent_by_user_id: i.sent_by_user_id.map(|u| u.0),
            occurred_at: i.occurred_at,
            created_at: i.created_at,
            deleted_at: i.deleted_at,
        }
    }
}

/// The patient beside a conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientBriefDto {
    /// Their id.
    pub id: Uuid,
    /// Their name.
    pub name: Option<String>,
    /// Their phone (E.164).
    pub phone: Option<String>,
}

impl From<ClientSummary> for ClientBriefDto {
    fn from(c: ClientSummary) -> Self {
        Self {
            id: c.id.0,
            name: c.name,
            phone: c.phone,
        }
    }
}

/// A page of conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationListDto {
    /// Newest activity first.
    pub data: Vec<ConversationDto>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionListDto {
    /// Newest first.
    pub data: Vec<InteractionDto>,
    /// Pass as `?cursor=` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A conversation with its patient and a page of its messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationViewDto {
    /// The thread.
    pub conversation: ConversationDto,
    /// The patient.
    pub client: ClientBriefDto,
    /// Its messages.
    pub interactions: InteractionListDto,
    /// The internal notes written in the span of time of this page of messages (from its
    /// oldest message, or the thread's start on the last page, up to the cursor the page was
    /// asked with, or now), newest first: place them among the messages by `created_at` (as
    /// messages by `occurred_at`). Paging through the history shows every note once.
    pub notes: Vec<super::notes::NoteDto>,
}

/// `GET /api/conversations` filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this patient's threads.
    pub client_id: Option<Uuid>,
    /// `active` or `closed`.
    pub status: Option<String>,
    /// Only threads carrying this label (`GET /api/labels`); another clinic's label matches none.
    pub label: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}
