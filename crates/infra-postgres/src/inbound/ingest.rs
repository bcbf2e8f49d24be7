//! One inbound message: client, thread and message in one transaction.

use crate::conversations::lifecycle::{close_thread, open_thread};
use crate::conversations::record::record;
use crate::conversations::rows::ThreadRow;
use crate::prepared::Prepare;
use crate::schema::{client_identities, clients, conversation_threads, interactions, settings};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::{
    CLOSE_REASON_WINDOW_EXPIRED, Conversation, NewInteraction, ReopenDecision, reopen_decision,
};
use domain::inbound::{InboundMessage, Ingested};
use domain::ports::conversations::RecordOutcome;
use domain::{ClientId, CompanyId, ConversationId, InteractionId};
use uuid::Uuid;

pub(super) async fn ingest(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: InboundMessage,
    now: DateTime<Utc>,
) -> anyhow::Result<Ingested> {
    // Deliveries of one sender are applied one at a time: ten concurrent first messages from an
    // unknown number make one client, one identity and one thread.
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!(
            "inbound:{}:{}:{}",
            company, m.channel, m.sender.external_id
        ))
        .prepared()
        .execute(conn)
        .await?;

    // A redelivery changes nothing (not even the reopen window of the thread).
    if let Some(existing) = existing_message(conn, company, &m).await? {
        return Ok(existing);
    }
    let client = resolve_client(conn, company, &m).await?;
    let conversation = resolve_thread(conn, company, client, &m, now).await?;
    let new = NewInteraction {
        id: InteractionId::new(),
        conversation_id: conversation,
        client_id: client,
        channel: m.channel,
        direction: m.direction,
        content_type: m.content_type,
        text: m.text.clone(),
        media: m.media.clone(),
        metadata: m.metadata.clone(),
        external_id: Some(m.provider_message_id.clone()),
        status: m.initial_status(),
        source: m.source,
        sent_by_user_id: None,
        occurred_at: m.occurred_at,
    };
    let (interaction, duplicate) = match record(conn, company, new).await? {
        RecordOutcome::Inserted { interaction, .. } => (interaction, false),
        // Stored meanwhile by another path (e.g. `POST /api/interactions` with the same id).
        RecordOutcome::Duplicate(interaction) => (interaction, true),
        RecordOutcome::ConversationClosed | RecordOutcome::ConversationNotFound => {
            return Err(anyhow::anyhow!(
                "the thread resolved for an inbound message vanished"
            ));
        }
    };
    Ok(Ingested {
        interaction_id: interaction.id,
        conversation_id: interaction.conversation_id,
        client_id: interaction.client_id,
        duplicate,
    })
}

async fn existing_message(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: &InboundMessage,
) -> anyhow::Result<Option<Ingested>> {
    let row: Option<(Uuid, Uuid, Uuid)> = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::channel.eq(m.channel.as_str()))
        .filter(interactions::external_id.eq(&m.provider_message_id))
        .select((
            interactions::id,
            interactions::conversation_id,
            interactions::client_id,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, conversation, client)| Ingested {
        interaction_id: InteractionId(id),
        conversation_id: ConversationId(conversation),
        client_id: ClientId(client),
        duplicate: true,
    }))
}

/// By channel identity, else by phone, else a new lead; every id of the sender becomes an
/// identity of the client.
async fn resolve_client(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: &InboundMessage,
) -> anyhow::Result<ClientId> {
    let mut ids = vec![m.sender.external_id.clone()];
    ids.extend(m.sender.other_ids.iter().cloned());
    let mut created = false;
    let by_identity: Option<Uuid> = client_identities::table
        .filter(client_identities::company_id.eq(company.0))
        .filter(client_identities::channel.eq(m.channel.as_str()))
        .filter(client_identities::external_id.eq_any(&ids))
        .select(client_identities::client_id)
        .first(conn)
        .await
        .optional()?;
    let client = match by_identity {
        Some(id) => id,
        None => {
            let by_phone: Option<Uuid> = match &m.sender.phone {
                Some(phone) => clients::table
                    .filter(clients::company_id.eq(company.0))
                    .filter(clients::phone.eq(phone.as_str()))
                    .select(clients::id)
                    .first(conn)
                    .await
                    .optional()?,
                None => None,
            };
            match by_phone {
                Some(id) => id,
                None => {
                    created = true;
                    create_lead(conn, company, m).await?
                }
            }
        }
    };
    let display = m
        .sender
        .username
        .clone()
        .or_else(|| m.sender.phone.as_ref().map(|p| p.as_str().to_owned()));
    for external_id in ids {
        diesel::sql_query(
            "INSERT INTO client_identities (company_id, client_id, channel, external_id, display_value, phone)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company_id, channel, external_id) DO NOTHING",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(client)
        .bind::<Text, _>(m.channel.as_str())
        .bind::<Text, _>(external_id)
        .bind::<Nullable<Text>, _>(display.clone())
        .bind::<Nullable<Text>, _>(m.sender.phone.as_ref().map(|p| p.as_str().to_owned()))
        .prepared()
        .execute(conn)
        .await?;
    }
    if created {
        crate::crm::emit_created(conn, company, ClientId(client)).await?;
    }
    Ok(ClientId(client))
}

async fn create_lead(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    m: &InboundMessage,
) -> anyhow::Result<Uuid> {
    let name = m
        .sender
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect::<String>());
    let username = m
        .sender
        .username
        .as_deref()
        .filter(|u| (1..=30).contains(&u.chars().count()));
    let id: Uuid = diesel::insert_into(clients::table)
        .values((
            clients::id.eq(Uuid::now_v7()),
            clients::company_id.eq(company.0),
            clients::name.eq(name),
            clients::phone.eq(m.sender.phone.as_ref().map(|p| p.as_str().to_owned())),
            clients::instagram_username.eq(username),
            clients::status.eq("lead"),
        ))
        .returning(clients::id)
        .get_result(conn)
        .await?;
    Ok(id)
}

/// The active thread within the reopen window, else a new one (closing the stale one).
async fn resolve_thread(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    m: &InboundMessage,
    now: DateTime<Utc>,
) -> anyhow::Result<ConversationId> {
    let hours: i32 = settings::table
        .filter(settings::company_id.eq(company.0))
        .select(settings::conversation_window_hours)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(24);
    let window = Duration::hours(i64::from(hours));
    for _ in 0..3 {
        let active: Option<ThreadRow> = conversation_threads::table
            .filter(conversation_threads::company_id.eq(company.0))
            .filter(conversation_threads::client_id.eq(client.0))
            .filter(conversation_threads::status.eq("active"))
            .select(ThreadRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let active: Option<Conversation> = active.map(Conversation::try_from).transpose()?;
        match (reopen_decision(active.as_ref(), now, window), active) {
            (ReopenDecision::Reuse, Some(c)) => return Ok(c.id),
            (ReopenDecision::CloseAndOpen, Some(stale)) => {
                close_thread(
                    conn,
                    company,
                    stale.id,
                    Some(CLOSE_REASON_WINDOW_EXPIRED.to_owned()),
                    None,
                    now,
                )
                .await?;
            }
            _ => {}
        }
        if let Some(row) = open_thread(conn, company, client, m.channel, now).await? {
            return Ok(ConversationId(row.id));
        }
    }
    Err(anyhow::anyhow!(
        "could not settle the thread of an inbound message"
    ))
}
