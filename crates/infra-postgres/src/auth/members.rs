//! [`MemberRepository`] over `users` (invitations in [`super::invitations`]).

use super::{role, scope, status};
use crate::error::DbError;
use crate::keyset;
use crate::pool::Database;
use crate::schema::users as u;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::auth::{
    AcceptInvitation, InviteRecord, Member, MemberPatch, NewIdentity, NewMember, Tenant, TokenHash,
    UserStatus,
};
use domain::page::{Page, PageRequest};
use domain::ports::members::{
    AcceptInvitationError, CreateMemberError, MemberRepository, ReinviteError, UpdateMemberError,
};
use domain::{AuthUserId, UserId};
use uuid::Uuid;

/// Clinic members in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgMembers {
    db: Database,
}

impl PgMembers {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

pub(super) type Row = (
    Uuid,
    Option<Uuid>,
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

macro_rules! member_columns {
    () => {
        (
            u::id,
            u::auth_user_id,
            u::email,
            u::name,
            u::role,
            u::status,
            u::invite_expires_at,
            u::created_at,
        )
    };
}

pub(super) fn member(
    (id, auth_user_id, email, name, r, s, invite_expires_at, created_at): Row,
) -> anyhow::Result<Member> {
    Ok(Member {
        id: UserId(id),
        auth_user_id: auth_user_id.map(AuthUserId),
        email,
        name,
        role: role(&r)?,
        status: status(&s)?,
        invite_expires_at,
        created_at,
    })
}

pub(super) async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Row>, DbError> {
    Ok(u::table
        .find(id)
        .select(member_columns!())
        .first(conn)
        .await
        .optional()?)
}

/// Failures inside the update unit of work.
enum UpdateFailure {
    Db(DbError),
    NotFound,
    LastAdmin,
    NotJoined,
}

impl From<DbError> for UpdateFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<diesel::result::Error> for UpdateFailure {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// `Some(None)` sets a column to NULL; `None` leaves it.
#[derive(diesel::AsChangeset)]
#[diesel(table_name = u)]
struct Changes {
    name: Option<String>,
    role: Option<String>,
    status: Option<String>,
    invite_token_hash: Option<Option<Vec<u8>>>,
    invite_expires_at: Option<Option<DateTime<Utc>>>,
}

#[async_trait]
impl MemberRepository for PgMembers {
    async fn list(&self, tenant: Tenant, page: PageRequest) -> anyhow::Result<Page<Member>> {
        let rows: Vec<Row> = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut q = u::table
                        .select(member_columns!())
                        .order(u::id)
                        .limit(keyset::fetch(page.limit))
                        .into_boxed();
                    if let Some(after) = page.after {
                        q = q.filter(u::id.gt(after));
                    }
                    Ok::<_, DbError>(q.load(conn).await?)
                })
            })
            .await?;
        let data = rows
            .into_iter()
            .map(member)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(data, page.limit, |m| m.id.as_uuid()))
    }

    async fn get(&self, tenant: Tenant, id: UserId) -> anyhow::Result<Option<Member>> {
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move { load(conn, id.as_uuid()).await })
            })
            .await?;
        row.map(member).transpose()
    }

    async fn count_active_admins(&self, tenant: Tenant) -> anyhow::Result<u64> {
        let n: i64 = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        u::table
                            .filter(u::role.eq("admin"))
                            .filter(u::status.eq("active"))
                            .count()
                            .get_result(conn)
                            .await?,
                    )
                })
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn create(
        &self,
        tenant: Tenant,
        new: NewMember,
        identity: Option<NewIdentity>,
    ) -> Result<Member, CreateMemberError> {
        let company = tenant.company_id.as_uuid();
        let row = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    // The identity first, so the member row can reference it and be active. The
                    // linking trigger finds no invited row for it (this row is not invited).
                    if let Some(identity) = &identity {
                        super::identities::insert(conn, identity).await?;
                    }
                    let (hash, expires) = match new.invite {
                        Some((h, at)) => (Some(h.0.to_vec()), Some(at)),
                        None => (None, None),
                    };
                    let state = if new.auth_user_id.is_some() {
                        UserStatus::Active
                    } else {
                        UserStatus::Invited
                    };
                    diesel::insert_into(u::table)
                        .values((
                            u::id.eq(new.id.as_uuid()),
                            u::company_id.eq(company),
                            u::auth_user_id.eq(new.auth_user_id.map(|a| a.as_uuid())),
                            u::email.eq(new.email.as_str()),
                            u::name.eq(&new.name),
                            u::role.eq(new.role.as_str()),
                            u::status.eq(state.as_str()),
                            u::invite_token_hash.eq(hash),
                            u::invite_expires_at.eq(expires),
                        ))
                        .execute(conn)
                        .await?;
                    load(conn, new.id.as_uuid())
                        .await?
                        .ok_or_else(|| DbError::Query(diesel::result::Error::NotFound))
                })
            })
            .await
            .map_err(|e| {
                if e.is_unique_violation(Some("users_company_id_email_key")) {
                    CreateMemberError::EmailInClinic
                } else if e.is_unique_violation(None) {
                    CreateMemberError::AccountExists
                } else {
                    CreateMemberError::Other(e.into())
                }
            })?;
        Ok(member(row)?)
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: UserId,
        patch: MemberPatch,
    ) -> Result<Member, UpdateMemberError> {
        let outcome = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    // Lock the clinic's admins so concurrent demotions serialise on this check.
                    let _: Vec<Uuid> = u::table
                        .filter(u::role.eq("admin"))
                        .select(u::id)
                        .for_update()
                        .load(conn)
                        .await?;
                    // Disabling revokes a pending invitation: only an invited row holds a token.
                    let revoke = (patch.status == Some(UserStatus::Disabled)).then_some(None);
                    let activating = patch.status == Some(UserStatus::Active);
                    let changes = Changes {
                        name: patch.name,
                        role: patch.role.map(|r| r.as_str().to_owned()),
                        status: patch.status.map(|s| s.as_str().to_owned()),
                        invite_token_hash: revoke.clone(),
                        invite_expires_at: revoke.map(|_| None),
                    };
                    if changes.name.is_some() || changes.role.is_some() || changes.status.is_some()
                    {
                        let mut update = diesel::update(u::table.find(id.as_uuid())).into_boxed();
                        if activating {
                            // Only a member who joined can be active (a revoked invitation is
                            // invited again, not activated).
                            update = update.filter(u::auth_user_id.is_not_null());
                        }
                        let n = update.set(&changes).execute(conn).await?;
                        if n == 0 {
                            let exists = load(conn, id.as_uuid()).await?.is_some();
                            return Err(if exists {
                                UpdateFailure::NotJoined
                            } else {
                                UpdateFailure::NotFound
                            });
                        }
                        let admins: i64 = u::table
                            .filter(u::role.eq("admin"))
                            .filter(u::status.eq("active"))
                            .count()
                            .get_result(conn)
                            .await?;
                        if admins == 0 {
                            return Err(UpdateFailure::LastAdmin);
                        }
                    }
                    load(conn, id.as_uuid())
                        .await?
                        .ok_or(UpdateFailure::NotFound)
                })
            })
            .await;
        match outcome {
            Ok(row) => Ok(member(row)?),
            Err(UpdateFailure::NotFound) => Err(UpdateMemberError::NotFound),
            Err(UpdateFailure::LastAdmin) => Err(UpdateMemberError::LastAdmin),
            Err(UpdateFailure::NotJoined) => Err(UpdateMemberError::NotJoined),
            Err(UpdateFailure::Db(e)) => Err(UpdateMemberError::Other(e.into())),
        }
    }

    async fn invite(&self, token_hash: TokenHash) -> anyhow::Result<Option<InviteRecord>> {
        super::invitations::lookup(&self.db, token_hash).await
    }

    async fn accept(&self, acceptance: AcceptInvitation) -> Result<(), AcceptInvitationError> {
        super::invitations::accept(&self.db, acceptance).await
    }

    async fn reinvite(
        &self,
        tenant: Tenant,
        id: UserId,
        token_hash: TokenHash,
        expires_at: DateTime<Utc>,
    ) -> Result<Member, ReinviteError> {
        super::invitations::reinvite(&self.db, tenant, id, token_hash, expires_at).await
    }
}
