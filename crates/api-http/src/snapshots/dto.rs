//! Bodies of the snapshot routes.

use chrono::{DateTime, Utc};
use domain::snapshots::Snapshot;
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/snapshots/generate`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateSnapshotRequest {
    /// The patient.
    #[garde(skip)]
    pub client_id: Uuid,
    /// The conversation that prompted it (a thread of this patient).
    #[garde(skip)]
    #[serde(default)]
    pub source_conversation_id: Option<Uuid>,
}

/// What the analyzer read.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotInputDto {
    /// How many messages.
    pub message_count: u32,
    /// The oldest one's time.
    pub from: Option<DateTime<Utc>>,
    /// The newest one's time.
    pub to: Option<DateTime<Utc>>,
}

/// What the analysis cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotUsageDto {
    /// Prompt tokens (models only).
    pub prompt_tokens: Option<u32>,
    /// Completion tokens (models only).
    pub completion_tokens: Option<u32>,
    /// How long the analysis took.
    pub latency_ms: Option<u32>,
}

/// A context snapshot of a patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotDto {
    /// Snapshot id.
    pub id: Uuid,
    /// The patient.
    pub client_id: Uuid,
    /// The conversation that prompted it.
    pub source_conversation_id: Option<Uuid>,
    /// At most 600 characters, in the clinic's locale.
    pub summary: String,
    /// `{no_show_risk: low|medium|high, sentiment: positive|neutral|negative|mixed,
    /// preferences: [..], objections: [..], topics: [..]}`.
    #[schema(value_type = Object)]
    pub flags: serde_json::Value,
    /// A suggested next step.
    pub next_best_action: Option<String>,
    /// Ids of the messages supporting the flags.
    pub evidence: Vec<Uuid>,
    /// `manual`, `conversation_closed` or `scheduled`.
    pub trigger: String,
    /// The member who asked for it.
    pub requested_by: Option<Uuid>,
    /// `openai` or `heuristic-v1`.
    pub analyzer: String,
    /// The model, when a model made it.
    pub model: Option<String>,
    /// The locale it is written in.
    pub locale: String,
    /// What the analyzer read.
    pub input: SnapshotInputDto,
    /// What it cost.
    pub usage: SnapshotUsageDto,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<Snapshot> for SnapshotDto {
    fn from(s: Snapshot) -> Self {
        let d = s.data;
        Self {
            id: d.id.0,
            client_id: d.client_id.0,
            source_conversation_id: d.source_conversation_id.map(|c| c.0),
            summary: d.summary,
            flags: serde_json::to_value(&d.flags).unwrap_or_default(),
            next_best_action: d.next_best_action,
            evidence: d.evidence.into_iter().map(|e| e.0).collect(),
            trigger: d.trigger.as_str().to_owned(),
            requested_by: d.requested_by.map(|u| u.0),
            analyzer: d.analyzer,
            model: d.model,
            locale: d.locale,
            input: SnapshotInputDto {
                message_count: d.input_message_count,
                from: d.input_from,
                to: d.input_to,
            },
            usage: SnapshotUsageDto {
                prompt_tokens: d.prompt_tokens,
                completion_tokens: d.completion_tokens,
                latency_ms: d.latency_ms,
            },
            created_at: s.created_at,
        }
    }
}

/// `{snapshot}` (201), or `{snapshot, reused: true, next_allowed_at}` (200) within the budget.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedSnapshot {
    /// The new snapshot, or the latest one.
    pub snapshot: SnapshotDto,
    /// Present (true) when the latest snapshot was reused because the budget is spent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<bool>,
    /// When the next snapshot of this patient may be made.
    pub next_allowed_at: DateTime<Utc>,
}

/// A page of a patient's snapshots, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotList {
    /// The snapshots.
    pub data: Vec<SnapshotDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
