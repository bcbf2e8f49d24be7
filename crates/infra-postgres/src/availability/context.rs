//! [`AvailabilityRepository`] over PostgreSQL: two statements in one unit of work.

use crate::error::DbError;
use crate::payments::scope;
use crate::pool::Database;
use crate::prepared::Prepare;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{
    Array, Bool, Date, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::RunQueryDsl;
use domain::UserId;
use domain::auth::Tenant;
use domain::availability::{
    AvailabilityContext, Busy, BusyKind, Professional, ServiceSlot, SlotQuery, ZoneTable,
    needed_local_times,
};
use domain::ports::availability::AvailabilityRepository;
use domain::reads::WorkingHours;
use std::collections::HashMap;
use uuid::Uuid;

/// The PostgreSQL adapter of [`AvailabilityRepository`].
#[derive(Clone, Debug)]
pub struct PgAvailability {
    db: Database,
}

impl PgAvailability {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Everything but the time-zone conversions, in one statement. The bookable professionals are
/// active members with a schedule (only the asked one when `$3` is set). What keeps them busy:
/// non-canceled appointments that end after the range's start less the buffer and start before
/// its end plus a day (the longest service) and the buffer, through the agenda index; time off
/// that ends after the range's start and starts before its end plus a day. The bounds that need
/// interval arithmetic (not leakproof) are computed once in a materialised CTE so they reach the
/// indexes as parameters under row-level security.
const CONTEXT: &str = "
WITH s AS MATERIALIZED (
    SELECT timezone, working_hours, buffer_minutes, slot_step_minutes,
           $4 - make_interval(mins => buffer_minutes) AS busy_after,
           $5 + make_interval(days => 1, mins => buffer_minutes) AS busy_before,
           $5 + interval '1 day' AS off_before
      FROM settings WHERE company_id = $1
),
pros AS MATERIALIZED (
    SELECT m.user_id, m.weekly_hours
      FROM member_schedules m
      JOIN users u ON u.company_id = m.company_id AND u.id = m.user_id AND u.status = 'active'
     WHERE m.company_id = $1 AND ($3::uuid IS NULL OR m.user_id = $3)
),
busy AS MATERIALIZED (
    SELECT a.user_id, a.starts_at, a.ends_at, false AS off
      FROM appointments a
     WHERE a.company_id = $1 AND a.user_id IN (SELECT user_id FROM pros) AND a.status <> 'canceled'
       AND a.ends_at > (SELECT busy_after FROM s) AND a.starts_at < (SELECT busy_before FROM s)
    UNION ALL
    SELECT t.user_id, t.starts_at, t.ends_at, true
      FROM time_off t
     WHERE t.company_id = $1 AND t.user_id IN (SELECT user_id FROM pros)
       AND t.ends_at > $4 AND t.starts_at < (SELECT off_before FROM s)
)
SELECT s.timezone, s.working_hours, s.buffer_minutes, s.slot_step_minutes,
       (SELECT v.duration_minutes FROM services v WHERE v.company_id = $1 AND v.id = $2) AS service_minutes,
       (SELECT v.active FROM services v WHERE v.company_id = $1 AND v.id = $2) AS service_active,
       ($3::uuid IS NULL OR EXISTS (
           SELECT 1 FROM users u WHERE u.company_id = $1 AND u.id = $3 AND u.status = 'active'
       )) AS professional_known,
       coalesce((SELECT array_agg(user_id ORDER BY user_id) FROM pros), '{}') AS pro_ids,
       coalesce((SELECT array_agg(weekly_hours ORDER BY user_id) FROM pros), '{}') AS pro_hours,
       coalesce((SELECT array_agg(user_id) FROM busy), '{}') AS busy_users,
       coalesce((SELECT array_agg(starts_at) FROM busy), '{}') AS busy_starts,
       coalesce((SELECT array_agg(ends_at) FROM busy), '{}') AS busy_ends,
       coalesce((SELECT array_agg(off) FROM busy), '{}') AS busy_off
  FROM s";

/// Local wall-clock times of given dates as instants, by PostgreSQL's time-zone database.
const ZONE: &str = "
SELECT t.d AS date, t.m AS minute, ((t.d + make_interval(mins => t.m)) AT TIME ZONE $1) AS at
  FROM unnest($2::date[], $3::int4[]) AS t(d, m)";

#[derive(QueryableByName)]
struct ContextRow {
    #[diesel(sql_type = Text)]
    timezone: String,
    #[diesel(sql_type = Jsonb)]
    working_hours: serde_json::Value,
    #[diesel(sql_type = Integer)]
    buffer_minutes: i32,
    #[diesel(sql_type = Integer)]
    slot_step_minutes: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    service_minutes: Option<i32>,
    #[diesel(sql_type = Nullable<Bool>)]
    service_active: Option<bool>,
    #[diesel(sql_type = Bool)]
    professional_known: bool,
    #[diesel(sql_type = Array<SqlUuid>)]
    pro_ids: Vec<Uuid>,
    #[diesel(sql_type = Array<Jsonb>)]
    pro_hours: Vec<serde_json::Value>,
    #[diesel(sql_type = Array<SqlUuid>)]
    busy_users: Vec<Uuid>,
    #[diesel(sql_type = Array<Timestamptz>)]
    busy_starts: Vec<DateTime<Utc>>,
    #[diesel(sql_type = Array<Timestamptz>)]
    busy_ends: Vec<DateTime<Utc>>,
    #[diesel(sql_type = Array<Bool>)]
    busy_off: Vec<bool>,
}

#[derive(QueryableByName)]
struct ZoneRow {
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Integer)]
    minute: i32,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

fn hours(value: serde_json::Value) -> anyhow::Result<WorkingHours> {
    serde_json::from_value(value).map_err(|e| anyhow::anyhow!("malformed stored hours: {e}"))
}

#[async_trait]
impl AvailabilityRepository for PgAvailability {
    async fn context(
        &self,
        tenant: Tenant,
        query: SlotQuery,
    ) -> anyhow::Result<AvailabilityContext> {
        self.db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let r: ContextRow = diesel::sql_query(CONTEXT)
                        .bind::<SqlUuid, _>(tenant.company_id.0)
                        .bind::<SqlUuid, _>(query.service_id.0)
                        .bind::<Nullable<SqlUuid>, _>(query.user_id.map(|u| u.0))
                        .bind::<Timestamptz, _>(query.from)
                        .bind::<Timestamptz, _>(query.to)
                        .prepared()
                        .get_result(conn)
                        .await
                        .map_err(DbError::from)?;
                    let clinic_hours = hours(r.working_hours)?;
                    let mut busy: HashMap<Uuid, Vec<Busy>> = HashMap::new();
                    for (((user, starts_at), ends_at), off) in r
                        .busy_users
                        .into_iter()
                        .zip(r.busy_starts)
                        .zip(r.busy_ends)
                        .zip(r.busy_off)
                    {
                        busy.entry(user).or_default().push(Busy {
                            starts_at,
                            ends_at,
                            kind: if off {
                                BusyKind::TimeOff
                            } else {
                                BusyKind::Appointment
                            },
                        });
                    }
                    let professionals = r
                        .pro_ids
                        .into_iter()
                        .zip(r.pro_hours)
                        .map(|(id, h)| {
                            Ok(Professional {
                                user_id: UserId(id),
                                weekly_hours: hours(h)?,
                                busy: busy.remove(&id).unwrap_or_default(),
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    let weekly: Vec<&WorkingHours> =
                        professionals.iter().map(|p| &p.weekly_hours).collect();
                    let needed = needed_local_times(query.from, query.to, &clinic_hours, &weekly);
                    let mut zone = ZoneTable::new();
                    if !needed.is_empty() {
                        let (dates, minutes): (Vec<NaiveDate>, Vec<i32>) =
                            needed.into_iter().map(|(d, m)| (d, i32::from(m))).unzip();
                        let rows: Vec<ZoneRow> = diesel::sql_query(ZONE)
                            .bind::<Text, _>(&r.timezone)
                            .bind::<Array<Date>, _>(dates)
                            .bind::<Array<Integer>, _>(minutes)
                            .prepared()
                            .load(conn)
                            .await
                            .map_err(DbError::from)?;
                        for z in rows {
                            if let Ok(minute) = u16::try_from(z.minute) {
                                zone.insert(z.date, minute, z.at);
                            }
                        }
                    }
                    Ok::<_, anyhow::Error>(AvailabilityContext {
                        timezone: r.timezone,
                        clinic_hours,
                        buffer_minutes: u32::try_from(r.buffer_minutes).unwrap_or(0),
                        slot_step_minutes: u32::try_from(r.slot_step_minutes).unwrap_or(15),
                        service: r.service_minutes.zip(r.service_active).map(|(m, active)| {
                            ServiceSlot {
                                duration_minutes: u32::try_from(m).unwrap_or(0),
                                active,
                            }
                        }),
                        professional_known: r.professional_known,
                        professionals,
                        zone,
                    })
                })
            })
            .await
    }
}
