//! [`Directory`] over the SECURITY DEFINER doors `atende_principal_for` and
//! `atende_api_token_lookup`.

use super::{role, status};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::auth::{ApiTokenRecord, Membership, TokenHash};
use domain::ports::accounts::Directory;
use domain::{AuthUserId, CompanyId, UserId};
use uuid::Uuid;

/// Pre-tenant lookups in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgDirectory {
    db: Database,
}

impl PgDirectory {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct PrincipalRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Text)]
    company_name: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Text)]
    status: String,
}

#[derive(QueryableByName)]
struct TokenRow {
    #[diesel(sql_type = SqlUuid)]
    token_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_used_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Directory for PgDirectory {
    async fn membership_of(&self, id: AuthUserId) -> anyhow::Result<Option<Membership>> {
        let rows: Vec<PrincipalRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT user_id, company_id, company_name, email, name, role, status
                               FROM public.atende_principal_for($1)",
                        )
                        .bind::<SqlUuid, _>(id.as_uuid())
                        .prepared()
                        .load(conn)
                        .await?,
                    )
                })
            })
            .await?;
        // One clinic per identity (a unique index): at most one row.
        let Some(r) = rows.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(Membership {
            user_id: UserId(r.user_id),
            company_id: CompanyId(r.company_id),
            company_name: r.company_name,
            email: r.email,
            name: r.name,
            role: role(&r.role)?,
            status: status(&r.status)?,
        }))
    }

    async fn api_token(&self, token_hash: TokenHash) -> anyhow::Result<Option<ApiTokenRecord>> {
        let rows: Vec<TokenRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT token_id, company_id, role, revoked_at, last_used_at
                               FROM public.atende_api_token_lookup($1)",
                        )
                        .bind::<Bytea, _>(token_hash.0.to_vec())
                        .prepared()
                        .load(conn)
                        .await?,
                    )
                })
            })
            .await?;
        let Some(r) = rows.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(ApiTokenRecord {
            id: r.token_id,
            company_id: CompanyId(r.company_id),
            role: role(&r.role)?,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        }))
    }
}
