//! Stored snapshots (append-only), the raw material an analysis is made of, and the daily
//! schedule's view of each clinic's clock.

use crate::conversations::Direction;
use crate::snapshots::{ClientFacts, SnapshotFlags};
use crate::{Channel, ClientId, CompanyId, ConversationId, InteractionId, SnapshotId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};

/// The version of the stored analysis shape (`schema_version`).
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

/// Why a snapshot was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotTrigger {
    /// `POST /api/snapshots/generate`.
    Manual,
    /// A conversation of the patient was closed.
    ConversationClosed,
    /// The clinic's daily run.
    Scheduled,
}

impl SnapshotTrigger {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::ConversationClosed => "conversation_closed",
            Self::Scheduled => "scheduled",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "manual" => Self::Manual,
            "conversation_closed" => Self::ConversationClosed,
            "scheduled" => Self::Scheduled,
            _ => return None,
        })
    }
}

/// A snapshot to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSnapshot {
    /// Its id (UUID v7).
    pub id: SnapshotId,
    /// The patient.
    pub client_id: ClientId,
    /// The conversation that prompted it, if any.
    pub source_conversation_id: Option<ConversationId>,
    /// At most 600 characters, in the clinic's locale.
    pub summary: String,
    /// The flags.
    pub flags: SnapshotFlags,
    /// A suggested next step.
    pub next_best_action: Option<String>,
    /// Ids of the messages supporting the flags.
    pub evidence: Vec<InteractionId>,
    /// Why it was made.
    pub trigger: SnapshotTrigger,
    /// The member who asked for it (manual snapshots by a member).
    pub requested_by: Option<UserId>,
    /// `openai` or `heuristic-v1`.
    pub analyzer: String,
    /// The model, when a model made it.
    pub model: Option<String>,
    /// The locale it was written in.
    pub locale: String,
    /// [`SNAPSHOT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// How many messages the analyzer read.
    pub input_message_count: u32,
    /// The oldest message read.
    pub input_from: Option<DateTime<Utc>>,
    /// The newest message read.
    pub input_to: Option<DateTime<Utc>>,
    /// Prompt tokens used.
    pub prompt_tokens: Option<u32>,
    /// Completion tokens used.
    pub completion_tokens: Option<u32>,
    /// How long the analysis took.
    pub latency_ms: Option<u32>,
}

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What was stored.
    pub data: NewSnapshot,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// Keyset position in a patient's history (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotCursor {
    /// `created_at` of the last snapshot of the previous page.
    pub created_at: DateTime<Utc>,
    /// Its id.
    pub id: SnapshotId,
}

/// One message as stored, before masking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// The message id.
    pub id: InteractionId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The channel.
    pub channel: Channel,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// `text`, `image`, … (shown as `[image]` when there is no text).
    pub content_type: String,
    /// Its text, unmasked.
    pub text: Option<String>,
}

/// Everything an analysis of one patient is made of, read from the store. The identifiers are
/// here only so that they can be masked out of the texts; they never reach an analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMaterial {
    /// The patient's name (masked wherever it appears in a text).
    pub client_name: Option<String>,
    /// The clinic's locale (`settings.locale`).
    pub locale: String,
    /// What the clinic knows about the patient.
    pub facts: ClientFacts,
    /// The most recent messages, oldest first.
    pub messages: Vec<RawMessage>,
}

/// A clinic's wall clock, for the daily run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClinicClock {
    /// The clinic.
    pub company_id: CompanyId,
    /// The local date and time now in the clinic's time zone.
    pub local_now: NaiveDateTime,
}
