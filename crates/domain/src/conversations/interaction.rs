//! Messages.

use crate::{Channel, ClientId, ConversationId, InteractionId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DeliveryStatus;

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the patient.
    Inbound,
    /// From the clinic.
    Outbound,
}

impl Direction {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ContentType {
    Text,
    Image,
    Audio,
    Video,
    Document,
    Location,
    Sticker,
    Reaction,
    Interactive,
    Button,
    Contacts,
    System,
    Unsupported,
    Unknown,
}

impl ContentType {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
            Self::Location => "location",
            Self::Sticker => "sticker",
            Self::Reaction => "reaction",
            Self::Interactive => "interactive",
            Self::Button => "button",
            Self::Contacts => "contacts",
            Self::System => "system",
            Self::Unsupported => "unsupported",
            Self::Unknown => "unknown",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionSource {
    /// Recorded through the API (`POST /api/interactions`, `POST /api/chat/send`).
    Api,
    /// Delivered by the n8n relay.
    Webhook,
    /// Delivered by Meta directly.
    Meta,
    /// Sent from the provider's own app (an Instagram echo).
    ProviderApp,
    /// Written by an AI agent.
    Agent,
    /// Imported history.
    Import,
}

impl InteractionSource {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Webhook => "webhook",
            Self::Meta => "meta",
            Self::ProviderApp => "provider_app",
            Self::Agent => "agent",
            Self::Import => "import",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// Its id.
    pub id: InteractionId,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// The patient.
    pub client_id: ClientId,
    /// The channel it travelled on.
    pub channel: Channel,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it carries.
    pub content_type: ContentType,
    /// Its text (None for media without caption, or after the patient unsent it).
    pub text: Option<String>,
    /// Media descriptor (`{url, mime_type, caption}`), if any.
    pub media: Option<serde_json::Value>,
    /// Provider-specific extras.
    pub metadata: serde_json::Value,
    /// The provider's message id.
    pub external_id: Option<String>,
    /// Delivery status.
    pub status: DeliveryStatus,
    /// The last delivery error (`{code, title}`), if any.
    pub error: Option<serde_json::Value>,
    /// Where it came from.
    pub source: InteractionSource,
    /// The member who sent it (outbound).
    pub sent_by_user_id: Option<UserId>,
    /// When it happened (the provider's time for inbound messages).
    pub occurred_at: DateTime<Utc>,
    /// When Atende stored it.
    pub created_at: DateTime<Utc>,
    /// When the patient unsent it.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInteraction {
    /// Its id (v7).
    pub id: InteractionId,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// The patient.
    pub client_id: ClientId,
    /// The channel.
    pub channel: Channel,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it carries.
    pub content_type: ContentType,
    /// Its text.
    pub text: Option<String>,
    /// Media descriptor.
    pub media: Option<serde_json::Value>,
    /// Provider-specific extras.
    pub metadata: serde_json::Value,
    /// The provider's message id; `(clinic, channel, external_id)` is stored once.
    pub external_id: Option<String>,
    /// Initial status (`Received` for inbound).
    pub status: DeliveryStatus,
    /// Where it came from.
    pub source: InteractionSource,
    /// The member who sent it.
    pub sent_by_user_id: Option<UserId>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}
