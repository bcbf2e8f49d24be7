//! Opening and closing threads inside a caller's transaction (shared by the conversation and
//! inbound adapters).

use super::rows::ThreadRow;
use crate::prepared::Prepare;
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::Conversation;
use domain::events;
use domain::{Channel, ClientId, CompanyId, ConversationId, UserId};

/// Opens an active thread unless the patient has one (then `None`: the partial unique index
/// decided).
pub(crate) async fn open_thread(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    channel: Channel,
    at: DateTime<Utc>,
) -> anyhow::Result<Option<ThreadRow>> {
    let opened: Option<ThreadRow> = diesel::sql_query(
        "INSERT INTO conversation_threads (id, company_id, client_id, channel, started_at, sort_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (company_id, client_id) WHERE status = 'active' DO NOTHING
         RETURNING *",
    )
    .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .bind::<Text, _>(channel.as_str())
    .bind::<Timestamptz, _>(at)
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    if let Some(row) = &opened {
        let conversation = Conversation::try_from(row.clone())?;
        crate::events::emit(company, events::conversation_opened(&conversation))?;
    }
    Ok(opened)
}

/// Closes an active thread and queues the durable `conversation_closed` event with it; `None`
/// when it was not active.
pub(crate) async fn close_thread(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ConversationId,
    reason: Option<String>,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> anyhow::Result<Option<ThreadRow>> {
    let closed: Option<ThreadRow> = diesel::sql_query(
        "UPDATE conversation_threads
            SET status = 'closed', ended_at = $3, close_reason = $4, closed_by = $5
          WHERE company_id = $1 AND id = $2 AND status = 'active'
         RETURNING *",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id.0)
    .bind::<Timestamptz, _>(at)
    .bind::<Nullable<Text>, _>(reason)
    .bind::<Nullable<SqlUuid>, _>(by.map(|u| u.0))
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    if let Some(row) = &closed {
        let payload = serde_json::json!({
            "conversation_id": row.id,
            "client_id": row.client_id,
            "reason": row.close_reason,
            "closed_at": row.ended_at,
        });
        crate::jobs::enqueue_in(
            conn,
            company,
            domain::jobs::NewJob {
                kind: domain::jobs::kinds::CONVERSATION_CLOSED.to_owned(),
                payload,
                run_at: None,
                unique_key: None,
                max_attempts: Some(3),
            },
        )
        .await?;
        let conversation = Conversation::try_from(row.clone())?;
        crate::events::emit(company, events::conversation_closed(&conversation))?;
    }
    Ok(closed)
}
