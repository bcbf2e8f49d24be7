//! The clinic's event log (`events`, `event_counters`; migration 0018) and the node's live feed
//! ([`EventHub`]).
//!
//! Writers call [`emit`] anywhere inside a unit of work (`Database::tenant_tx`); the unit of work
//! appends what was emitted ([`append_in`]) as its **last** statement before `COMMIT`, and drops
//! it on rollback. The append takes the clinic's counter row lock, held until commit, so one
//! clinic's transactions number their events one after the other (dense ids in commit order)
//! while other clinics are not affected; taking it last means no other lock is ever waited for
//! while holding it (no deadlock). It also `pg_notify`s [`CHANNEL`] with `company:first:last`,
//! delivered to every node's listener on commit.

mod hub;

pub use hub::{EventHub, HubSettings};

use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{
    BigInt, Integer, Interval, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::events::{Event, EventKind, NewEvent};
use domain::ports::events::{EventLog, LogBounds};
use domain::{CompanyId, ConversationId};
use uuid::Uuid;

/// The channel every node LISTENs on; the payload is `company_uuid:first_id:last_id`, then
/// `:` and the events as a JSON array when they fit ([`CARRIED_MAX_BYTES`]).
pub const CHANNEL: &str = "atende_events";

/// The longest JSON of events carried in a notification (PostgreSQL refuses payloads of 8,000
/// bytes or more; the prefix takes under 70). Longer batches are read from the log instead.
pub const CARRIED_MAX_BYTES: i32 = 7_800;

/// An event as a notification carries it (the row as `json_build_object` renders it).
#[derive(serde::Deserialize)]
struct CarriedEvent {
    id: i64,
    kind: String,
    conversation_id: Option<Uuid>,
    payload: serde_json::Value,
    created_at: DateTime<Utc>,
}

/// Parses a notification: the clinic, the first and last ids, and the events it carries (None
/// when they did not fit, or could not be parsed: the hub then reads the log). Kinds this build
/// does not know are passed over, as in a log read.
pub(crate) fn parse_notification(
    payload: &str,
) -> Option<(CompanyId, i64, i64, Option<Vec<Event>>)> {
    let mut parts = payload.splitn(4, ':');
    let company = CompanyId(Uuid::parse_str(parts.next()?).ok()?);
    let first = parts.next()?.parse::<i64>().ok()?;
    let last = parts.next()?.parse::<i64>().ok()?;
    let events = parts.next().and_then(|json| {
        let carried: Vec<CarriedEvent> = serde_json::from_str(json).ok()?;
        let complete = carried.len() == usize::try_from(last - first + 1).ok()?
            && carried.iter().zip(first..=last).all(|(e, id)| e.id == id);
        complete.then(|| {
            carried
                .into_iter()
                .filter_map(|e| {
                    Some(Event {
                        id: e.id,
                        kind: EventKind::parse(&e.kind)?,
                        conversation_id: e.conversation_id.map(ConversationId),
                        payload: e.payload,
                        created_at: e.created_at,
                    })
                })
                .collect()
        })
    });
    Some((company, first, last, events))
}

tokio::task_local! {
    /// The events emitted by the unit of work running on this task.
    static PENDING: std::cell::RefCell<Vec<(CompanyId, NewEvent)>>;
}

/// Records `event` of `company`, to be appended when the current unit of work commits.
///
/// # Errors
/// When called outside a unit of work (a bug: the event would be lost).
pub fn emit(company: CompanyId, event: NewEvent) -> anyhow::Result<()> {
    PENDING
        .try_with(|p| p.borrow_mut().push((company, event)))
        .map_err(|_| anyhow::anyhow!("an event was emitted outside a unit of work"))
}

/// Emits `message.status` for message `id` as it stands now in this unit of work (after its
/// status moved).
///
/// # Errors
/// A database error, or an emit outside a unit of work.
pub(crate) async fn emit_message_status(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: Uuid,
) -> anyhow::Result<()> {
    let message = read_message(conn, company, id).await?;
    emit(company, domain::events::message_status(&message))
}

/// Emits `message.deleted` for message `id` (the patient unsent it).
///
/// # Errors
/// A database error, or an emit outside a unit of work.
pub(crate) async fn emit_message_deleted(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: Uuid,
) -> anyhow::Result<()> {
    let message = read_message(conn, company, id).await?;
    emit(company, domain::events::message_deleted(&message))
}

async fn read_message(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: Uuid,
) -> anyhow::Result<domain::conversations::Interaction> {
    let row: crate::conversations::rows::InteractionRow =
        diesel::sql_query("SELECT * FROM interactions WHERE company_id = $1 AND id = $2")
            .bind::<SqlUuid, _>(company.0)
            .bind::<SqlUuid, _>(id)
            .prepared()
            .get_result(conn)
            .await?;
    row.try_into()
}

/// Runs `work` collecting what it [`emit`]s.
pub(crate) async fn collecting<T>(
    work: impl std::future::Future<Output = T>,
) -> (T, Vec<(CompanyId, NewEvent)>) {
    PENDING
        .scope(std::cell::RefCell::new(Vec::new()), async {
            let out = work.await;
            let pending = PENDING.with(std::cell::RefCell::take);
            (out, pending)
        })
        .await
}

/// Appends what a unit of work emitted, clinic by clinic (in practice its one clinic).
pub(crate) async fn append_pending(
    conn: &mut AsyncPgConnection,
    pending: Vec<(CompanyId, NewEvent)>,
) -> diesel::QueryResult<()> {
    let mut by_company: Vec<(CompanyId, Vec<NewEvent>)> = Vec::new();
    for (company, event) in pending {
        match by_company.iter_mut().find(|(c, _)| *c == company) {
            Some((_, events)) => events.push(event),
            None => by_company.push((company, vec![event])),
        }
    }
    for (company, events) in by_company {
        append_in(conn, company, &events).await?;
    }
    Ok(())
}

/// Appends `events` to `company`'s log inside the caller's transaction and notifies the nodes on
/// commit. Call it last in the transaction (it holds the clinic's counter lock until commit).
/// Returns the ids given, in order.
///
/// # Errors
/// When a statement fails.
pub async fn append_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    events: &[NewEvent],
) -> diesel::QueryResult<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = BigInt)]
        last_id: i64,
    }
    let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    let conversations: Vec<Option<Uuid>> = events
        .iter()
        .map(|e| e.conversation_id.map(|c| c.0))
        .collect();
    let clients: Vec<Option<Uuid>> = events.iter().map(|e| e.client_id.map(|c| c.0)).collect();
    let payloads: Vec<&serde_json::Value> = events.iter().map(|e| &e.payload).collect();
    // One round trip: move the counter (its row lock is held until commit), insert the events
    // with the ids it gave, and notify `company:first:last`, followed by `:` and the events as
    // JSON when they fit in a notification, so the nodes' hubs need not read them back.
    let last: Last = diesel::sql_query(
        "WITH counter AS (
             INSERT INTO event_counters AS c (company_id, last_id) VALUES ($1, $2)
             ON CONFLICT (company_id) DO UPDATE SET last_id = c.last_id + EXCLUDED.last_id
             RETURNING c.last_id
         ), inserted AS (
             INSERT INTO events (company_id, id, kind, conversation_id, client_id, payload)
             SELECT $1, counter.last_id - $2 + u.n, u.kind, u.conversation_id, u.client_id, u.payload
               FROM counter,
                    unnest($3::text[], $4::uuid[], $5::uuid[], $6::jsonb[]) WITH ORDINALITY
                    AS u (kind, conversation_id, client_id, payload, n)
             RETURNING id, kind, conversation_id, payload, created_at
         ), carried AS (
             SELECT json_agg(json_build_object('id', id, 'kind', kind,
                        'conversation_id', conversation_id, 'payload', payload,
                        'created_at', created_at) ORDER BY id)::text AS events
               FROM inserted
         )
         SELECT counter.last_id,
                pg_notify($7, $1::text || ':' || (counter.last_id - $2 + 1)::text || ':'
                    || counter.last_id::text
                    || CASE WHEN octet_length(carried.events) <= $8 THEN ':' || carried.events
                            ELSE '' END) AS notified
           FROM counter, carried",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<BigInt, _>(n)
    .bind::<diesel::sql_types::Array<Text>, _>(&kinds)
    .bind::<diesel::sql_types::Array<Nullable<SqlUuid>>, _>(&conversations)
    .bind::<diesel::sql_types::Array<Nullable<SqlUuid>>, _>(&clients)
    .bind::<diesel::sql_types::Array<Jsonb>, _>(&payloads)
    .bind::<Text, _>(CHANNEL)
    .bind::<Integer, _>(CARRIED_MAX_BYTES)
    .prepared()
    .get_result(conn)
    .await?;
    let first = last.last_id - n + 1;
    let ids: Vec<i64> = (first..=last.last_id).collect();
    Ok(ids)
}

