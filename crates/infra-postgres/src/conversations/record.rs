//! Storing a message and moving its thread forward, in one transaction.

use super::rows::{InteractionRow, ThreadRow};
use crate::prepared::Prepare;
use crate::schema::{conversation_threads, interactions};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::CompanyId;
use domain::conversations::{Direction, NewInteraction, snippet};
use domain::ports::conversations::RecordOutcome;

/// The thread update for an inbound message: unread + 1; timestamps and last-message fields only
/// move forward (an older message arriving late never moves `last_message_at` back).
const BUMP_INBOUND: &str = "
UPDATE conversation_threads SET
    unread_count = unread_count + 1,
    last_inbound_at = GREATEST(last_inbound_at, $3),
    last_inbound_channel = CASE WHEN last_inbound_at IS NULL OR $3 >= last_inbound_at THEN $4 ELSE last_inbound_channel END,
    channel = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $4 ELSE channel END,
    last_interaction_id = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $5 ELSE last_interaction_id END,
    last_message_snippet = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $6 ELSE last_message_snippet END,
    last_message_direction = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN 'inbound' ELSE last_message_direction END,
    last_message_status = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $7 ELSE last_message_status END,
    last_message_at = GREATEST(last_message_at, $3),
    sort_at = GREATEST(last_message_at, $3)
WHERE company_id = $1 AND id = $2
RETURNING *";

/// The thread update for an outbound message: a reply at or after the last inbound message means
/// the thread was read (unread 0, and who read it when a member sent it).
const BUMP_OUTBOUND: &str = "
UPDATE conversation_threads SET
    unread_count = CASE WHEN last_inbound_at IS NULL OR $3 >= last_inbound_at THEN 0 ELSE unread_count END,
    last_read_at = CASE WHEN $8::uuid IS NOT NULL AND (last_inbound_at IS NULL OR $3 >= last_inbound_at) THEN now() ELSE last_read_at END,
    last_read_by = CASE WHEN $8::uuid IS NOT NULL AND (last_inbound_at IS NULL OR $3 >= last_inbound_at) THEN $8 ELSE last_read_by END,
    channel = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $4 ELSE channel END,
    last_interaction_id = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $5 ELSE last_interaction_id END,
    last_message_snippet = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $6 ELSE last_message_snippet END,
    last_message_direction = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN 'outbound' ELSE last_message_direction END,
    last_message_status = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at THEN $7 ELSE last_message_status END,
    last_message_at = GREATEST(last_message_at, $3),
    sort_at = GREATEST(last_message_at, $3)
WHERE company_id = $1 AND id = $2
RETURNING *";

const INSERT: &str = "
INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, content_type, text,
                          media, metadata, external_id, status, source, sent_by_user_id, occurred_at, queued_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        CASE WHEN $12 = 'queued' THEN now() END)
ON CONFLICT (company_id, channel, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING *";

pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: NewInteraction,
) -> anyhow::Result<RecordOutcome> {
    // Lock the thread: messages of one thread are applied one at a time, so the counters are exact.
    let thread: Option<(String,)> = conversation_threads::table
        .filter(conversation_threads::company_id.eq(company.0))
        .filter(conversation_threads::id.eq(m.conversation_id.0))
        .select((conversation_threads::status,))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match thread {
        None => return Ok(RecordOutcome::ConversationNotFound),
        Some((status,)) if status != "active" => {
            // A repeat of a message stored before the thread closed is still a duplicate.
            if let Some(existing) = find_existing(conn, company, &m).await? {
                return Ok(RecordOutcome::Duplicate(existing.try_into()?));
            }
            return Ok(RecordOutcome::ConversationClosed);
        }
        Some(_) => {}
    }
    let inserted: Option<InteractionRow> = diesel::sql_query(INSERT)
        .bind::<SqlUuid, _>(m.id.0)
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(m.conversation_id.0)
        .bind::<SqlUuid, _>(m.client_id.0)
        .bind::<Text, _>(m.channel.as_str())
        .bind::<Text, _>(m.direction.as_str())
        .bind::<Text, _>(m.content_type.as_str())
        .bind::<Nullable<Text>, _>(m.text.clone())
        .bind::<Nullable<Jsonb>, _>(m.media.clone())
        .bind::<Jsonb, _>(m.metadata.clone())
        .bind::<Nullable<Text>, _>(m.external_id.clone())
        .bind::<Text, _>(m.status.as_str())
        .bind::<Text, _>(m.source.as_str())
        .bind::<Nullable<SqlUuid>, _>(m.sent_by_user_id.map(|u| u.0))
        .bind::<Timestamptz, _>(m.occurred_at)
        .prepared()
        .get_result(conn)
        .await
        .optional()?;
    let Some(interaction) = inserted else {
        let existing = find_existing(conn, company, &m)
            .await?
            .ok_or_else(|| anyhow::anyhow!("duplicate message vanished"))?;
        return Ok(RecordOutcome::Duplicate(existing.try_into()?));
    };
    let bump = match m.direction {
        Direction::Inbound => BUMP_INBOUND,
        Direction::Outbound => BUMP_OUTBOUND,
    };
    let thread: ThreadRow = diesel::sql_query(bump)
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(m.conversation_id.0)
        .bind::<Timestamptz, _>(m.occurred_at)
        .bind::<Text, _>(m.channel.as_str())
        .bind::<SqlUuid, _>(m.id.0)
        .bind::<Nullable<Text>, _>(m.text.as_deref().map(snippet))
        .bind::<Text, _>(m.status.as_str())
        .bind::<Nullable<SqlUuid>, _>(m.sent_by_user_id.map(|u| u.0))
        .prepared()
        .get_result(conn)
        .await?;
    let interaction: domain::conversations::Interaction = interaction.try_into()?;
    let conversation: domain::conversations::Conversation = thread.try_into()?;
    for event in domain::events::message_stored(&interaction, &conversation) {
        crate::events::emit(company, event)?;
    }
    Ok(RecordOutcome::Inserted {
        interaction,
        conversation,
    })
}

async fn find_existing(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: &NewInteraction,
) -> anyhow::Result<Option<InteractionRow>> {
    let Some(external_id) = m.external_id.clone() else {
        return Ok(None);
    };
    Ok(interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::channel.eq(m.channel.as_str()))
        .filter(interactions::external_id.eq(external_id))
        .select(InteractionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}
