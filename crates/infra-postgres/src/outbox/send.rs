//! Storing a reply with its job and idempotency key.

use crate::conversations::record::record;
use crate::conversations::rows::{InteractionRow, ThreadRow};
use crate::jobs::enqueue_in;
use crate::prepared::Prepare;
use crate::schema::{client_identities, conversation_threads, interactions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::Conversation;
use domain::outbound::{EarlierSend, IdempotencyKey, QueueOutcome, QueuedSend, SendContext};
use domain::ports::conversations::RecordOutcome;
use domain::{Channel, CompanyId, ConversationId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = SqlUuid)]
    interaction_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Bytea>)]
    request_hash: Option<Vec<u8>>,
}

/// SHA-256 of a send's canonical form: what a key is bound to.
fn request_hash(key: &IdempotencyKey) -> Vec<u8> {
    Sha256::digest(key.request.as_bytes()).to_vec()
}

/// The interaction a stored key points at, when the key was stored, and whether it was stored
/// for the same request (a key stored before requests were hashed counts as the same); locked
/// with `lock`.
async fn earlier(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    key: &IdempotencyKey,
    lock: bool,
) -> anyhow::Result<Option<EarlierSend>> {
    let sql = if lock {
        "SELECT interaction_id, created_at, request_hash FROM idempotency_keys WHERE company_id = $1 AND key = $2 FOR UPDATE"
    } else {
        "SELECT interaction_id, created_at, request_hash FROM idempotency_keys WHERE company_id = $1 AND key = $2"
    };
    let row: Option<KeyRow> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(company.0)
        .bind::<Text, _>(&key.key)
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
    Ok(Some(EarlierSend {
        interaction: interaction.try_into()?,
        at: row.created_at,
        same_request: row.request_hash.is_none_or(|h| h == request_hash(key)),
    }))
}

pub(super) async fn context(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ConversationId,
    key: Option<IdempotencyKey>,
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
            .bind::<Text, _>(format!("atende:idempotency:{company}:{}", key.key))
            .prepared()
            .execute(conn)
            .await?;
        if let Some(first) = earlier(conn, company, key, true).await?
            && first.at > s.key_cutoff
        {
            return Ok(if first.same_request {
                QueueOutcome::Replay(first.interaction)
            } else {
                QueueOutcome::KeyReused
            });
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
            "INSERT INTO idempotency_keys (company_id, key, interaction_id, request_hash) VALUES ($1, $2, $3, $5)
             ON CONFLICT (company_id, key) DO UPDATE SET interaction_id = EXCLUDED.interaction_id, created_at = now(),
                                                         request_hash = EXCLUDED.request_hash
              WHERE idempotency_keys.created_at <= $4",
        )
        .bind::<SqlUuid, _>(company.0)
        .bind::<Text, _>(&key.key)
        .bind::<SqlUuid, _>(interaction.id.0)
        .bind::<Timestamptz, _>(s.key_cutoff)
        .bind::<Bytea, _>(request_hash(key))
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
