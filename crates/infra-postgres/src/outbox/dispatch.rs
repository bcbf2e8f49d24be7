//! What the worker reads to dispatch a reply, and re-queuing a failed one.

use crate::conversations::rows::InteractionRow;
use crate::jobs::enqueue_in;
use crate::prepared::Prepare;
use crate::schema::{client_identities, interactions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::{DeliveryStatus, Direction, Interaction};
use domain::jobs::NewJob;
use domain::outbound::{DispatchInfo, RequeueOutcome};
use domain::ports::dispatcher::Recipient;
use domain::{Channel, CompanyId, InteractionId};

pub(super) async fn info(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: InteractionId,
) -> anyhow::Result<Option<DispatchInfo>> {
    let row: Option<InteractionRow> = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::id.eq(id.0))
        .select(InteractionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let interaction = Interaction::try_from(row)?;
    // The identity with a phone first (WhatsApp's canonical one), then the oldest.
    let identity: Option<(String, Option<String>, Option<String>)> = client_identities::table
        .filter(client_identities::company_id.eq(company.0))
        .filter(client_identities::client_id.eq(interaction.client_id.0))
        .filter(client_identities::channel.eq(interaction.channel.as_str()))
        .order((
            client_identities::phone.is_null(),
            client_identities::created_at,
        ))
        .select((
            client_identities::external_id,
            client_identities::display_value,
            client_identities::phone,
        ))
        .first(conn)
        .await
        .optional()?;
    let recipient = identity.map(|(external_id, display, phone)| Recipient {
        external_id,
        // The display value is the username on Instagram (and a formatted phone elsewhere).
        username: display
            .filter(|d| interaction.channel == Channel::Instagram || !d.starts_with('+')),
        phone,
    });
    Ok(Some(DispatchInfo {
        interaction,
        recipient,
    }))
}

pub(super) async fn requeue(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: InteractionId,
    job: NewJob,
    at: DateTime<Utc>,
) -> anyhow::Result<RequeueOutcome> {
    let current: Option<(String, String)> = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::id.eq(id.0))
        .select((interactions::direction, interactions::status))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some((direction, status)) = current else {
        return Ok(RequeueOutcome::NotFound);
    };
    if direction != Direction::Outbound.as_str() || status != DeliveryStatus::Failed.as_str() {
        return Ok(RequeueOutcome::NotRetryable);
    }
    // The one move out of `failed`, made on purpose (DeliveryStatus::transition never allows it).
    let row: InteractionRow = diesel::sql_query(
        "UPDATE interactions SET status = 'queued', queued_at = $3, failed_at = NULL, error = NULL
          WHERE company_id = $1 AND id = $2 RETURNING *",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id.0)
    .bind::<Timestamptz, _>(at)
    .prepared()
    .get_result(conn)
    .await?;
    diesel::sql_query(
        "UPDATE conversation_threads SET last_message_status = 'queued'
          WHERE company_id = $1 AND last_interaction_id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(id.0)
    .prepared()
    .execute(conn)
    .await?;
    enqueue_in(conn, company, job).await?;
    Ok(RequeueOutcome::Requeued(row.try_into()?))
}
