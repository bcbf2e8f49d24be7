//! [`ServiceRepository`] over PostgreSQL.

use super::{atende_fold, scope, violation};
use crate::error::DbError;
use crate::keyset::ListOrder;
use crate::pool::Database;
use crate::schema::services;
use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::catalog::{Currency, Service, ServiceCursor, ServiceFields, ServiceFilter};
use domain::page::Page;
use domain::ports::catalog::{ServiceRepository, ServiceWriteError};
use domain::{CompanyId, ServiceId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`ServiceRepository`].
#[derive(Clone, Debug)]
pub struct PgServices {
    db: Database,
}

/// A `services` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = services, check_for_backend(diesel::pg::Pg))]
struct ServiceRow {
    id: Uuid,
    name: String,
    description: Option<String>,
    price_cents: i64,
    currency: String,
    duration_minutes: i32,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ServiceRow> for Service {
    type Error = anyhow::Error;
    fn try_from(row: ServiceRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: ServiceId(row.id),
            fields: ServiceFields {
                currency: Currency::parse(&row.currency)
                    .with_context(|| format!("service {} has a malformed currency", row.id))?,
                name: row.name,
                description: row.description,
                price_cents: row.price_cents,
                duration_minutes: row.duration_minutes,
                active: row.active,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl PgServices {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The [`ServiceWriteError`] of a failed write: a duplicate name names the service that has
    /// it (looked up in a unit of work of its own, as the failed one was rolled back).
    async fn write_error(
        &self,
        tenant: Tenant,
        err: DbError,
        name: String,
        except: Uuid,
    ) -> ServiceWriteError {
        let duplicate = matches!(
            violation(&err),
            Some((
                DatabaseErrorKind::UniqueViolation,
                Some("services_company_id_name_key")
            ))
        );
        if !duplicate {
            return ServiceWriteError::Other(err.into());
        }
        let company = tenant.company_id;
        let existing = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let id: Option<Uuid> = services::table
                        .filter(services::company_id.eq(company.0))
                        .filter(atende_fold(services::name).eq(atende_fold(name)))
                        .filter(services::id.ne(except))
                        .select(services::id)
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(id)
                })
            })
            .await
            .ok()
            .flatten();
        ServiceWriteError::NameTaken {
            existing: existing.map(ServiceId),
        }
    }
}

fn by_id(company: CompanyId, id: Uuid) -> services::BoxedQuery<'static, Pg> {
    services::table
        .filter(services::company_id.eq(company.0))
        .filter(services::id.eq(id))
        .into_boxed()
}

/// The service list: by name.
const PAGES: ListOrder = ListOrder::asc(["services.name", "services.id"]);

#[async_trait]
impl ServiceRepository for PgServices {
    async fn create(
        &self,
        tenant: Tenant,
        id: ServiceId,
        fields: ServiceFields,
    ) -> Result<Service, ServiceWriteError> {
        let company = tenant.company_id;
        let name = fields.name.clone();
        let result = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = diesel::insert_into(services::table)
                        .values((
                            services::id.eq(id.0),
                            services::company_id.eq(company.0),
                            services::name.eq(fields.name),
                            services::description.eq(fields.description),
                            services::price_cents.eq(fields.price_cents),
                            services::currency.eq(fields.currency.as_str().to_owned()),
                            services::duration_minutes.eq(fields.duration_minutes),
                            services::active.eq(fields.active),
                        ))
                        .returning(ServiceRow::as_returning())
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await;
        match result {
            Ok(row) => Ok(Service::try_from(row)?),
            Err(e) => Err(self.write_error(tenant, e, name, id.0).await),
        }
    }

    async fn get(&self, tenant: Tenant, id: ServiceId) -> anyhow::Result<Option<Service>> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = by_id(company, id.0)
                        .select(ServiceRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        row.map(Service::try_from).transpose()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: ServiceId,
        fields: ServiceFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Service, ServiceWriteError> {
        let company = tenant.company_id;
        let name = fields.name.clone();
        let result = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = diesel::update(
                        services::table
                            .filter(services::company_id.eq(company.0))
                            .filter(services::id.eq(id.0))
                            .filter(services::updated_at.eq(expected_updated_at)),
                    )
                    .set((
                        services::name.eq(fields.name),
                        services::description.eq(fields.description),
                        services::price_cents.eq(fields.price_cents),
                        services::currency.eq(fields.currency.as_str().to_owned()),
                        services::duration_minutes.eq(fields.duration_minutes),
                        services::active.eq(fields.active),
                    ))
                    .returning(ServiceRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                    if row.is_some() {
                        return Ok::<_, DbError>((row, true));
                    }
                    let exists = by_id(company, id.0)
                        .select(services::id)
                        .first::<Uuid>(conn)
                        .await
                        .optional()?
                        .is_some();
                    Ok((None, exists))
                })
            })
            .await;
        match result {
            Ok((Some(row), _)) => Ok(Service::try_from(row)?),
            Ok((None, true)) => Err(ServiceWriteError::Stale),
            Ok((None, false)) => Err(ServiceWriteError::NotFound),
            Err(e) => Err(self.write_error(tenant, e, name, id.0).await),
        }
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: ServiceFilter,
        after: Option<ServiceCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Service, ServiceCursor>> {
        let company = tenant.company_id;
        let rows = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut query = services::table
                        .filter(services::company_id.eq(company.0))
                        .select(ServiceRow::as_select())
                        .into_boxed::<Pg>();
                    if let Some(active) = filter.active {
                        query = query.filter(services::active.eq(active));
                    }
                    let key = after.map(|c| (c.name, c.id.0));
                    let rows: Vec<ServiceRow> = PAGES
                        .page::<_, _, Text, SqlUuid, _, _>(query, key, limit)
                        .load(conn)
                        .await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        let services = rows
            .into_iter()
            .map(Service::try_from)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(services, limit, Service::cursor))
    }
}
