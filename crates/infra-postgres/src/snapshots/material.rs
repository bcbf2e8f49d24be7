//! Reading what an analysis is made of: the client, the clinic's locale, appointment facts and
//! the last messages.

use crate::prepared::Prepare;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::conversations::Direction;
use domain::snapshots::{ClientFacts, RawMessage, SnapshotMaterial};
use domain::{Channel, ClientId, CompanyId, InteractionId};
use uuid::Uuid;

#[derive(QueryableByName)]
struct ClientRow {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    locale: String,
}

#[derive(QueryableByName)]
struct FactsRow {
    #[diesel(sql_type = Integer)]
    total: i32,
    #[diesel(sql_type = Integer)]
    completed: i32,
    #[diesel(sql_type = Integer)]
    canceled: i32,
    #[diesel(sql_type = Integer)]
    no_show: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_visit_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    next_appointment_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct MessageRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    content_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
}

fn count(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The material of one client, or None when the clinic has no such client.
pub(crate) async fn read(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    window: u32,
) -> anyhow::Result<Option<SnapshotMaterial>> {
    let found: Vec<ClientRow> = diesel::sql_query(
        "SELECT c.name, c.status, coalesce(s.locale, 'pt-BR') AS locale
           FROM clients c LEFT JOIN settings s ON s.company_id = c.company_id
          WHERE c.company_id = $1 AND c.id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .load(conn)
    .await?;
    let Some(row) = found.into_iter().next() else {
        return Ok(None);
    };
    let facts: FactsRow = diesel::sql_query(
        "SELECT count(*)::int4 AS total,
                (count(*) FILTER (WHERE status = 'completed'))::int4 AS completed,
                (count(*) FILTER (WHERE status = 'canceled'))::int4 AS canceled,
                (count(*) FILTER (WHERE status = 'no_show'))::int4 AS no_show,
                max(starts_at) FILTER (WHERE status = 'completed') AS last_visit_at,
                min(starts_at) FILTER (WHERE status IN ('scheduled', 'confirmed') AND starts_at >= now())
                    AS next_appointment_at
           FROM appointments WHERE company_id = $1 AND client_id = $2",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .get_result(conn)
    .await?;
    let services: Vec<NameRow> = diesel::sql_query(
        "SELECT DISTINCT s.name FROM appointments a
           JOIN services s ON s.company_id = a.company_id AND s.id = a.service_id
          WHERE a.company_id = $1 AND a.client_id = $2 ORDER BY s.name LIMIT 20",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .load(conn)
    .await?;
    let messages: Vec<MessageRow> = diesel::sql_query(
        "SELECT * FROM (
             SELECT id, direction, channel, occurred_at, content_type, text FROM interactions
              WHERE company_id = $1 AND client_id = $2 AND deleted_at IS NULL
              ORDER BY occurred_at DESC, id DESC LIMIT $3
         ) recent ORDER BY occurred_at, id",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .bind::<Integer, _>(i32::try_from(window).unwrap_or(i32::MAX))
    .prepared()
    .load(conn)
    .await?;
    let messages = messages
        .into_iter()
        .filter_map(|m| {
            let direction = match m.direction.as_str() {
                "inbound" => Direction::Inbound,
                "outbound" => Direction::Outbound,
                _ => return None,
            };
            Some(RawMessage {
                id: InteractionId(m.id),
                direction,
                channel: m.channel.parse::<Channel>().ok()?,
                at: m.occurred_at,
                content_type: m.content_type,
                text: m.text,
            })
        })
        .collect();
    Ok(Some(SnapshotMaterial {
        client_name: row.name,
        locale: row.locale,
        facts: ClientFacts {
            status: row.status,
            appointments_total: count(facts.total),
            appointments_completed: count(facts.completed),
            appointments_canceled: count(facts.canceled),
            appointments_no_show: count(facts.no_show),
            last_visit_at: facts.last_visit_at,
            next_appointment_at: facts.next_appointment_at,
            services_used: services.into_iter().map(|s| s.name).collect(),
        },
        messages,
    }))
}
