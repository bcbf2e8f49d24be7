//! Messages arriving from a channel (through the n8n relay or Meta directly), normalised.

use crate::conversations::{ContentType, DeliveryStatus, Direction, InteractionSource};
use crate::phone::Phone;
use crate::{Channel, ClientId, ConversationId, InteractionId};
use chrono::{DateTime, Utc};

/// Who wrote to the clinic (for an Instagram echo: the patient the clinic wrote to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The canonical channel id (`client_identities.external_id`): WhatsApp digits with the ninth
    /// digit or a business-scoped `CC.…` id; the Instagram-scoped id.
    pub external_id: String,
    /// Other ids of the same person on this channel (a WhatsApp BSUID next to the phone).
    pub other_ids: Vec<String>,
    /// The phone, when the channel tells it.
    pub phone: Option<Phone>,
    /// The profile name.
    pub name: Option<String>,
    /// The Instagram username.
    pub username: Option<String>,
}

/// A normalised message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The channel.
    pub channel: Channel,
    /// The provider's message id (stored once per clinic and channel).
    pub provider_message_id: String,
    /// The patient.
    pub sender: Sender,
    /// Inbound, or outbound for a message the clinic sent from the provider's own app (echo).
    pub direction: Direction,
    /// What it carries.
    pub content_type: ContentType,
    /// A readable text (the message, a caption, "📍 location", the chosen button…).
    pub text: Option<String>,
    /// Media descriptor.
    pub media: Option<serde_json::Value>,
    /// Provider-specific extras.
    pub metadata: serde_json::Value,
    /// When the provider says it happened.
    pub occurred_at: DateTime<Utc>,
    /// `webhook` (relay), `meta`, or `provider_app` (echo).
    pub source: InteractionSource,
}

impl InboundMessage {
    /// The status the message is stored with.
    #[must_use]
    pub fn initial_status(&self) -> DeliveryStatus {
        match self.direction {
            Direction::Inbound => DeliveryStatus::Received,
            Direction::Outbound => DeliveryStatus::Sent,
        }
    }
}

/// Where a stored (or already stored) message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    /// The message.
    pub interaction_id: InteractionId,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// The patient (a new `lead` when the sender was unknown).
    pub client_id: ClientId,
    /// The provider id had already been stored: nothing changed.
    pub duplicate: bool,
}

/// A delivery-status report for an outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// Atende's id of the message, when the reporter knows it.
    pub interaction_id: Option<InteractionId>,
    /// The provider's message id.
    pub provider_message_id: Option<String>,
    /// The new status.
    pub status: DeliveryStatus,
    /// The error (`{code, title}`) of a failure.
    pub error: Option<serde_json::Value>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// What a status report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusApplied {
    /// The status moved forward.
    Advanced(InteractionId),
    /// Late, repeated or backwards: nothing changed.
    Ignored(InteractionId),
    /// No such message in this clinic.
    NotFound,
}
