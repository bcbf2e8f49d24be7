//! [`ApiTokenRepository`] over `api_tokens`.

use super::{role, scope};
use crate::error::DbError;
use crate::keyset;
use crate::pool::Database;
use crate::schema::api_tokens as t;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::RunQueryDsl;
use domain::UserId;
use domain::auth::{ApiTokenSummary, NewApiToken, Tenant};
use domain::page::{Page, PageRequest};
use domain::ports::members::ApiTokenRepository;
use uuid::Uuid;

/// API tokens in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgApiTokens {
    db: Database,
}

impl PgApiTokens {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

type Row = (
    Uuid,
    String,
    String,
    Vec<Option<String>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

#[async_trait]
impl ApiTokenRepository for PgApiTokens {
    async fn create(&self, tenant: Tenant, new: NewApiToken) -> anyhow::Result<()> {
        let company = tenant.company_id.as_uuid();
        self.db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    diesel::insert_into(t::table)
                        .values((
                            t::id.eq(new.id),
                            t::company_id.eq(company),
                            t::name.eq(new.name),
                            t::role.eq(new.scopes.role().as_str()),
                            t::scopes.eq(new
                                .scopes
                                .iter()
                                .map(|s| Some(s.as_str().to_owned()))
                                .collect::<Vec<_>>()),
                            t::expires_at.eq(new.expires_at),
                            t::token_hash.eq(new.token_hash.0.to_vec()),
                            t::created_by.eq(new.created_by.map(|u| u.as_uuid())),
                            t::created_at.eq(new.created_at),
                        ))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn list(
        &self,
        tenant: Tenant,
        page: PageRequest,
    ) -> anyhow::Result<Page<ApiTokenSummary>> {
        let rows: Vec<Row> = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut q = t::table
                        .select((
                            t::id,
                            t::name,
                            t::role,
                            t::scopes,
                            t::created_at,
                            t::expires_at,
                            t::created_by,
                            t::last_used_at,
                            t::revoked_at,
                        ))
                        .order(t::id)
                        .limit(keyset::fetch(page.limit))
                        .into_boxed();
                    if let Some(after) = page.after {
                        q = q.filter(t::id.gt(after));
                    }
                    Ok::<_, DbError>(q.load(conn).await?)
                })
            })
            .await?;
        let data = rows
            .into_iter()
            .map(
                |(
                    id,
                    name,
                    r,
                    stored,
                    created_at,
                    expires_at,
                    created_by,
                    last_used_at,
                    revoked_at,
                )| {
                    let stored: Vec<String> = stored.into_iter().flatten().collect();
                    Ok(ApiTokenSummary {
                        id,
                        name,
                        role: role(&r)?,
                        scopes: super::directory::scopes(&stored)?,
                        created_at,
                        expires_at,
                        created_by: created_by.map(UserId),
                        last_used_at,
                        revoked_at,
                    })
                },
            )
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(data, page.limit, |s| s.id))
    }

    async fn revoke(&self, tenant: Tenant, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<bool> {
        let found = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    diesel::update(t::table.find(id).filter(t::revoked_at.is_null()))
                        .set(t::revoked_at.eq(at))
                        .execute(conn)
                        .await?;
                    let n: i64 = t::table.find(id).count().get_result(conn).await?;
                    Ok::<_, DbError>(n > 0)
                })
            })
            .await?;
        Ok(found)
    }

    async fn mark_used(&self, tenant: Tenant, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<()> {
        self.db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    diesel::update(t::table.find(id))
                        .set(t::last_used_at.eq(at))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }
}