#[derive(QueryableByName)]
struct EventRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    conversation_id: Option<Uuid>,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

impl EventRow {
    fn into_event(self) -> Option<Event> {
        Some(Event {
            id: self.id,
            kind: EventKind::parse(&self.kind)?,
            conversation_id: self.conversation_id.map(ConversationId),
            payload: self.payload,
            created_at: self.created_at,
        })
    }
}

/// Reads `company`'s events after `after` on a connection already pinned to that clinic.
pub(crate) async fn read_after(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    after: i64,
    limit: u32,
) -> diesel::QueryResult<Vec<Event>> {
    let rows: Vec<EventRow> = diesel::sql_query(
        "SELECT id, kind, conversation_id, payload, created_at FROM events
          WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(i64::from(limit))
    .prepared()
    .load(conn)
    .await?;
    // A kind this build does not know (a newer node wrote it) is passed over.
    Ok(rows.into_iter().filter_map(EventRow::into_event).collect())
}

/// [`EventLog`] over PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgEventLog {
    db: Database,
}

impl PgEventLog {
    /// A log over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Deletes events older than `keep` across clinics, in batches; returns how many.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn prune(&self, keep: std::time::Duration) -> anyhow::Result<u64> {
        const BATCH: i32 = 10_000;
        let keep = diesel::data_types::PgInterval::from_microseconds(
            i64::try_from(keep.as_micros()).unwrap_or(i64::MAX),
        );
        let mut total = 0_u64;
        loop {
            #[derive(QueryableByName)]
            struct Deleted {
                #[diesel(sql_type = Integer)]
                n: i32,
            }
            let deleted: Deleted = self
                .db
                .system_tx(move |conn| {
                    Box::pin(async move {
                        Ok::<_, anyhow::Error>(
                            diesel::sql_query("SELECT public.atende_prune_events($1, $2) AS n")
                                .bind::<Interval, _>(keep)
                                .bind::<Integer, _>(BATCH)
                                .prepared()
                                .get_result(conn)
                                .await?,
                        )
                    })
                })
                .await?;
            total += u64::try_from(deleted.n).unwrap_or(0);
            if deleted.n < BATCH {
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl EventLog for PgEventLog {
    async fn after(
        &self,
        company: CompanyId,
        after: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<Event>> {
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    Ok::<_, anyhow::Error>(read_after(conn, company, after, limit).await?)
                })
            })
            .await
    }

    async fn bounds(&self, company: CompanyId) -> anyhow::Result<LogBounds> {
        #[derive(QueryableByName)]
        struct Bounds {
            #[diesel(sql_type = Nullable<BigInt>)]
            newest: Option<i64>,
            #[diesel(sql_type = Nullable<BigInt>)]
            oldest: Option<i64>,
        }
        let b: Bounds = self
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    Ok::<_, anyhow::Error>(
                        diesel::sql_query(
                            "SELECT (SELECT last_id FROM event_counters WHERE company_id = $1) AS newest,
                                    (SELECT min(id) FROM events WHERE company_id = $1) AS oldest",
                        )
                        .bind::<SqlUuid, _>(company.0)
                        .prepared()
                        .get_result(conn)
                        .await?,
                    )
                })
            })
            .await?;
        Ok(LogBounds {
            newest: b.newest.unwrap_or(0),
            oldest_retained: b.oldest,
        })
    }
}
