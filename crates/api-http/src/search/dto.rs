//! Bodies of `/api/search/messages`.

use chrono::{DateTime, Utc};
use domain::search::{MessageHit, SnippetPart};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A piece of a snippet, as stored (render `text` as text, never as HTML).
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPartDto {
    /// The text.
    pub text: String,
    /// Whether it matched the query (show it highlighted).
    pub highlight: bool,
}

impl From<SnippetPart> for SnippetPartDto {
    fn from(p: SnippetPart) -> Self {
        Self {
            text: p.text,
            highlight: p.highlight,
        }
    }
}

/// A message that matched: where it is, who wrote it, and the passage of its text that matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageHitDto {
    /// The message.
    pub id: Uuid,
    /// Its conversation: open it with `GET /api/conversations/{id}`.
    pub conversation_id: Uuid,
    /// The client it belongs to.
    pub client_id: Uuid,
    /// The client's name, if known.
    pub client_name: Option<String>,
    /// `whatsapp`, `instagram`, `email`, `sms`, or `internal` (a note of the clinic's own).
    pub channel: String,
    /// `inbound` (from the client) or `outbound` (from the clinic).
    pub direction: String,
    /// When it occurred (the list's order, newest first).
    pub occurred_at: DateTime<Utc>,
    /// The passage of the text that best covers the matches (12 to 30 words; a short message
    /// whole), as parts in order; the matching words have `highlight: true`.
    pub snippet: Vec<SnippetPartDto>,
}

impl From<MessageHit> for MessageHitDto {
    fn from(h: MessageHit) -> Self {
        Self {
            id: h.id.0,
            conversation_id: h.conversation_id.0,
            client_id: h.client_id.0,
            client_name: h.client_name,
            channel: h.channel.as_str().to_owned(),
            direction: h.direction.as_str().to_owned(),
            occurred_at: h.occurred_at,
            snippet: h.snippet.into_iter().map(SnippetPartDto::from).collect(),
        }
    }
}

/// A page of matching messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageHitList {
    /// Newest first.
    pub data: Vec<MessageHitDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
