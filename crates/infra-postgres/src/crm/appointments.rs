//! [`AppointmentRepository`] over PostgreSQL. Overlaps are refused by the exclusion constraint
//! `appointments_no_overlap`, so concurrent bookings of one slot cannot both commit.

use super::{scope, violation};
use crate::error::DbError;
use crate::keyset::ListOrder;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::{appointments, clients, services, users};
use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::appointments::{
    Appointment, AppointmentCursor, AppointmentFields, AppointmentFilter, NewAppointment,
    ReferenceCheck,
};
use domain::auth::Tenant;
use domain::page::Page;
use domain::ports::appointments::{AppointmentRef, AppointmentRepository, AppointmentWriteError};
use domain::{AppointmentId, ClientId, CompanyId, ServiceId, UserId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`AppointmentRepository`].
#[derive(Clone, Debug)]
pub struct PgAppointments {
    db: Database,
}

impl PgAppointments {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// An `appointments` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointments, check_for_backend(diesel::pg::Pg))]
struct AppointmentRow {
    id: Uuid,
    client_id: Uuid,
    service_id: Uuid,
    user_id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: String,
    notes: Option<String>,
    created_by: Option<Uuid>,
    canceled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<AppointmentRow> for Appointment {
    type Error = anyhow::Error;
    fn try_from(row: AppointmentRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: AppointmentId(row.id),
            fields: AppointmentFields {
                client_id: ClientId(row.client_id),
                service_id: ServiceId(row.service_id),
                user_id: row.user_id.map(UserId),
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                status: row
                    .status
                    .parse()
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("appointment {} has a malformed status", row.id))?,
                notes: row.notes,
                canceled_at: row.canceled_at,
            },
            created_by: row.created_by.map(UserId),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The domain error of a failed write.
fn write_error(err: DbError) -> AppointmentWriteError {
    match violation(&err) {
        Some((DatabaseErrorKind::ExclusionViolation, _)) => AppointmentWriteError::SlotTaken,
        Some((DatabaseErrorKind::ForeignKeyViolation, Some(constraint))) => {
            if constraint.contains("client_id") {
                AppointmentWriteError::InvalidReference(AppointmentRef::Client)
            } else if constraint.contains("service_id") {
                AppointmentWriteError::InvalidReference(AppointmentRef::Service)
            } else if constraint.contains("user_id") {
                AppointmentWriteError::InvalidReference(AppointmentRef::Professional)
            } else {
                AppointmentWriteError::Other(err.into())
            }
        }
        _ => AppointmentWriteError::Other(err.into()),
    }
}

fn by_id(company: CompanyId, id: Uuid) -> appointments::BoxedQuery<'static, Pg> {
    appointments::table
        .filter(appointments::company_id.eq(company.0))
        .filter(appointments::id.eq(id))
        .into_boxed()
}

/// The appointment list: by start (index `(company_id, starts_at, id)`).
const PAGES: ListOrder = ListOrder::asc(["appointments.starts_at", "appointments.id"]);

#[async_trait]
impl AppointmentRepository for PgAppointments {
    async fn check_references(
        &self,
        tenant: Tenant,
        client_id: ClientId,
        service_id: ServiceId,
        user_id: Option<UserId>,
    ) -> anyhow::Result<ReferenceCheck> {
        let company = tenant.company_id;
        Ok(self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let client = clients::table
                        .filter(clients::company_id.eq(company.0))
                        .filter(clients::id.eq(client_id.0))
                        .select(clients::id)
                        .first::<Uuid>(conn)
                        .await
                        .optional()?
                        .is_some();
                    let service = services::table
                        .filter(services::company_id.eq(company.0))
                        .filter(services::id.eq(service_id.0))
                        .select((services::duration_minutes, services::active))
                        .first::<(i32, bool)>(conn)
                        .await
                        .optional()?;
                    let professional = match user_id {
                        None => true,
                        Some(user) => users::table
                            .filter(users::company_id.eq(company.0))
                            .filter(users::id.eq(user.0))
                            .filter(users::status.eq("active"))
                            .select(users::id)
                            .first::<Uuid>(conn)
                            .await
                            .optional()?
                            .is_some(),
                    };
                    Ok::<_, DbError>(ReferenceCheck {
                        client,
                        service,
                        professional,
                    })
                })
            })
            .await?)
    }

    async fn create(
        &self,
        tenant: Tenant,
        appointment: NewAppointment,
    ) -> Result<Appointment, AppointmentWriteError> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = appointment.fields;
                    lock_professional(conn, company.0, f.user_id.map(|u| u.0)).await?;
                    if buffer_taken(conn, company.0, appointment.id.0, &f).await? {
                        return Err(BookingError::BufferTaken);
                    }
                    let row = diesel::insert_into(appointments::table)
                        .values((
                            appointments::id.eq(appointment.id.0),
                            appointments::company_id.eq(company.0),
                            appointments::client_id.eq(f.client_id.0),
                            appointments::service_id.eq(f.service_id.0),
                            appointments::user_id.eq(f.user_id.map(|u| u.0)),
                            appointments::starts_at.eq(f.starts_at),
                            appointments::ends_at.eq(f.ends_at),
                            appointments::status.eq(f.status.as_str()),
                            appointments::notes.eq(f.notes),
                            appointments::canceled_at.eq(f.canceled_at),
                            appointments::created_by.eq(appointment.created_by.map(|u| u.0)),
                        ))
                        .returning(AppointmentRow::as_returning())
                        .get_result(conn)
                        .await
                        .map_err(DbError::from)?;
                    Ok::<_, BookingError>(row)
                })
            })
            .await
            .map_err(BookingError::into_write_error)?;
        Ok(Appointment::try_from(row)?)
    }

    async fn get(&self, tenant: Tenant, id: AppointmentId) -> anyhow::Result<Option<Appointment>> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = by_id(company, id.0)
                        .select(AppointmentRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        row.map(Appointment::try_from).transpose()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: AppointmentId,
        fields: AppointmentFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Appointment, AppointmentWriteError> {
        let company = tenant.company_id;
        let (row, exists) = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = fields;
                    lock_professional(conn, company.0, f.user_id.map(|u| u.0)).await?;
                    let current = by_id(company, id.0)
                        .select((
                            appointments::user_id,
                            appointments::starts_at,
                            appointments::ends_at,
                        ))
                        .first::<(Option<Uuid>, DateTime<Utc>, DateTime<Utc>)>(conn)
                        .await
                        .optional()
                        .map_err(DbError::from)?;
                    // Only a move (new time or professional) is judged: an appointment that a
                    // later, larger buffer now crowds keeps its place through other changes.
                    let moved = current
                        .is_some_and(|c| c != (f.user_id.map(|u| u.0), f.starts_at, f.ends_at));
                    if moved && buffer_taken(conn, company.0, id.0, &f).await? {
                        return Err(BookingError::BufferTaken);
                    }
                    let row = diesel::update(
                        appointments::table
                            .filter(appointments::company_id.eq(company.0))
                            .filter(appointments::id.eq(id.0))
                            .filter(appointments::updated_at.eq(expected_updated_at)),
                    )
                    .set((
                        appointments::client_id.eq(f.client_id.0),
                        appointments::service_id.eq(f.service_id.0),
                        appointments::user_id.eq(f.user_id.map(|u| u.0)),
                        appointments::starts_at.eq(f.starts_at),
                        appointments::ends_at.eq(f.ends_at),
                        appointments::status.eq(f.status.as_str()),
                        appointments::notes.eq(f.notes),
                        appointments::canceled_at.eq(f.canceled_at),
                    ))
                    .returning(AppointmentRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()
                    .map_err(DbError::from)?;
                    if row.is_some() {
                        return Ok::<_, BookingError>((row, true));
                    }
                    Ok((None, current.is_some()))
                })
            })
            .await
            .map_err(BookingError::into_write_error)?;
        match (row, exists) {
            (Some(row), _) => Ok(Appointment::try_from(row)?),
            (None, true) => Err(AppointmentWriteError::Stale),
            (None, false) => Err(AppointmentWriteError::NotFound),
        }
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: AppointmentFilter,
        after: Option<AppointmentCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Appointment, AppointmentCursor>> {
        let company = tenant.company_id;
        let rows = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut query = appointments::table
                        .filter(appointments::company_id.eq(company.0))
                        .select(AppointmentRow::as_select())
                        .into_boxed::<Pg>();
                    if let Some(from) = filter.from {
                        query = query.filter(appointments::starts_at.ge(from));
                    }
                    if let Some(to) = filter.to {
                        query = query.filter(appointments::starts_at.lt(to));
                    }
                    if let Some(client) = filter.client_id {
                        query = query.filter(appointments::client_id.eq(client.0));
                    }
                    if let Some(user) = filter.user_id {
                        query = query.filter(appointments::user_id.eq(user.0));
                    }
                    if let Some(status) = filter.status {
                        query = query.filter(appointments::status.eq(status.as_str()));
                    }
                    let key = after.map(|c| (c.starts_at, c.id.0));
                    let rows: Vec<AppointmentRow> =
                        PAGES.page_time_id(query, key, limit).load(conn).await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        let data = rows
            .into_iter()
            .map(Appointment::try_from)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(data, limit, Appointment::cursor))
    }
}

