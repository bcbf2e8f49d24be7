//! Row types of the conversation tables and their conversion into domain values.

use crate::schema::{conversation_threads, interactions};
use chrono::{DateTime, Utc};
use diesel::{QueryableByName, Selectable};
use domain::conversations::{
    ContentType, Conversation, DeliveryStatus, Direction, Interaction, InteractionSource,
    LastMessage, ThreadStatus,
};
use domain::{Channel, ClientId, ConversationId, InteractionId, UserId};
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName, Selectable, diesel::Queryable)]
#[diesel(table_name = conversation_threads)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub(crate) struct ThreadRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub status: String,
    pub channel: String,
    pub last_inbound_channel: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub closed_by: Option<Uuid>,
    pub last_message_at: Option<DateTime<Utc>>,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub sort_at: DateTime<Utc>,
    pub unread_count: i32,
    pub last_read_at: Option<DateTime<Utc>>,
    pub last_read_by: Option<Uuid>,
    pub last_interaction_id: Option<Uuid>,
    pub last_message_snippet: Option<String>,
    pub last_message_direction: Option<String>,
    pub last_message_status: Option<String>,
}

#[derive(Debug, Clone, QueryableByName, Selectable, diesel::Queryable)]
#[diesel(table_name = interactions)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub(crate) struct InteractionRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub client_id: Uuid,
    pub channel: String,
    pub direction: String,
    pub content_type: String,
    pub text: Option<String>,
    pub media: Option<serde_json::Value>,
    pub metadata: serde_json::Value,
    pub external_id: Option<String>,
    pub status: String,
    pub error: Option<serde_json::Value>,
    pub source: String,
    pub sent_by_user_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn bad(what: &str, value: &str) -> anyhow::Error {
    anyhow::anyhow!("unexpected {what} in the database: {value}")
}

pub(crate) fn channel(s: &str) -> anyhow::Result<Channel> {
    s.parse().map_err(|_| bad("channel", s))
}

pub(crate) fn direction(s: &str) -> anyhow::Result<Direction> {
    match s {
        "inbound" => Ok(Direction::Inbound),
        "outbound" => Ok(Direction::Outbound),
        _ => Err(bad("direction", s)),
    }
}

fn status(s: &str) -> anyhow::Result<DeliveryStatus> {
    DeliveryStatus::parse(s).ok_or_else(|| bad("status", s))
}

impl TryFrom<ThreadRow> for Conversation {
    type Error = anyhow::Error;

    fn try_from(r: ThreadRow) -> anyhow::Result<Self> {
        let last_message = match (
            r.last_interaction_id,
            r.last_message_direction.as_deref(),
            r.last_message_status.as_deref(),
        ) {
            (Some(id), Some(d), Some(s)) => Some(LastMessage {
                interaction_id: InteractionId(id),
                snippet: r.last_message_snippet,
                direction: direction(d)?,
                status: status(s)?,
            }),
            _ => None,
        };
        Ok(Self {
            id: ConversationId(r.id),
            client_id: ClientId(r.client_id),
            status: match r.status.as_str() {
                "active" => ThreadStatus::Active,
                "closed" => ThreadStatus::Closed,
                other => return Err(bad("thread status", other)),
            },
            channel: channel(&r.channel)?,
            last_inbound_channel: r.last_inbound_channel.as_deref().map(channel).transpose()?,
            started_at: r.started_at,
            ended_at: r.ended_at,
            close_reason: r.close_reason,
            closed_by: r.closed_by.map(UserId),
            last_message_at: r.last_message_at,
            last_inbound_at: r.last_inbound_at,
            unread_count: u32::try_from(r.unread_count).unwrap_or(0),
            last_read_at: r.last_read_at,
            last_read_by: r.last_read_by.map(UserId),
            last_message,
        })
    }
}

impl TryFrom<InteractionRow> for Interaction {
    type Error = anyhow::Error;

    fn try_from(r: InteractionRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: InteractionId(r.id),
            conversation_id: ConversationId(r.conversation_id),
            client_id: ClientId(r.client_id),
            channel: channel(&r.channel)?,
            direction: direction(&r.direction)?,
            content_type: ContentType::parse(&r.content_type)
                .ok_or_else(|| bad("content type", &r.content_type))?,
            text: r.text,
            media: r.media,
            metadata: r.metadata,
            external_id: r.external_id,
            status: status(&r.status)?,
            error: r.error,
            source: InteractionSource::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
            sent_by_user_id: r.sent_by_user_id.map(UserId),
            occurred_at: r.occurred_at,
            created_at: r.created_at,
            deleted_at: r.deleted_at,
        })
    }
}
