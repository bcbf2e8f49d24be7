//! [`IdentityRepository`] over `auth_identities`.

use crate::error::DbError;
use crate::pool::Database;
use crate::schema::{auth_identities as ai, auth_sessions as s};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use domain::AuthUserId;
use domain::auth::{Email, Identity, IdentityProvider, NewIdentity, TokenHash};
use domain::ports::accounts::{CreateIdentityError, IdentityRepository, MAX_ACCOUNTS_PER_EMAIL};
use uuid::Uuid;

/// Sign-in identities in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgIdentities {
    db: Database,
}

impl PgIdentities {
    /// The adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

type Row = (Uuid, String, String, Option<String>, Option<DateTime<Utc>>);

/// `email_verified_at` after a sync: the provider's new word, else the old one if the address
/// did not change, else none.
const VERIFIED_ON_SYNC: &str = "CASE WHEN excluded.email_verified_at IS NOT NULL \
     THEN excluded.email_verified_at \
     WHEN auth_identities.email = excluded.email THEN auth_identities.email_verified_at \
     END";

macro_rules! identity_columns {
    () => {
        (
            ai::id,
            ai::email,
            ai::provider,
            ai::password_hash,
            ai::email_verified_at,
        )
    };
}

fn identity((id, email, provider, password_hash, email_verified_at): Row) -> Identity {
    Identity {
        id: AuthUserId(id),
        email,
        provider: if provider == "supabase" {
            IdentityProvider::Supabase
        } else {
            IdentityProvider::Local
        },
        password_hash,
        email_verified_at,
    }
}

/// Inserts an identity on `conn` (shared with [`crate::auth::PgMembers`]).
pub(crate) async fn insert(
    conn: &mut diesel_async::AsyncPgConnection,
    new: &NewIdentity,
) -> Result<(), DbError> {
    diesel::insert_into(ai::table)
        .values((
            ai::id.eq(new.id.as_uuid()),
            ai::email.eq(new.email.as_str()),
            ai::provider.eq(new.provider.as_str()),
            ai::password_hash.eq(new.password_hash.as_deref()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl IdentityRepository for PgIdentities {
    async fn find_by_email(&self, email: Email) -> anyhow::Result<Vec<Identity>> {
        let limit = i64::try_from(MAX_ACCOUNTS_PER_EMAIL + 1).unwrap_or(4);
        let rows: Vec<Row> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        ai::table
                            .filter(ai::email.eq(email.as_str()))
                            .order((ai::created_at, ai::id))
                            .limit(limit)
                            .select(identity_columns!())
                            .load(conn)
                            .await?,
                    )
                })
            })
            .await?;
        Ok(rows.into_iter().map(identity).collect())
    }

    async fn find_by_id(&self, id: AuthUserId) -> anyhow::Result<Option<Identity>> {
        let row: Option<Row> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        ai::table
                            .find(id.as_uuid())
                            .select(identity_columns!())
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        Ok(row.map(identity))
    }

    async fn create(&self, new: NewIdentity) -> Result<(), CreateIdentityError> {
        self.db
            .system_tx(move |conn| Box::pin(async move { insert(conn, &new).await }))
            .await
            .map_err(|e| {
                if e.is_unique_violation(None) {
                    CreateIdentityError::Exists
                } else {
                    CreateIdentityError::Other(e.into())
                }
            })
    }

    async fn sync_external(
        &self,
        id: AuthUserId,
        email: Email,
        verified_at: Option<DateTime<Utc>>,
    ) -> Result<(), CreateIdentityError> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    // An external identity never has a password here. A verification already
                    // recorded is kept when the provider does not repeat it, but only for the
                    // same address: a changed e-mail is unverified until the provider says so.
                    diesel::insert_into(ai::table)
                        .values((
                            ai::id.eq(id.as_uuid()),
                            ai::email.eq(email.as_str()),
                            ai::provider.eq(IdentityProvider::Supabase.as_str()),
                            ai::email_verified_at.eq(verified_at),
                        ))
                        .on_conflict(ai::id)
                        .do_update()
                        .set((
                            ai::email.eq(email.as_str()),
                            ai::email_verified_at.eq(diesel::dsl::sql::<
                                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
                            >(
                                VERIFIED_ON_SYNC
                            )),
                        ))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await
            .map_err(|e| {
                if e.is_unique_violation(None) {
                    CreateIdentityError::Exists
                } else {
                    CreateIdentityError::Other(e.into())
                }
            })
    }

    async fn change_password(
        &self,
        id: AuthUserId,
        hash: String,
        keep: Option<TokenHash>,
    ) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::update(ai::table.find(id.as_uuid()))
                        .set(ai::password_hash.eq(hash))
                        .execute(conn)
                        .await?;
                    let others = s::table.filter(s::auth_user_id.eq(id.as_uuid()));
                    match keep {
                        Some(keep) => {
                            diesel::delete(others.filter(s::token_hash.ne(keep.0.to_vec())))
                                .execute(conn)
                                .await?
                        }
                        None => diesel::delete(others).execute(conn).await?,
                    };
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn set_password_hash(&self, id: AuthUserId, hash: String) -> anyhow::Result<()> {
        self.db
            .system_tx(move |conn| {
                Box::pin(async move {
                    diesel::update(ai::table.find(id.as_uuid()))
                        .set(ai::password_hash.eq(hash))
                        .execute(conn)
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await?;
        Ok(())
    }
}
