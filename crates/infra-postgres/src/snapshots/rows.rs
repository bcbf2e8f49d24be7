//! Rows of `ai_context_snapshots` and their mapping to the domain.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use domain::snapshots::{NewSnapshot, Snapshot, SnapshotTrigger};
use domain::{ClientId, ConversationId, InteractionId, SnapshotId, UserId};
use uuid::Uuid;

/// Every column, in the order of `SELECT *`-free queries below ([`COLUMNS`]).
pub(crate) const COLUMNS: &str = "id, client_id, source_conversation_id, summary, flags, next_best_action, \
     evidence, trigger, requested_by, analyzer, model, locale, schema_version, input_message_count, \
     input_from, input_to, prompt_tokens, completion_tokens, latency_ms, created_at";

#[derive(QueryableByName)]
pub(crate) struct SnapshotRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    source_conversation_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Jsonb)]
    flags: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    next_best_action: Option<String>,
    #[diesel(sql_type = Array<Nullable<SqlUuid>>)]
    evidence: Vec<Option<Uuid>>,
    #[diesel(sql_type = Text)]
    trigger: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    requested_by: Option<Uuid>,
    #[diesel(sql_type = Text)]
    analyzer: String,
    #[diesel(sql_type = Nullable<Text>)]
    model: Option<String>,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Integer)]
    schema_version: i32,
    #[diesel(sql_type = Integer)]
    input_message_count: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    input_from: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    input_to: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Integer>)]
    prompt_tokens: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    completion_tokens: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    latency_ms: Option<i32>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl TryFrom<SnapshotRow> for Snapshot {
    type Error = anyhow::Error;

    fn try_from(r: SnapshotRow) -> anyhow::Result<Self> {
        let trigger = SnapshotTrigger::parse(&r.trigger)
            .ok_or_else(|| anyhow::anyhow!("unknown snapshot trigger {}", r.trigger))?;
        Ok(Self {
            data: NewSnapshot {
                id: SnapshotId(r.id),
                client_id: ClientId(r.client_id),
                source_conversation_id: r.source_conversation_id.map(ConversationId),
                summary: r.summary,
                flags: serde_json::from_value(r.flags)?,
                next_best_action: r.next_best_action,
                evidence: r
                    .evidence
                    .into_iter()
                    .flatten()
                    .map(InteractionId)
                    .collect(),
                trigger,
                requested_by: r.requested_by.map(UserId),
                analyzer: r.analyzer,
                model: r.model,
                locale: r.locale,
                schema_version: u32_of(r.schema_version),
                input_message_count: u32_of(r.input_message_count),
                input_from: r.input_from,
                input_to: r.input_to,
                prompt_tokens: r.prompt_tokens.map(u32_of),
                completion_tokens: r.completion_tokens.map(u32_of),
                latency_ms: r.latency_ms.map(u32_of),
            },
            created_at: r.created_at,
        })
    }
}

/// `u32` → `int4`, saturating.
pub(crate) fn int4(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}
