//! Replies sent through the clinic's relay: the durable outbox's values.
//!
//! A reply is stored as an outbound interaction with status `queued`, together with an
//! `outbound_dispatch` job and (when the client sent one) its `Idempotency-Key`, in one
//! transaction. The worker dispatches it; statuses then only move forward
//! (see [`crate::conversations::DeliveryStatus::transition`]).

use crate::Channel;
use crate::conversations::{Conversation, Interaction, NewInteraction};
use crate::jobs::NewJob;
use crate::ports::dispatcher::Recipient;
use chrono::{DateTime, Duration, Utc};

/// How long an `Idempotency-Key` answers with the first send (after that it may be reused).
#[must_use]
pub fn idempotency_ttl() -> Duration {
    Duration::hours(24)
}

/// WhatsApp accepts free-form replies only this long after the patient's last message.
#[must_use]
pub fn whatsapp_service_window() -> Duration {
    Duration::hours(24)
}

/// A client's `Idempotency-Key`, bound to the request it came with: the same key with another
/// request is refused instead of answering a message that is not the one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key (1 to 255 visible ASCII characters).
    pub key: String,
    /// The request's canonical form ([`send_fingerprint`]); the store keeps its SHA-256.
    pub request: String,
}

/// The canonical form of a send an `Idempotency-Key` is bound to: the thread, the channel as
/// asked (`null` for the default) and the text. Deterministic: the same request always gives the
/// same text.
#[must_use]
pub fn send_fingerprint(
    conversation: crate::ConversationId,
    channel: Option<Channel>,
    text: &str,
) -> String {
    serde_json::json!({
        "v": 1,
        "conversation_id": conversation.0,
        "channel": channel.map(|c| c.as_str()),
        "text": text,
    })
    .to_string()
}

/// The message an earlier send with the same `Idempotency-Key` created.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierSend {
    /// The message.
    pub interaction: Interaction,
    /// When the key was stored.
    pub at: DateTime<Utc>,
    /// The earlier send was the same request (keys stored before requests were hashed count as
    /// the same).
    pub same_request: bool,
}

/// Everything the send rules look at, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SendContext {
    /// The thread.
    pub conversation: Conversation,
    /// The channels the patient has an identity on.
    pub identity_channels: Vec<Channel>,
    /// What an earlier send with the same key created.
    pub earlier: Option<EarlierSend>,
}

/// A reply to store and queue in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedSend {
    /// The outbound message (status `queued`).
    pub message: NewInteraction,
    /// Its `outbound_dispatch` job.
    pub job: NewJob,
    /// The client's `Idempotency-Key` and the request it is bound to, if any.
    pub idempotency_key: Option<IdempotencyKey>,
    /// A stored key older than this is replaced (reused for this send); a newer one wins.
    pub key_cutoff: DateTime<Utc>,
}

/// What storing a reply came to.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq)]
pub enum QueueOutcome {
    /// Stored and queued; the thread after the update.
    Queued {
        /// The new message.
        interaction: Interaction,
        /// Its thread.
        conversation: Conversation,
    },
    /// A concurrent send with the same key and request won: its interaction (nothing was
    /// stored).
    Replay(Interaction),
    /// A concurrent send with the same key but another request won (nothing was stored).
    KeyReused,
    /// The thread was closed meanwhile.
    ConversationClosed,
    /// No such thread in this clinic.
    ConversationNotFound,
}

/// What the worker needs to dispatch one message.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchInfo {
    /// The message.
    pub interaction: Interaction,
    /// The patient's identity on the message's channel, if any.
    pub recipient: Option<Recipient>,
}

/// What re-queuing a failed message came to.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq)]
pub enum RequeueOutcome {
    /// Back to `queued`, with a new dispatch job.
    Requeued(Interaction),
    /// Not a failed outbound message.
    NotRetryable,
    /// No such message in this clinic.
    NotFound,
}

/// The payload of an `outbound_dispatch` job.
#[must_use]
pub fn dispatch_job(interaction: crate::InteractionId, max_attempts: u32) -> NewJob {
    NewJob {
        kind: crate::jobs::kinds::OUTBOUND_DISPATCH.to_owned(),
        payload: serde_json::json!({ "interaction_id": interaction }),
        run_at: None,
        unique_key: None,
        max_attempts: Some(max_attempts),
    }
}

/// The longest provider message id kept (`interactions.external_id`).
pub const MAX_PROVIDER_ID_CHARS: usize = 256;

/// What recording a reply the relay accepted came to. It is `sent` (or stays at a later status)
/// in every case but `NotFound`: a reply the relay accepted is never dispatched again because its
/// provider id could not be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentRecord {
    /// Recorded with its provider id (or without one, when the relay gave none).
    Recorded,
    /// Recorded without the provider id the relay gave; `issue` says why (`conflict`: another
    /// message of the clinic already has it; `invalid`: blank, too long or with control
    /// characters). The interaction's `metadata.provider_id_issue` notes it.
    RecordedWithoutProviderId {
        /// `conflict` or `invalid`.
        issue: &'static str,
    },
    /// No such message (deleted meanwhile).
    NotFound,
}

/// Whether a provider message id can be stored as given: not blank, at most
/// [`MAX_PROVIDER_ID_CHARS`] characters, no control characters.
#[must_use]
pub fn provider_id_is_valid(id: &str) -> bool {
    !id.trim().is_empty()
        && id.chars().count() <= MAX_PROVIDER_ID_CHARS
        && !id.chars().any(char::is_control)
}
