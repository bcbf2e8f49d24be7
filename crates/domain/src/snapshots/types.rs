//! Analysis input, output and flags.

use crate::conversations::Direction;
use crate::{Channel, InteractionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest summary, in characters.
pub const SUMMARY_MAX_CHARS: usize = 600;
/// Each message text sent to an analyzer is cut to this many characters.
pub const MESSAGE_MAX_CHARS: usize = 500;
/// How many recent messages an analysis reads by default.
pub const DEFAULT_MESSAGE_WINDOW: usize = 50;

/// How likely the patient is to miss an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum NoShowRisk {
    Low,
    Medium,
    High,
}

/// The patient's overall tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
    Mixed,
}

/// The structured flags of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFlags {
    /// Risk of a no-show.
    pub no_show_risk: NoShowRisk,
    /// Overall tone.
    pub sentiment: Sentiment,
    /// What the patient prefers (times, professionals, channels…), short phrases.
    pub preferences: Vec<String>,
    /// What holds the patient back (price, distance, fear, schedule…), short phrases.
    pub objections: Vec<String>,
    /// What the conversation was about, short phrases.
    pub topics: Vec<String>,
}

/// Facts about the patient the clinic already knows (no personal identifiers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFacts {
    /// `lead`, `active` or `inactive`.
    pub status: String,
    /// Appointments of any status.
    pub appointments_total: u32,
    /// Completed appointments.
    pub appointments_completed: u32,
    /// Canceled appointments.
    pub appointments_canceled: u32,
    /// Missed appointments.
    pub appointments_no_show: u32,
    /// The last completed appointment.
    pub last_visit_at: Option<DateTime<Utc>>,
    /// The next scheduled or confirmed appointment.
    pub next_appointment_at: Option<DateTime<Utc>>,
    /// Names of the services the patient has booked.
    pub services_used: Vec<String>,
}

/// One message as an analyzer sees it (text already masked and cut).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzerMessage {
    /// The message id (what evidence refers to).
    pub id: InteractionId,
    /// Inbound (patient) or outbound (clinic).
    pub direction: Direction,
    /// The channel.
    pub channel: Channel,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Masked text, at most [`MESSAGE_MAX_CHARS`] characters.
    pub text: String,
}

/// What an analyzer receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisInput {
    /// The clinic's locale (`pt-BR` by default): the summary is written in it.
    pub locale: String,
    /// What the clinic knows.
    pub facts: ClientFacts,
    /// The most recent messages, oldest first.
    pub messages: Vec<AnalyzerMessage>,
}

/// What an analyzer concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// At most [`SUMMARY_MAX_CHARS`] characters, in the clinic's locale.
    pub summary: String,
    /// The flags.
    pub flags: SnapshotFlags,
    /// A suggested next step for the clinic.
    pub next_best_action: Option<String>,
    /// Ids of the input messages that support the flags.
    pub evidence: Vec<InteractionId>,
}

/// An analysis and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisReport {
    /// The result.
    pub analysis: Analysis,
    /// Which analyzer made it (`openai`, `heuristic-v1`).
    pub analyzer: String,
    /// The model, when a model made it.
    pub model: Option<String>,
    /// Prompt tokens used.
    pub prompt_tokens: Option<u32>,
    /// Completion tokens used.
    pub completion_tokens: Option<u32>,
    /// How long the analysis took.
    pub latency_ms: u32,
}

/// Why an analysis failed. Nothing is stored and nothing is counted against the budget.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    /// The analyzer could not be reached, timed out or kept failing (after its retries).
    #[error("analyzer unavailable: {0}")]
    Unavailable(String),
    /// The analyzer answered something that is not a valid analysis (truncated, invalid JSON,
    /// schema violation).
    #[error("invalid analyzer output: {0}")]
    InvalidOutput(String),
    /// The model refused to answer.
    #[error("analyzer refused: {0}")]
    Refused(String),
}
