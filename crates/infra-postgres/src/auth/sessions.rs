//! [`SessionRepository`] over `auth_sessions`.

use crate::error::DbError;
use crate::pool::Database;
use crate::schema::auth_sessions as s;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use domain::auth::{NewSession, SessionRecord, TokenHash};
use domain::ports::accounts::SessionRepository;
use domain::{AuthUserId, CompanyId};
use uuid::Uuid;

/// Sessions in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgSessions {
    db: Database,
}

impl PgSessions {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionRepository for PgSessions {
    async fn create(&self, new: NewSession) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    // Housekeeping: the identity's dead sessions go when it gets a new one.
                    diesel::delete(
                        s::table
                            .filter(s::auth_user_id.eq(new.auth_user_id.as_uuid()))
                            .filter(
                                s::expires_at
                                    .le(new.created_at)
                                    .or(s::idle_expires_at.le(new.created_at)),
                            ),
                    )
                    .execute(conn)
                    .await?;
                    diesel::insert_into(s::table)
                        .values((
                            s::id.eq(Uuid::now_v7()),
                            s::token_hash.eq(new.token_hash.0.to_vec()),
                            s::auth_user_id.eq(new.auth_user_id.as_uuid()),
                            s::created_at.eq(new.created_at),
                            s::last_seen_at.eq(new.created_at),
                            s::idle_expires_at.eq(new.idle_expires_at),
                            s::expires_at.eq(new.expires_at),
                            s::user_agent.eq(new.user_agent),
                            s::ip.eq(new.ip),
                            s::active_company_id.eq(new.active_company_id.map(|c| c.as_uuid())),
                        ))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn find(&self, token_hash: TokenHash) -> anyhow::Result<Option<SessionRecord>> {
        type Row = (
            Uuid,
            Uuid,
            DateTime<Utc>,
            DateTime<Utc>,
            DateTime<Utc>,
            Option<Uuid>,
        );
        let row: Option<Row> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        s::table
                            .filter(s::token_hash.eq(token_hash.0.to_vec()))
                            .select((
                                s::id,
                                s::auth_user_id,
                                s::last_seen_at,
                                s::idle_expires_at,
                                s::expires_at,
                                s::active_company_id,
                            ))
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        Ok(row.map(
            |(id, auth_user_id, last_seen_at, idle_expires_at, expires_at, active)| SessionRecord {
                id,
                auth_user_id: AuthUserId(auth_user_id),
                last_seen_at,
                idle_expires_at,
                expires_at,
                active_company_id: active.map(CompanyId),
            },
        ))
    }

    async fn touch(
        &self,
        id: Uuid,
        seen_at: DateTime<Utc>,
        idle_expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::update(s::table.find(id))
                        .set((
                            s::last_seen_at.eq(seen_at),
                            s::idle_expires_at.eq(idle_expires_at),
                        ))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn delete(&self, token_hash: TokenHash) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::delete(s::table.filter(s::token_hash.eq(token_hash.0.to_vec())))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn delete_for_identity(&self, id: AuthUserId) -> anyhow::Result<u64> {
        let n = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::delete(s::table.filter(s::auth_user_id.eq(id.as_uuid())))
                            .execute(conn)
                            .await?,
                    )
                })
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn delete_in_clinic(&self, id: AuthUserId, company: CompanyId) -> anyhow::Result<u64> {
        let n = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::delete(
                            s::table
                                .filter(s::auth_user_id.eq(id.as_uuid()))
                                .filter(s::active_company_id.eq(company.as_uuid())),
                        )
                        .execute(conn)
                        .await?,
                    )
                })
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}
