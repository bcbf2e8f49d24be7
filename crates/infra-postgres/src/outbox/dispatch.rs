//! What the worker reads to dispatch a reply, recording a reply the relay accepted, and
//! re-queuing a failed one.

use crate::conversations::rows::InteractionRow;
use crate::jobs::enqueue_in;
use crate::prepared::Prepare;
use crate::schema::{client_identities, interactions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::conversations::StatusChange;
use domain::conversations::{DeliveryStatus, Direction, Interaction};
use domain::jobs::NewJob;
use domain::outbound::{DispatchInfo, RequeueOutcome, SentRecord, provider_id_is_valid};
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
    let message: domain::conversations::Interaction = row.try_into()?;
    crate::events::emit(company, domain::events::message_status(&message))?;
    Ok(RequeueOutcome::Requeued(message))
}

/// See [`domain::ports::outbox::OutboxStore::record_sent`]. The provider id is set in a savepoint,
/// so a unique violation (another message of the clinic's channel has it, e.g. a relay answering
/// a constant id) drops only the id, never the `sent` status.
pub(super) async fn record_sent(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: InteractionId,
    provider_id: Option<String>,
    at: DateTime<Utc>,
) -> anyhow::Result<SentRecord> {
    let current: Option<(String, Option<String>)> = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::id.eq(id.0))
        .filter(interactions::direction.eq(Direction::Outbound.as_str()))
        .select((interactions::status, interactions::external_id))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some((status, external_id)) = current else {
        return Ok(SentRecord::NotFound);
    };
    let mut issue = None;
    if let Some(pid) = provider_id.filter(|_| external_id.is_none()) {
        if !provider_id_is_valid(&pid) {
            issue = Some("invalid");
        } else {
            let set = conn
                .transaction::<_, DieselError, _>(async |c| {
                    diesel::sql_query(
                        "UPDATE interactions SET external_id = $3
                          WHERE company_id = $1 AND id = $2 AND external_id IS NULL",
                    )
                    .bind::<SqlUuid, _>(company.0)
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<Text, _>(&pid)
                    .prepared()
                    .execute(c)
                    .await
                })
                .await;
            match set {
                Ok(_) => {}
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    issue = Some("conflict");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    if let Some(issue) = issue {
        diesel::sql_query(
            "UPDATE interactions SET metadata = metadata || $3
              WHERE company_id = $1 AND id = $2",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(id.0)
        .bind::<Jsonb, _>(serde_json::json!({ "provider_id_issue": issue }))
        .prepared()
        .execute(conn)
        .await?;
    }
    let current = DeliveryStatus::parse(&status)
        .ok_or_else(|| anyhow::anyhow!("unknown stored status {status}"))?;
    if current.transition(DeliveryStatus::Sent) != StatusChange::Ignore {
        diesel::sql_query(
            "UPDATE interactions SET status = 'sent', sent_at = coalesce(sent_at, $3)
              WHERE company_id = $1 AND id = $2",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(id.0)
        .bind::<Timestamptz, _>(at)
        .prepared()
        .execute(conn)
        .await?;
        diesel::sql_query(
            "UPDATE conversation_threads SET last_message_status = 'sent'
              WHERE company_id = $1 AND last_interaction_id = $2",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(id.0)
        .prepared()
        .execute(conn)
        .await?;
        crate::events::emit_message_status(conn, company, id.0).await?;
    }
    Ok(match issue {
        Some(issue) => SentRecord::RecordedWithoutProviderId { issue },
        None => SentRecord::Recorded,
    })
}
