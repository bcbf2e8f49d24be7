//! Invitations: the token lookup (the `atende_invite_lookup` door), accepting exactly the
//! token's row, and issuing a fresh token.

use super::members::{Row, load, member};
use super::{scope, status};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::schema::users as u;
use crate::tenant::TenantScope;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{ExpressionMethods, QueryDsl, QueryableByName};
use diesel_async::RunQueryDsl;
use domain::auth::{AcceptInvitation, InviteRecord, Member, Tenant, TokenHash, UserStatus};
use domain::ports::members::{AcceptInvitationError, ReinviteError};
use domain::{CompanyId, UserId};
use uuid::Uuid;

#[derive(QueryableByName)]
struct InviteRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    company_id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    invite_expires_at: Option<DateTime<Utc>>,
}

/// The invitation with this token hash, in whatever clinic it is (the token is the only key).
pub(super) async fn lookup(
    db: &Database,
    token_hash: TokenHash,
) -> anyhow::Result<Option<InviteRecord>> {
    let rows: Vec<InviteRow> = db
        .system_tx(move |conn| {
            Box::pin(async move {
                Ok::<_, DbError>(
                    diesel::sql_query(
                        "SELECT user_id, company_id, email, status, invite_expires_at
                           FROM public.atende_invite_lookup($1)",
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
    Ok(Some(InviteRecord {
        user_id: UserId(r.user_id),
        company_id: CompanyId(r.company_id),
        email: r.email,
        status: status(&r.status)?,
        expires_at: r.invite_expires_at,
    }))
}

/// Failures inside the accepting unit of work.
enum AcceptFailure {
    Gone,
    Db(DbError),
}

impl From<DbError> for AcceptFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<diesel::result::Error> for AcceptFailure {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Links exactly the invitation of `a`, pinned to its clinic: the `UPDATE` names the row, its
/// token hash, `invited`, no identity yet and an expiry after `a.now`, so a used, revoked,
/// re-issued or expired invitation changes nothing (and a new identity created first is rolled
/// back with it).
pub(super) async fn accept(
    db: &Database,
    a: AcceptInvitation,
) -> Result<(), AcceptInvitationError> {
    let outcome = db
        .tenant_tx(TenantScope::company(a.company_id), move |conn| {
            Box::pin(async move {
                if let Some(identity) = &a.new_identity {
                    super::identities::insert(conn, identity).await?;
                }
                let linked = diesel::update(
                    u::table
                        .find(a.user_id.as_uuid())
                        .filter(u::company_id.eq(a.company_id.as_uuid()))
                        .filter(u::invite_token_hash.eq(a.token_hash.0.to_vec()))
                        .filter(u::status.eq(UserStatus::Invited.as_str()))
                        .filter(u::auth_user_id.is_null())
                        .filter(u::invite_expires_at.gt(a.now)),
                )
                .set((
                    u::auth_user_id.eq(Some(a.auth_user_id.as_uuid())),
                    u::status.eq(UserStatus::Active.as_str()),
                    u::invite_token_hash.eq(None::<Vec<u8>>),
                    u::invite_expires_at.eq(None::<DateTime<Utc>>),
                ))
                .execute(conn)
                .await?;
                if linked == 1 {
                    Ok(())
                } else {
                    Err(AcceptFailure::Gone)
                }
            })
        })
        .await;
    match outcome {
        Ok(()) => Ok(()),
        Err(AcceptFailure::Gone) => Err(AcceptInvitationError::Gone),
        Err(AcceptFailure::Db(e))
            if e.is_unique_violation(Some("users_auth_user_id_company_id_key")) =>
        {
            Err(AcceptInvitationError::AlreadyMember)
        }
        Err(AcceptFailure::Db(e)) if e.is_unique_violation(None) => {
            Err(AcceptInvitationError::AccountExists)
        }
        Err(AcceptFailure::Db(e)) => Err(AcceptInvitationError::Other(e.into())),
    }
}

/// Failures inside the re-inviting unit of work.
enum ReinviteFailure {
    NotFound,
    AlreadyJoined,
    Db(DbError),
}

impl From<DbError> for ReinviteFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<diesel::result::Error> for ReinviteFailure {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// A fresh token for a member who never joined (invited, or revoked): `invited` again, the new
/// token hash and expiry replace the old ones.
pub(super) async fn reinvite(
    db: &Database,
    tenant: Tenant,
    id: UserId,
    token_hash: TokenHash,
    expires_at: DateTime<Utc>,
) -> Result<Member, ReinviteError> {
    let outcome = db
        .tenant_tx(scope(tenant), move |conn| {
            Box::pin(async move {
                let n = diesel::update(
                    u::table
                        .find(id.as_uuid())
                        .filter(u::auth_user_id.is_null()),
                )
                .set((
                    u::status.eq(UserStatus::Invited.as_str()),
                    u::invite_token_hash.eq(Some(token_hash.0.to_vec())),
                    u::invite_expires_at.eq(Some(expires_at)),
                ))
                .execute(conn)
                .await?;
                let row: Option<Row> = load(conn, id.as_uuid()).await?;
                match (n, row) {
                    (1, Some(row)) => Ok(row),
                    (_, Some(_)) => Err(ReinviteFailure::AlreadyJoined),
                    (_, None) => Err(ReinviteFailure::NotFound),
                }
            })
        })
        .await;
    match outcome {
        Ok(row) => Ok(member(row)?),
        Err(ReinviteFailure::NotFound) => Err(ReinviteError::NotFound),
        Err(ReinviteFailure::AlreadyJoined) => Err(ReinviteError::AlreadyJoined),
        Err(ReinviteFailure::Db(e)) => Err(ReinviteError::Other(e.into())),
    }
}
