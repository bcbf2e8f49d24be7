//! Storing a reply with its job and idempotency key.

use crate::conversations::record::record;
use crate::conversations::rows::{InteractionRow, ThreadRow};
use crate::jobs::enqueue_in;
use crate::prepared::Prepare;
use crate::schema::{client_identities, conversation_threads, interactions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::{Conversation, Interaction};
use domain::outbound::{QueueOutcome, QueuedSend, SendContext};
use domain::ports::conversations::RecordOutcome;
use domain::{Channel, CompanyId, ConversationId};
use uuid::Uuid;

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = SqlUuid)]
    interaction_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

/// The interaction a stored key points at, and when the key was stored (locked with `lock`).
async fn earlier(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    key: &str,
    lock: bool,
) -> anyhow::Result<Option<(Interaction, DateTime<Utc>)>> {
    let sql = if lock {
        "SELECT interaction_id, created_at FROM idempotency_keys WHERE company_id = $1 AND key = $2 FOR UPDATE"
    } else {
        "SELECT interaction_id, created_at FROM idempotency_keys WHERE company_id = $1 AND key = $2"
    };
    let row: Option<KeyRow> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(company.0)
        .bind::<Text, _>(key)
        .prepared()
        .get_result(conn)
        .await
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let interaction: InteractionRow = interactions::table
        .filter(interactions::company_id.eq(company.0))
        .filter(interactions::id.eq(row.interaction_id))
        .select(InteractionRow::as_select())
        .first(conn)
        .await?;
    Ok(Some((interaction.try_into()?, row.created_at)))
}

pub(super) async fn context(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ConversationId,
    key: Option<String>,
) -> anyhow::Result<Option<SendContext>> {
    let thread: Option<ThreadRow> = conversation_threads::table
        .filter(conversation_threads::company_id.eq(company.0))
        .filter(conversation_threads::id.eq(id.0))
        .select(ThreadRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(thread) = thread else {
        return Ok(None);
    };
    let conversation = Conversation::try_from(thread)?;
    let channels: Vec<String> = client_identities::table
        .filter(client_identities::company_id.eq(company.0))
        .filter(client_identities::client_id.eq(conversation.client_id.0))
        .select(client_identities::channel)
        .distinct()
        .load(conn)
        .await?;
    let identity_channels = channels
        .iter()
        .filter_map(|c| c.parse::<Channel>().ok())
        .collect();
    let earlier = match key {
        Some(k) => earlier(conn, company, &k, false).await?,
        None => None,
    };
    Ok(Some(SendContext {
        conversation,
        identity_channels,
        earlier,
    }))
}

pub(super) async fn queue(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    s: QueuedSend,
) -> anyhow::Result<QueueOutcome> {
    if let Some(key) = &s.idempotency_key {
        // Sends with one key are serialised, so the second sees the first's committed key.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(format!("atende:idempotency:{company}:{key}"))
            .prepared()
            .execute(conn)
            .await?;
        if let Some((first, at)) = earlier(conn, company, key, true).await?
            && at > s.key_cutoff
        {
            return Ok(QueueOutcome::Replay(first));
        }
    }
    let sender = s.message.sent_by_user_id;
    let at = s.message.occurred_at;
    let (interaction, mut conversation) = match record(conn, company, s.message).await? {
        RecordOutcome::Inserted {
            interaction,
            conversation,
        } => (interaction, conversation),
        RecordOutcome::ConversationClosed => return Ok(QueueOutcome::ConversationClosed),
        RecordOutcome::ConversationNotFound => return Ok(QueueOutcome::ConversationNotFound),
        RecordOutcome::Duplicate(_) => {
            anyhow::bail!("a reply has no provider id and cannot be a duplicate")
        }
    };
    if let Some(user) = sender {
        // Replying is reading: the member who replied is the last reader.
        let row: ThreadRow = diesel::sql_query(
            "UPDATE conversation_threads SET unread_count = 0, last_read_at = $3, last_read_by = $4
              WHERE company_id = $1 AND id = $2 RETURNING *",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(conversation.id.0)
        .bind::<Timestamptz, _>(at)
        .bind::<SqlUuid, _>(user.0)
        .prepared()
        .get_result(conn)
        .await?;
        conversation = row.try_into()?;
    }
    enqueue_in(conn, company, s.job).await?;
    if let Some(key) = &s.idempotency_key {
        let stored = diesel::sql_query(
            "INSERT INTO idempotency_keys (company_id, key, interaction_id) VALUES ($1, $2, $3)
             ON CONFLICT (company_id, key) DO UPDATE SET interaction_id = EXCLUDED.interaction_id, created_at = now()
              WHERE idempotency_keys.created_at <= $4",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<Text, _>(key)
        .bind::<SqlUuid, _>(interaction.id.0)
        .bind::<Timestamptz, _>(s.key_cutoff)
        .prepared()
        .execute(conn)
        .await?;
        if stored == 0 {
            anyhow::bail!("idempotency key taken concurrently");
        }
    }
    Ok(QueueOutcome::Queued {
        interaction,
        conversation,
    })
}
