//! [`IntegrationDirectory`] over PostgreSQL: webhook routing and Meta's handshake go through the
//! SECURITY DEFINER doors (the clinic is not known yet); a clinic's active integration is read in
//! its own tenant unit of work. Secrets found under the previous master key are re-sealed under
//! the current one (best effort, compare-and-set on the old blob): on the way for a clinic's own
//! reads, and for routing only once a delivery authenticated with them
//! ([`IntegrationDirectory::record_delivery`]), so an unauthenticated delivery never writes.

use super::rows::provider as parse_provider;
use super::sealing::{open, verify_token_hash};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::integrations as i;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bytea, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::integrations::{
    IntegrationStatus, MAX_ROUTE_ACCOUNTS, Provider, ResolvedIntegration, RouteCandidate,
};
use domain::ports::integrations::{IntegrationDirectory, SecretCipher};
use domain::{CompanyId, IntegrationId};
use std::sync::Arc;
use uuid::Uuid;

/// The PostgreSQL adapter of the integration directory; opens secrets with `cipher`.
#[derive(Clone)]
pub struct PgIntegrationDirectory {
    db: Database,
    cipher: Arc<dyn SecretCipher>,
}

impl std::fmt::Debug for PgIntegrationDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgIntegrationDirectory")
            .finish_non_exhaustive()
    }
}

/// A row of `atende_integration_route`.
#[derive(QueryableByName)]
struct RouteRow {
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = SqlUuid)]
    integration_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Jsonb)]
    config: serde_json::Value,
    #[diesel(sql_type = Nullable<Bytea>)]
    secrets: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    verified_at: Option<DateTime<Utc>>,
}

/// A row of `atende_integration_by_verify_token`.
#[derive(QueryableByName)]
struct TokenRow {
    #[diesel(sql_type = SqlUuid)]
    integration_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
}

/// What the directory read before decrypting.
struct Found {
    id: IntegrationId,
    company: CompanyId,
    provider: Provider,
    account_id: String,
    status: IntegrationStatus,
    config: serde_json::Value,
    blob: Option<Vec<u8>>,
}

impl PgIntegrationDirectory {
    /// A directory over `db` opening secrets with `cipher`.
    #[must_use]
    pub fn new(db: Database, cipher: Arc<dyn SecretCipher>) -> Self {
        Self { db, cipher }
    }

    /// Decrypts `found`, re-sealing it under the current key when it was under the previous one.
    async fn resolve(&self, found: Found) -> anyhow::Result<ResolvedIntegration> {
        let old_blob = found.blob.clone();
        let (secrets, with_previous_key) =
            open(self.cipher.as_ref(), found.company, found.id, found.blob)?;
        if with_previous_key && let Some(old) = old_blob {
            self.reseal(found.company, found.id, old).await;
        }
        Ok(ResolvedIntegration {
            id: found.id,
            company_id: found.company,
            provider: found.provider,
            account_id: found.account_id,
            status: found.status,
            config: found.config,
            secrets,
        })
    }

    /// Lazy re-encryption: replaces `old` with the same secrets under the current key, unless the
    /// row changed meanwhile. A failure only costs another try on the next read.
    async fn reseal(&self, company: CompanyId, id: IntegrationId, old: Vec<u8>) {
        let cipher = self.cipher.clone();
        let result = self
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let (secrets, _) = open(cipher.as_ref(), company, id, Some(old.clone()))?;
                    let fresh = super::sealing::seal(cipher.as_ref(), company, id, &secrets)?;
                    diesel::update(
                        i::table
                            .filter(i::company_id.eq(company.0))
                            .filter(i::id.eq(id.0))
                            .filter(i::secrets.eq(old)),
                    )
                    .set(i::secrets.eq(fresh.blob))
                    .execute(conn)
                    .await
                    .map_err(DbError::from)?;
                    Ok::<_, anyhow::Error>(())
                })
            })
            .await;
        match result {
            Ok(()) => {
                tracing::info!(company_id = %company.0, integration_id = %id.0, "integration secrets re-encrypted under the current master key")
            }
            Err(e) => {
                tracing::warn!(company_id = %company.0, integration_id = %id.0, error = %format_args!("{e:#}"), "lazy re-encryption failed")
            }
        }
    }
}

