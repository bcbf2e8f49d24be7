//! [`Directory`] over the SECURITY DEFINER doors `atende_principal_for` and
//! `atende_api_token_lookup`.

use super::{role, status};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::auth::{ApiTokenRecord, Creator, Membership, Scope, Scopes, TokenHash};
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
    #[diesel(sql_type = Array<Text>)]
    scopes: Vec<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_used_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    created_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    creator_role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    creator_status: Option<String>,
}

/// Stored scopes; an unknown one is a broken invariant (the column has a CHECK).
pub(crate) fn scopes<S: AsRef<str>>(values: &[S]) -> anyhow::Result<Scopes> {
    values
        .iter()
        .map(|v| v.as_ref().parse::<Scope>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Scopes::of)
}

#[async_trait]
impl Directory for PgDirectory {
    async fn memberships_of(&self, id: AuthUserId) -> anyhow::Result<Vec<Membership>> {
        let rows: Vec<PrincipalRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT user_id, company_id, company_name, email, name, role, status
                               FROM public.atende_principal_for($1) WITH ORDINALITY
                              ORDER BY ordinality",
                        )
                        .bind::<SqlUuid, _>(id.as_uuid())
                        .prepared()
                        .load(conn)
                        .await?,
                    )
                })
            })
            .await?;
        // One row per clinic (a unique index), oldest membership first (the door orders).
        rows.into_iter()
            .map(|r| {
                Ok(Membership {
                    user_id: UserId(r.user_id),
                    company_id: CompanyId(r.company_id),
                    company_name: r.company_name,
                    email: r.email,
                    name: r.name,
                    role: role(&r.role)?,
                    status: status(&r.status)?,
                })
            })
            .collect()
    }

    async fn api_token(&self, token_hash: TokenHash) -> anyhow::Result<Option<ApiTokenRecord>> {
        let rows: Vec<TokenRow> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        diesel::sql_query(
                            "SELECT token_id, company_id, scopes, expires_at, revoked_at, last_used_at,
                                    created_by, creator_role, creator_status
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
        let creator = match r.created_by {
            Some(user_id) => Some(Creator {
                user_id: UserId(user_id),
                role: r.creator_role.as_deref().map(role).transpose()?,
                status: r.creator_status.as_deref().map(status).transpose()?,
            }),
            None => None,
        };
        Ok(Some(ApiTokenRecord {
            id: r.token_id,
            company_id: CompanyId(r.company_id),
            scopes: scopes(&r.scopes)?,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
            creator,
        }))
    }
}
