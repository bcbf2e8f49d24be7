//! Delivery statuses: forward only, one timestamp per status.

use crate::prepared::Prepare;
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::{DeliveryStatus, StatusChange};
use domain::inbound::{StatusApplied, StatusReport};
use domain::{CompanyId, InteractionId};
use uuid::Uuid;

pub(super) async fn apply(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    r: StatusReport,
) -> anyhow::Result<StatusApplied> {
    // Lock the message so concurrent callbacks are applied one after the other.
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        status: String,
    }
    let found: Option<Current> = match (r.interaction_id, r.provider_message_id.clone()) {
        (Some(id), _) => diesel::sql_query(
            "SELECT id, status FROM interactions
              WHERE company_id = $1 AND id = $2 AND direction = 'outbound' FOR UPDATE",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(id.0)
        .prepared()
        .get_result(conn)
        .await
        .optional()?,
        (None, Some(ext)) => diesel::sql_query(
            "SELECT id, status FROM interactions
              WHERE company_id = $1 AND external_id = $2 AND direction = 'outbound' LIMIT 1 FOR UPDATE",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<Text, _>(ext)
        .prepared()
        .get_result(conn)
        .await
        .optional()?,
        (None, None) => None,
    };
    let Some(Current {
        id,
        status: current,
    }) = found
    else {
        return Ok(StatusApplied::NotFound);
    };
    let current = DeliveryStatus::parse(&current)
        .ok_or_else(|| anyhow::anyhow!("unknown stored status {current}"))?;
    if current.transition(r.status) == StatusChange::Ignore {
        return Ok(StatusApplied::Ignored(InteractionId(id)));
    }
    // Each status stamps its own time; a read without a delivered stamps both; sent is implied by
    // any later status.
    diesel::sql_query(
        "UPDATE interactions SET
            status = $3,
            sent_at = CASE WHEN $3 IN ('sent', 'delivered', 'read') THEN coalesce(sent_at, $4) ELSE sent_at END,
            delivered_at = CASE WHEN $3 IN ('delivered', 'read') THEN coalesce(delivered_at, $4) ELSE delivered_at END,
            read_at = CASE WHEN $3 = 'read' THEN coalesce(read_at, $4) ELSE read_at END,
            failed_at = CASE WHEN $3 = 'failed' THEN coalesce(failed_at, $4) ELSE failed_at END,
            error = CASE WHEN $3 = 'failed' THEN coalesce($5, error) ELSE error END,
            external_id = coalesce(external_id, $6)
          WHERE company_id = $1 AND id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(r.status.as_str())
    .bind::<Timestamptz, _>(r.at)
    .bind::<Nullable<Jsonb>, _>(r.error)
    .bind::<Nullable<Text>, _>(r.provider_message_id)
    .prepared()
    .execute(conn)
    .await?;
    // Keep the inbox's copy of the last message's status in step.
    diesel::sql_query(
        "UPDATE conversation_threads SET last_message_status = $3
          WHERE company_id = $1 AND last_interaction_id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(r.status.as_str())
    .prepared()
    .execute(conn)
    .await?;
    crate::events::emit_message_status(conn, company, id).await?;
    Ok(StatusApplied::Advanced(InteractionId(id)))
}
