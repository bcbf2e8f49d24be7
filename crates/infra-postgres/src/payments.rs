//! [`PaymentRepository`] over PostgreSQL, and the payment rows the profile reads.

use crate::error::DbError;
use crate::keyset::ListOrder;
use crate::pool::Database;
use crate::schema::{appointments, clients, payments};
use crate::tenant::TenantScope;
use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::catalog::Currency;
use domain::page::Page;
use domain::payments::{
    NewPayment, Payment, PaymentCursor, PaymentFields, PaymentFilter, PaymentId, PaymentReferences,
};
use domain::ports::payments::{PaymentRepository, PaymentWriteError};
use domain::{AppointmentId, ClientId, CompanyId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`PaymentRepository`].
#[derive(Clone, Debug)]
pub struct PgPayments {
    db: Database,
}

impl PgPayments {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The unit-of-work scope of a tenant.
pub(crate) fn scope(tenant: Tenant) -> TenantScope {
    TenantScope {
        company_id: tenant.company_id,
        user_id: tenant.user_id,
    }
}

/// A `payments` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments, check_for_backend(diesel::pg::Pg))]
pub(crate) struct PaymentRow {
    id: Uuid,
    client_id: Uuid,
    appointment_id: Option<Uuid>,
    amount_cents: i64,
    currency: String,
    status: String,
    method: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = anyhow::Error;
    fn try_from(row: PaymentRow) -> anyhow::Result<Self> {
        let bad = |what: &str| format!("payment {} has a malformed {what}", row.id);
        Ok(Self {
            id: PaymentId(row.id),
            fields: PaymentFields {
                client_id: ClientId(row.client_id),
                appointment_id: row.appointment_id.map(AppointmentId),
                amount_cents: row.amount_cents,
                currency: Currency::parse(&row.currency).with_context(|| bad("currency"))?,
                status: row
                    .status
                    .parse()
                    .map_err(anyhow::Error::msg)
                    .with_context(|| bad("status"))?,
                method: row
                    .method
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)
                    .with_context(|| bad("method"))?,
                paid_at: row.paid_at,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The last `limit` payments of a client, newest first.
pub(crate) async fn recent_of_client(
    conn: &mut diesel_async::AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    limit: i64,
) -> anyhow::Result<Vec<Payment>> {
    let rows: Vec<PaymentRow> = payments::table
        .filter(payments::company_id.eq(company.0))
        .filter(payments::client_id.eq(client.0))
        .order((payments::created_at.desc(), payments::id.desc()))
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// The domain error of a failed write: a foreign key names a client or appointment that is not
/// the clinic's (any more).
fn write_error(err: DbError) -> PaymentWriteError {
    match &err {
        DbError::Query(Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            PaymentWriteError::InvalidReference
        }
        _ => PaymentWriteError::Other(err.into()),
    }
}

fn by_id(company: CompanyId, id: Uuid) -> payments::BoxedQuery<'static, Pg> {
    payments::table
        .filter(payments::company_id.eq(company.0))
        .filter(payments::id.eq(id))
        .into_boxed()
}

/// The payment list: newest first (index `(company_id, created_at DESC, id DESC)`).
const PAGES: ListOrder = ListOrder::desc(["payments.created_at", "payments.id"]);

#[async_trait]
impl PaymentRepository for PgPayments {
    async fn check_references(
        &self,
        tenant: Tenant,
        client_id: ClientId,
        appointment_id: Option<AppointmentId>,
    ) -> anyhow::Result<PaymentReferences> {
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
                    let appointment_client = match appointment_id {
                        None => None,
                        Some(a) => appointments::table
                            .filter(appointments::company_id.eq(company.0))
                            .filter(appointments::id.eq(a.0))
                            .select(appointments::client_id)
                            .first::<Uuid>(conn)
                            .await
                            .optional()?
                            .map(ClientId),
                    };
                    Ok::<_, DbError>(PaymentReferences {
                        client,
                        appointment_client,
                    })
                })
            })
            .await?)
    }

