//! The clinic's phone region, from `settings.default_region`.

use super::scope;
use crate::error::DbError;
use crate::pool::Database;
use crate::schema::settings;
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::phone::Region;
use domain::ports::clients::PhoneRegion;

/// The PostgreSQL adapter of [`PhoneRegion`].
#[derive(Clone, Debug)]
pub struct PgPhoneRegion {
    db: Database,
}

impl PgPhoneRegion {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PhoneRegion for PgPhoneRegion {
    async fn default_region(&self, tenant: Tenant) -> anyhow::Result<Region> {
        let company = tenant.company_id.0;
        let stored = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let region: Option<String> = settings::table
                        .filter(settings::company_id.eq(company))
                        .select(settings::default_region)
                        .first(conn)
                        .await
                        .optional()?;
                    Ok::<_, DbError>(region)
                })
            })
            .await?;
        Ok(stored
            .and_then(|r| Region::parse(&r).ok())
            .unwrap_or(Region::BR))
    }
}
