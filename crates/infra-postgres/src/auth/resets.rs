//! [`PasswordResetRepository`] over `auth_password_resets`.

use crate::error::DbError;
use crate::pool::Database;
use crate::schema::{auth_identities as ai, auth_password_resets as r, auth_sessions as s};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::upsert::excluded;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use domain::AuthUserId;
use domain::auth::TokenHash;
use domain::ports::accounts::PasswordResetRepository;
use uuid::Uuid;

/// Password reset tokens in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgPasswordResets {
    db: Database,
}

impl PgPasswordResets {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PasswordResetRepository for PgPasswordResets {
    async fn issue(
        &self,
        id: AuthUserId,
        token_hash: TokenHash,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::insert_into(r::table)
                        .values((
                            r::auth_user_id.eq(id.as_uuid()),
                            r::token_hash.eq(token_hash.0.to_vec()),
                            r::expires_at.eq(expires_at),
                        ))
                        .on_conflict(r::auth_user_id)
                        .do_update()
                        .set((
                            r::token_hash.eq(excluded(r::token_hash)),
                            r::expires_at.eq(excluded(r::expires_at)),
                            r::created_at.eq(diesel::dsl::now),
                        ))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn find(
        &self,
        token_hash: TokenHash,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AuthUserId>> {
        let id: Option<Uuid> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        r::table
                            .filter(r::token_hash.eq(token_hash.0.to_vec()))
                            .filter(r::expires_at.gt(now))
                            .select(r::auth_user_id)
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        Ok(id.map(AuthUserId))
    }

    async fn redeem(
        &self,
        token_hash: TokenHash,
        now: DateTime<Utc>,
        password_hash: String,
    ) -> anyhow::Result<Option<AuthUserId>> {
        let id: Option<Uuid> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    // Spending the row is the lock: a concurrent redeem of the same token finds
                    // nothing to delete.
                    let id: Option<Uuid> = diesel::delete(
                        r::table
                            .filter(r::token_hash.eq(token_hash.0.to_vec()))
                            .filter(r::expires_at.gt(now)),
                    )
                    .returning(r::auth_user_id)
                    .get_result(conn)
                    .await
                    .optional()?;
                    if let Some(id) = id {
                        diesel::update(ai::table.find(id))
                            .set(ai::password_hash.eq(password_hash))
                            .execute(conn)
                            .await?;
                        diesel::delete(s::table.filter(s::auth_user_id.eq(id)))
                            .execute(conn)
                            .await?;
                    }
                    Ok::<_, DbError>(id)
                })
            })
            .await?;
        Ok(id.map(AuthUserId))
    }
}
