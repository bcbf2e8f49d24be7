//! [`CompanyRepository`] over `companies` and `settings`.

use crate::error::DbError;
use crate::pool::Database;
use crate::schema::{companies, settings};
use crate::tenant::TenantScope;
use async_trait::async_trait;
use diesel::ExpressionMethods;
use diesel_async::RunQueryDsl;
use domain::CompanyId;
use domain::ports::members::CompanyRepository;

/// Clinics in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgCompanies {
    db: Database,
}

impl PgCompanies {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CompanyRepository for PgCompanies {
    async fn create(&self, id: CompanyId, name: String) -> anyhow::Result<()> {
        // The companies policy lets a unit of work pinned to the new id create it.
        self.db
            .tenant_tx(TenantScope::company(id), move |conn| {
                Box::pin(async move {
                    diesel::insert_into(companies::table)
                        .values((companies::id.eq(id.as_uuid()), companies::name.eq(name)))
                        .execute(conn)
                        .await?;
                    diesel::insert_into(settings::table)
                        .values(settings::company_id.eq(id.as_uuid()))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }
}
