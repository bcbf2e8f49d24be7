//! [`IntegrationRepository`] over `integrations`: every method is one tenant unit of work.

use super::rows::Row;
use super::sealing::{open, seal};
use crate::auth::scope;
use crate::error::DbError;
use crate::keyset;
use crate::pool::Database;
use crate::schema::integrations as i;
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::IntegrationId;
use domain::auth::Tenant;
use domain::integration_admin::{IntegrationPatch, IntegrationRecord, NewIntegration};
use domain::page::{Page, PageRequest};
use domain::ports::integration_store::{IntegrationRepository, StoreIntegrationError};
use domain::ports::integrations::SecretCipher;
use std::sync::Arc;

/// The unique constraint of an account id within one clinic (another clinic's never conflicts).
const ACCOUNT_UNIQUE: &str = "integrations_company_id_provider_account_id_key";

/// The PostgreSQL adapter of the integration repository; seals secrets with `cipher`.
#[derive(Clone)]
pub struct PgIntegrations {
    db: Database,
    cipher: Arc<dyn SecretCipher>,
}

impl std::fmt::Debug for PgIntegrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgIntegrations").finish_non_exhaustive()
    }
}

impl PgIntegrations {
    /// An adapter over `db` sealing secrets with `cipher`.
    #[must_use]
    pub fn new(db: Database, cipher: Arc<dyn SecretCipher>) -> Self {
        Self { db, cipher }
    }
}

#[async_trait]
impl IntegrationRepository for PgIntegrations {
    async fn create(
        &self,
        tenant: Tenant,
        new: NewIntegration,
    ) -> Result<IntegrationRecord, StoreIntegrationError> {
        let company = tenant.company_id;
        let sealed = seal(self.cipher.as_ref(), company, new.id, &new.secrets)?;
        let inserted = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let row: Row = diesel::insert_into(i::table)
                        .values((
                            i::id.eq(new.id.0),
                            i::company_id.eq(company.0),
                            i::provider.eq(new.provider.as_str()),
                            i::account_id.eq(new.account_id),
                            i::config.eq(new.config),
                            i::secrets.eq(sealed.blob),
                            i::secret_names.eq(nullable(sealed.names)),
                            i::verify_token_hash.eq(sealed.verify_hash),
                            i::status.eq(new.status.as_str()),
                        ))
                        .returning(Row::as_returning())
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(row)
                })
            })
            .await;
        match inserted {
            Ok(row) => Ok(row.try_into()?),
            Err(e) if e.is_unique_violation(Some(ACCOUNT_UNIQUE)) => {
                Err(StoreIntegrationError::AccountTaken)
            }
            Err(e) => Err(anyhow::Error::from(e).into()),
        }
    }

    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> anyhow::Result<Page<IntegrationRecord>> {
        let company = tenant.company_id;
        let rows: Vec<Row> = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut q = i::table
                        .filter(i::company_id.eq(company.0))
                        .select(Row::as_select())
                        .order(i::id.asc())
                        .limit(keyset::fetch(page.limit))
                        .into_boxed();
                    if let Some(after) = page.after {
                        q = q.filter(i::id.gt(after));
                    }
                    Ok::<_, DbError>(q.load(conn).await?)
                })
            })
            .await?;
        let page = Page::from_rows(rows, page.limit, |r| r.id);
        Ok(Page {
            data: page
                .data
                .into_iter()
                .map(IntegrationRecord::try_from)
                .collect::<anyhow::Result<_>>()?,
            next: page.next,
        })
    }

    async fn get(
        &self,
        tenant: Tenant,
        id: IntegrationId,
    ) -> anyhow::Result<Option<IntegrationRecord>> {
        let company = tenant.company_id;
        let row: Option<Row> = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        i::table
                            .filter(i::company_id.eq(company.0).and(i::id.eq(id.0)))
                            .select(Row::as_select())
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        row.map(IntegrationRecord::try_from).transpose()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: IntegrationId,
        patch: IntegrationPatch,
    ) -> anyhow::Result<Option<IntegrationRecord>> {
        let company = tenant.company_id;
        let cipher = self.cipher.clone();
        self.db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    type Current = (Row, Option<Vec<u8>>, Option<Vec<u8>>);
                    // Locked: two concurrent rotations of different secrets both survive.
                    let current: Option<Current> = i::table
                        .filter(i::company_id.eq(company.0).and(i::id.eq(id.0)))
                        .select((Row::as_select(), i::secrets, i::verify_token_hash))
                        .for_update()
                        .first(conn)
                        .await
                        .optional()?;
                    let Some((row, mut blob, mut verify_hash)) = current else {
                        return Ok(None);
                    };
                    let mut names: Vec<String> = row.secret_names.into_iter().flatten().collect();
                    if !patch.secrets.is_empty() {
                        let (secrets, _) = open(cipher.as_ref(), company, id, blob)?;
                        let sealed =
                            seal(cipher.as_ref(), company, id, &patch.secrets.apply(secrets))?;
                        (blob, names, verify_hash) =
                            (sealed.blob, sealed.names, sealed.verify_hash);
                    }
                    let status = patch.status.map_or(row.status, |s| s.as_str().to_owned());
                    let updated: Row = diesel::update(
                        i::table.filter(i::company_id.eq(company.0).and(i::id.eq(id.0))),
                    )
                    .set((
                        i::config.eq(patch.config.unwrap_or(row.config)),
                        i::secrets.eq(blob),
                        i::secret_names.eq(nullable(names)),
                        i::verify_token_hash.eq(verify_hash),
                        i::status.eq(status),
                    ))
                    .returning(Row::as_returning())
                    .get_result(conn)
                    .await?;
                    Ok(Some(updated.try_into()?))
                })
            })
            .await
    }
}

/// `text[]` elements are nullable in diesel's view of the column.
fn nullable(names: Vec<String>) -> Vec<Option<String>> {
    names.into_iter().map(Some).collect()
}