    async fn create(
        &self,
        tenant: Tenant,
        payment: NewPayment,
    ) -> Result<Payment, PaymentWriteError> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = payment.fields;
                    let row = diesel::insert_into(payments::table)
                        .values((
                            payments::id.eq(payment.id.0),
                            payments::company_id.eq(company.0),
                            payments::client_id.eq(f.client_id.0),
                            payments::appointment_id.eq(f.appointment_id.map(|a| a.0)),
                            payments::amount_cents.eq(f.amount_cents),
                            payments::currency.eq(f.currency.as_str().to_owned()),
                            payments::status.eq(f.status.as_str()),
                            payments::method.eq(f.method.map(|m| m.as_str())),
                            payments::paid_at.eq(f.paid_at),
                        ))
                        .returning(PaymentRow::as_returning())
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await
            .map_err(write_error)?;
        Ok(Payment::try_from(row)?)
    }

    async fn get(&self, tenant: Tenant, id: PaymentId) -> anyhow::Result<Option<Payment>> {
        let company = tenant.company_id;
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row = by_id(company, id.0)
                        .select(PaymentRow::as_select())
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(row)
                })
            })
            .await?;
        row.map(Payment::try_from).transpose()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: PaymentId,
        fields: PaymentFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Payment, PaymentWriteError> {
        let company = tenant.company_id;
        let (row, exists) = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = fields;
                    let row = diesel::update(
                        payments::table
                            .filter(payments::company_id.eq(company.0))
                            .filter(payments::id.eq(id.0))
                            .filter(payments::updated_at.eq(expected_updated_at)),
                    )
                    .set((
                        payments::client_id.eq(f.client_id.0),
                        payments::appointment_id.eq(f.appointment_id.map(|a| a.0)),
                        payments::amount_cents.eq(f.amount_cents),
                        payments::currency.eq(f.currency.as_str().to_owned()),
                        payments::status.eq(f.status.as_str()),
                        payments::method.eq(f.method.map(|m| m.as_str())),
                        payments::paid_at.eq(f.paid_at),
                    ))
                    .returning(PaymentRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                    if row.is_some() {
                        return Ok::<_, DbError>((row, true));
                    }
                    let exists = by_id(company, id.0)
                        .select(payments::id)
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
            (Some(row), _) => Ok(Payment::try_from(row)?),
            (None, true) => Err(PaymentWriteError::Stale),
            (None, false) => Err(PaymentWriteError::NotFound),
        }
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: PaymentFilter,
        after: Option<PaymentCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Payment, PaymentCursor>> {
        let company = tenant.company_id;
        let rows = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut query = payments::table
                        .filter(payments::company_id.eq(company.0))
                        .select(PaymentRow::as_select())
                        .into_boxed::<Pg>();
                    if let Some(client) = filter.client_id {
                        query = query.filter(payments::client_id.eq(client.0));
                    }
                    if let Some(appointment) = filter.appointment_id {
                        query = query.filter(payments::appointment_id.eq(appointment.0));
                    }
                    if let Some(status) = filter.status {
                        query = query.filter(payments::status.eq(status.as_str()));
                    }
                    if let Some(from) = filter.from {
                        query = query.filter(payments::created_at.ge(from));
                    }
                    if let Some(to) = filter.to {
                        query = query.filter(payments::created_at.lt(to));
                    }
                    if let Some(from) = filter.paid_from {
                        query = query.filter(payments::paid_at.ge(from));
                    }
                    if let Some(to) = filter.paid_to {
                        query = query.filter(payments::paid_at.lt(to));
                    }
                    let key = after.map(|c| (c.created_at, c.id.0));
                    let rows: Vec<PaymentRow> =
                        PAGES.page_time_id(query, key, limit).load(conn).await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        let data = rows
            .into_iter()
            .map(Payment::try_from)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(data, limit, Payment::cursor))
    }
}
