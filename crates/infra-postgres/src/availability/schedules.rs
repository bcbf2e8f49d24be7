//! [`ScheduleRepository`] over PostgreSQL.

use super::write_error;
use crate::error::DbError;
use crate::payments::scope;
use crate::pool::Database;
use crate::schema::{member_schedules, users};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use domain::UserId;
use domain::auth::Tenant;
use domain::availability::MemberSchedule;
use domain::ports::availability::{AgendaWriteError, ScheduleRepository};
use domain::reads::WorkingHours;
use uuid::Uuid;

/// At most this many schedules are listed (one per member; far above any clinic's team).
const MAX_LISTED: i64 = 1000;

/// The PostgreSQL adapter of [`ScheduleRepository`].
#[derive(Clone, Debug)]
pub struct PgSchedules {
    db: Database,
}

impl PgSchedules {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = member_schedules, check_for_backend(diesel::pg::Pg))]
struct ScheduleRow {
    user_id: Uuid,
    weekly_hours: serde_json::Value,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ScheduleRow> for MemberSchedule {
    type Error = anyhow::Error;
    fn try_from(r: ScheduleRow) -> anyhow::Result<Self> {
        Ok(Self {
            user_id: UserId(r.user_id),
            weekly_hours: serde_json::from_value(r.weekly_hours)
                .map_err(|e| anyhow::anyhow!("schedule of {} is malformed: {e}", r.user_id))?,
            updated_at: r.updated_at,
        })
    }
}

#[async_trait]
impl ScheduleRepository for PgSchedules {
    async fn list(&self, tenant: Tenant) -> anyhow::Result<Vec<MemberSchedule>> {
        let company = tenant.company_id;
        let rows = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let rows: Vec<ScheduleRow> = member_schedules::table
                        .filter(member_schedules::company_id.eq(company.0))
                        .order(member_schedules::user_id)
                        .limit(MAX_LISTED)
                        .select(ScheduleRow::as_select())
                        .load(conn)
                        .await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        rows.into_iter().map(MemberSchedule::try_from).collect()
    }

    async fn get(&self, tenant: Tenant, user: UserId) -> anyhow::Result<Option<MemberSchedule>> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = member_schedules::table
                        .filter(member_schedules::company_id.eq(company.0))
                        .filter(member_schedules::user_id.eq(user.0))
                        .select(ScheduleRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        row.map(MemberSchedule::try_from).transpose()
    }

    async fn put(
        &self,
        tenant: Tenant,
        user: UserId,
        hours: WorkingHours,
    ) -> Result<MemberSchedule, AgendaWriteError> {
        let company = tenant.company_id;
        let value = serde_json::to_value(&hours).map_err(anyhow::Error::from)?;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = diesel::insert_into(member_schedules::table)
                        .values((
                            member_schedules::company_id.eq(company.0),
                            member_schedules::user_id.eq(user.0),
                            member_schedules::weekly_hours.eq(value),
                        ))
                        .on_conflict((member_schedules::company_id, member_schedules::user_id))
                        .do_update()
                        .set(
                            member_schedules::weekly_hours
                                .eq(excluded(member_schedules::weekly_hours)),
                        )
                        .returning(ScheduleRow::as_returning())
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await
            .map_err(write_error)?;
        Ok(MemberSchedule::try_from(row)?)
    }

    async fn delete(&self, tenant: Tenant, user: UserId) -> anyhow::Result<bool> {
        let company = tenant.company_id;
        let n = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let n = diesel::delete(
                        member_schedules::table
                            .filter(member_schedules::company_id.eq(company.0))
                            .filter(member_schedules::user_id.eq(user.0)),
                    )
                    .execute(conn)
                    .await?;
                    Ok::<_, DbError>(n)
                })
            })
            .await?;
        Ok(n > 0)
    }

    async fn member_exists(&self, tenant: Tenant, user: UserId) -> anyhow::Result<bool> {
        let company = tenant.company_id;
        Ok(self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let found = users::table
                        .filter(users::company_id.eq(company.0))
                        .filter(users::id.eq(user.0))
                        .select(users::id)
                        .first::<Uuid>(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(found.is_some())
                })
            })
            .await?)
    }
}