/// A failed booking transaction.
#[derive(Debug)]
enum BookingError {
    /// The buffer around another appointment of the professional is in the way.
    BufferTaken,
    /// The database refused (constraints included).
    Db(DbError),
}

impl From<DbError> for BookingError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl BookingError {
    fn into_write_error(self) -> AppointmentWriteError {
        match self {
            Self::BufferTaken => AppointmentWriteError::SlotTaken,
            Self::Db(e) => write_error(e),
        }
    }
}

/// The booking half of the buffer rule (`domain::availability::conflicts_with_buffer`, which
/// availability applies): an open appointment `f` of a professional may not start before another
/// non-canceled appointment of theirs ends plus the clinic's buffer, nor end later than the
/// buffer before the other starts. Runs under the professional's advisory lock, so concurrent
/// bookings see each other. The exclusion constraint still refuses plain overlaps; with no
/// buffer, nothing is read here. The buffered bounds are computed once in a materialised CTE so
/// they reach the agenda index as parameters (interval arithmetic is not leakproof).
async fn buffer_taken(
    conn: &mut AsyncPgConnection,
    company: Uuid,
    own_id: Uuid,
    f: &AppointmentFields,
) -> Result<bool, DbError> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        taken: bool,
    }
    let Some(user) = f.user_id.filter(|_| f.status.is_open()) else {
        return Ok(false);
    };
    let r: Taken = diesel::sql_query(
        "WITH b AS MATERIALIZED (
            SELECT $4 - make_interval(mins => s.buffer_minutes) AS lo,
                   $5 + make_interval(mins => s.buffer_minutes) AS hi
              FROM settings s WHERE s.company_id = $1 AND s.buffer_minutes > 0
         )
         SELECT EXISTS (
            SELECT 1 FROM appointments a
             WHERE a.company_id = $1 AND a.user_id = $2 AND a.status <> 'canceled' AND a.id <> $3
               AND a.ends_at > (SELECT lo FROM b) AND a.starts_at < (SELECT hi FROM b)
         ) AS taken",
    )
    .bind::<diesel::sql_types::Uuid, _>(company)
    .bind::<diesel::sql_types::Uuid, _>(user.0)
    .bind::<diesel::sql_types::Uuid, _>(own_id)
    .bind::<diesel::sql_types::Timestamptz, _>(f.starts_at)
    .bind::<diesel::sql_types::Timestamptz, _>(f.ends_at)
    .prepared()
    .get_result(conn)
    .await?;
    Ok(r.taken)
}

/// Serialises writes to one professional's agenda (transaction-level advisory lock). Without it
/// two concurrent overlapping bookings can each insert their row and then wait for the other
/// while checking the exclusion constraint: PostgreSQL breaks that with a deadlock error (a 500)
/// instead of the loser's `slot_taken`. With it the second waits and then sees the first.
async fn lock_professional(
    conn: &mut AsyncPgConnection,
    company: Uuid,
    user: Option<Uuid>,
) -> Result<(), DbError> {
    let Some(user) = user else {
        return Ok(());
    };
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(format!("agenda:{company}:{user}"))
        .prepared()
        .execute(conn)
        .await?;
    Ok(())
}
