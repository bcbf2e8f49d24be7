//! [`TimeOffRepository`] over PostgreSQL.

use super::write_error;
use crate::error::DbError;
use crate::keyset::ListOrder;
use crate::payments::scope;
use crate::pool::Database;
use crate::schema::time_off;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::availability::{
    NewTimeOff, TimeOff, TimeOffCursor, TimeOffFields, TimeOffFilter, TimeOffId,
};
use domain::page::Page;
use domain::ports::availability::{AgendaWriteError, TimeOffRepository};
use domain::{CompanyId, UserId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`TimeOffRepository`].
#[derive(Clone, Debug)]
pub struct PgTimeOff {
    db: Database,
}

impl PgTimeOff {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = time_off, check_for_backend(diesel::pg::Pg))]
struct TimeOffRow {
    id: Uuid,
    user_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: Option<String>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TimeOffRow> for TimeOff {
    fn from(r: TimeOffRow) -> Self {
        Self {
            id: TimeOffId(r.id),
            fields: TimeOffFields {
                user_id: UserId(r.user_id),
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                reason: r.reason,
            },
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn by_id(company: CompanyId, id: Uuid) -> time_off::BoxedQuery<'static, Pg> {
    time_off::table
        .filter(time_off::company_id.eq(company.0))
        .filter(time_off::id.eq(id))
        .into_boxed()
}

/// The time-off list: by start.
const PAGES: ListOrder = ListOrder::asc(["time_off.starts_at", "time_off.id"]);

#[async_trait]
impl TimeOffRepository for PgTimeOff {
    async fn create(&self, tenant: Tenant, entry: NewTimeOff) -> Result<TimeOff, AgendaWriteError> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = entry.fields;
                    let row = diesel::insert_into(time_off::table)
                        .values((
                            time_off::id.eq(entry.id.0),
                            time_off::company_id.eq(company.0),
                            time_off::user_id.eq(f.user_id.0),
                            time_off::starts_at.eq(f.starts_at),
                            time_off::ends_at.eq(f.ends_at),
                            time_off::reason.eq(f.reason),
                            time_off::created_by.eq(entry.created_by.map(|u| u.0)),
                        ))
                        .returning(TimeOffRow::as_returning())
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await
            .map_err(write_error)?;
        Ok(row.into())
    }

    async fn get(&self, tenant: Tenant, id: TimeOffId) -> anyhow::Result<Option<TimeOff>> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = by_id(company, id.0)
                        .select(TimeOffRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        Ok(row.map(TimeOff::from))
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: TimeOffId,
        fields: TimeOffFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<TimeOff, AgendaWriteError> {
        let company = tenant.company_id;
        let (row, exists) = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = fields;
                    let row = diesel::update(
                        time_off::table
                            .filter(time_off::company_id.eq(company.0))
                            .filter(time_off::id.eq(id.0))
                            .filter(time_off::updated_at.eq(expected_updated_at)),
                    )
                    .set((
                        time_off::user_id.eq(f.user_id.0),
                        time_off::starts_at.eq(f.starts_at),
                        time_off::ends_at.eq(f.ends_at),
                        time_off::reason.eq(f.reason),
                    ))
                    .returning(TimeOffRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                    if row.is_some() {
                        return Ok::<_, DbError>((row, true));
                    }
                    let exists = by_id(company, id.0)
                        .select(time_off::id)
                        .first::<Uuid>(conn)
                        .await
                        .optional()?
                        .is_some();
                    Ok((None, exists))
                })
            })
            .await
            .map_err(write_error)?;
        match (row, exists) {
            (Some(row), _) => Ok(row.into()),
            (None, true) => Err(AgendaWriteError::Stale),
            (None, false) => Err(AgendaWriteError::NotFound),
        }
    }

    async fn delete(&self, tenant: Tenant, id: TimeOffId) -> anyhow::Result<bool> {
        let company = tenant.company_id;
        let n = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let n = diesel::delete(
                        time_off::table
                            .filter(time_off::company_id.eq(company.0))
                            .filter(time_off::id.eq(id.0)),
                    )
                    .execute(conn)
                    .await?;
                    Ok::<_, DbError>(n)
                })
            })
            .await?;
        Ok(n > 0)
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: TimeOffFilter,
        after: Option<TimeOffCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<TimeOff, TimeOffCursor>> {
        let company = tenant.company_id;
        let rows = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut query = time_off::table
                        .filter(time_off::company_id.eq(company.0))
                        .select(TimeOffRow::as_select())
                        .into_boxed::<Pg>();
                    if let Some(user) = filter.user_id {
                        query = query.filter(time_off::user_id.eq(user.0));
                    }
                    if let Some(from) = filter.from {
                        query = query.filter(time_off::ends_at.gt(from));
                    }
                    if let Some(to) = filter.to {
                        query = query.filter(time_off::starts_at.lt(to));
                    }
                    let key = after.map(|c| (c.starts_at, c.id.0));
                    let rows: Vec<TimeOffRow> =
                        PAGES.page_time_id(query, key, limit).load(conn).await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        let data: Vec<TimeOff> = rows.into_iter().map(TimeOff::from).collect();
        Ok(Page::from_rows(data, limit, TimeOff::cursor))
    }
}
