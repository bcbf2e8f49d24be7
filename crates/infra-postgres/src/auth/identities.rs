//! [`IdentityRepository`] over `auth_identities`.

use crate::error::DbError;
use crate::pool::Database;
use crate::schema::auth_identities as ai;
use async_trait::async_trait;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use domain::AuthUserId;
use domain::auth::{Email, Identity, IdentityProvider, NewIdentity};
use domain::ports::accounts::{CreateIdentityError, IdentityRepository};
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

type Row = (Uuid, String, String, Option<String>);

fn identity((id, email, provider, password_hash): Row) -> Identity {
    Identity {
        id: AuthUserId(id),
        email,
        provider: if provider == "supabase" {
            IdentityProvider::Supabase
        } else {
            IdentityProvider::Local
        },
        password_hash,
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
    async fn find_by_email(&self, email: Email) -> anyhow::Result<Option<Identity>> {
        let row: Option<Row> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        ai::table
                            .filter(ai::email.eq(email.as_str()))
                            .select((ai::id, ai::email, ai::provider, ai::password_hash))
                            .first(conn)
                            .await
                            .optional()?,
                    )
                })
            })
            .await?;
        Ok(row.map(identity))
    }

    async fn find_by_id(&self, id: AuthUserId) -> anyhow::Result<Option<Identity>> {
        let row: Option<Row> = self
            .db
            .system_tx(move |conn| {
                Box::pin(async move {
                    Ok::<_, DbError>(
                        ai::table
                            .find(id.as_uuid())
                            .select((ai::id, ai::email, ai::provider, ai::password_hash))
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