#[async_trait]
impl IntegrationDirectory for PgIntegrationDirectory {
    async fn routes(
        &self,
        provider: Provider,
        account_ids: Vec<String>,
    ) -> anyhow::Result<Vec<RouteCandidate>> {
        if account_ids.is_empty() {
            return Ok(Vec::new());
        }
        anyhow::ensure!(
            account_ids.len() <= MAX_ROUTE_ACCOUNTS,
            "at most {MAX_ROUTE_ACCOUNTS} account ids per lookup"
        );
        let rows: Vec<RouteRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT account_id, integration_id, company_id, config, secrets, verified_at \
                             FROM public.atende_integration_route($1, $2)",
                        )
                        .bind::<Text, _>(provider.as_str())
                        .bind::<Array<Text>, _>(account_ids)
                        .prepared()
                        .load(conn)
                        .await?,
                    )
                })
            })
            .await?;
        rows.into_iter()
            .map(|row| {
                let (id, company) = (IntegrationId(row.integration_id), CompanyId(row.company_id));
                let (secrets, with_previous_key) =
                    open(self.cipher.as_ref(), company, id, row.secrets)?;
                Ok(RouteCandidate {
                    integration: ResolvedIntegration {
                        id,
                        company_id: company,
                        provider,
                        account_id: row.account_id,
                        status: IntegrationStatus::Active,
                        config: row.config,
                        secrets,
                    },
                    verified_at: row.verified_at,
                    sealed_with_previous_key: with_previous_key,
                })
            })
            .collect()
    }

    async fn record_delivery(&self, candidate: RouteCandidate) -> anyhow::Result<()> {
        if !candidate.needs_record() {
            return Ok(());
        }
        let (company, id) = (candidate.integration.company_id, candidate.integration.id);
        let (first_proof, reseal) = (
            candidate.verified_at.is_none(),
            candidate.sealed_with_previous_key,
        );
        let cipher = self.cipher.clone();
        self.db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    let row = i::table
                        .filter(i::company_id.eq(company.0))
                        .filter(i::id.eq(id.0));
                    if first_proof {
                        diesel::update(row.filter(i::verified_at.is_null()))
                            .set(i::verified_at.eq(diesel::dsl::now))
                            .execute(conn)
                            .await
                            .map_err(DbError::from)?;
                    }
                    if reseal {
                        // Compare-and-set on the blob read under the row lock.
                        let old: Option<Vec<u8>> = row
                            .select(i::secrets)
                            .for_update()
                            .first(conn)
                            .await
                            .optional()
                            .map_err(DbError::from)?
                            .flatten();
                        if let Some(old) = old {
                            let (secrets, previous) =
                                open(cipher.as_ref(), company, id, Some(old))?;
                            if previous {
                                let fresh =
                                    super::sealing::seal(cipher.as_ref(), company, id, &secrets)?;
                                diesel::update(row)
                                    .set(i::secrets.eq(fresh.blob))
                                    .execute(conn)
                                    .await
                                    .map_err(DbError::from)?;
                            }
                        }
                    }
                    Ok::<_, anyhow::Error>(())
                })
            })
            .await?;
        tracing::info!(company_id = %company.0, integration_id = %id.0, first_proof, resealed = reseal,
            "authenticated delivery recorded on its integration");
        Ok(())
    }

    async fn by_verify_token(
        &self,
        provider: Provider,
        token: String,
    ) -> anyhow::Result<Option<(IntegrationId, CompanyId)>> {
        let hash = verify_token_hash(&token);
        let row: Option<TokenRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT integration_id, company_id \
                             FROM public.atende_integration_by_verify_token($1, $2) LIMIT 1",
                        )
                        .bind::<Text, _>(provider.as_str())
                        .bind::<Bytea, _>(hash)
                        .prepared()
                        .get_result(conn)
                        .await
                        .optional()?,
                    )
                })
            })
            .await?;
        Ok(row.map(|r| (IntegrationId(r.integration_id), CompanyId(r.company_id))))
    }

    async fn active_for_company(
        &self,
        company: CompanyId,
        provider: Provider,
    ) -> anyhow::Result<Option<ResolvedIntegration>> {
        type Hit = (Uuid, String, String, serde_json::Value, Option<Vec<u8>>);
        let hit: Option<Hit> = self
            .db
            .tenant_tx(TenantScope::company(company), move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        i::table
                            .filter(i::company_id.eq(company.0))
                            .filter(i::provider.eq(provider.as_str()))
                            .filter(i::status.eq("active"))
                            .order((i::created_at.asc(), i::id.asc()))
                            .select((i::id, i::provider, i::account_id, i::config, i::secrets))
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        let Some((id, stored_provider, account_id, config, blob)) = hit else {
            return Ok(None);
        };
        let found = Found {
            id: IntegrationId(id),
            company,
            provider: parse_provider(&stored_provider)?,
            account_id,
            status: IntegrationStatus::Active,
            config,
            blob,
        };
        Ok(Some(self.resolve(found).await?))
    }
}
