//! Units of work. Every query of the server runs inside one of these two functions.

use crate::error::DbError;
use crate::pool::Database;
use diesel::sql_types::Text;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use domain::{CompanyId, UserId};
use std::future::Future;
use std::pin::Pin;

/// The boxed future a unit-of-work closure returns (borrowing the connection).
pub type DbFuture<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Who a tenant unit of work runs for: the clinic, and the member (if any) acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantScope {
    /// The clinic whose rows are visible.
    pub company_id: CompanyId,
    /// The acting member, recorded in `app.user_id` (None for webhooks and jobs).
    pub user_id: Option<UserId>,
}

impl TenantScope {
    /// A scope acting for a clinic without a member (webhooks, jobs, CLI).
    #[must_use]
    pub fn company(company_id: CompanyId) -> Self {
        Self {
            company_id,
            user_id: None,
        }
    }

    /// A scope acting for a member of a clinic.
    #[must_use]
    pub fn user(company_id: CompanyId, user_id: UserId) -> Self {
        Self {
            company_id,
            user_id: Some(user_id),
        }
    }
}

/// One statement, as PostgREST does: switch to the RLS-bound role and pin tenant and user, all
/// transaction-local (`true`), so nothing survives COMMIT into the pooled connection.
const PIN_TENANT: &str = "SELECT set_config('role', 'atende_app', true), \
     set_config('app.company_id', $1, true), set_config('app.user_id', $2, true)";
const PIN_SYSTEM: &str = "SELECT set_config('role', 'atende_app', true)";

impl Database {
    /// Runs `work` as one transaction of the clinic in `scope`: the role is `atende_app` and
    /// `app.company_id` is pinned before `work` sees the connection, so row-level security scopes
    /// every statement. Commits on `Ok`, rolls back on `Err`.
    ///
    /// # Errors
    /// `work`'s error, or [`DbError`] (converted into `E`) when no connection is available or
    /// BEGIN/COMMIT fails.
    pub async fn tenant_tx<T, E, F>(&self, scope: TenantScope, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
        E: From<DbError> + Send,
        T: Send,
    {
        let company = scope.company_id.to_string();
        let user = scope.user_id.map(|u| u.to_string()).unwrap_or_default();
        self.run_tx(Some((company, user)), work).await
    }

    /// Runs `work` as one transaction with the role `atende_app` and **no** tenant pinned: tenant
    /// tables fail closed; only the global tables and the SECURITY DEFINER doors are usable.
    ///
    /// # Errors
    /// As [`Database::tenant_tx`].
    pub async fn system_tx<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
        E: From<DbError> + Send,
        T: Send,
    {
        self.run_tx(None, work).await
    }

    async fn run_tx<T, E, F>(&self, tenant: Option<(String, String)>, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
        E: From<DbError> + Send,
        T: Send,
    {
        let mut conn = self.pool.get().await.map_err(DbError::from)?;
        let conn: &mut AsyncPgConnection = &mut conn;
        AnsiTransactionManager::begin_transaction(conn)
            .await
            .map_err(DbError::from)?;
        let pinned = match tenant {
            Some((company, user)) => diesel::sql_query(PIN_TENANT)
                .bind::<Text, _>(company)
                .bind::<Text, _>(user)
                .execute(conn)
                .await
                .map(drop),
            None => diesel::sql_query(PIN_SYSTEM).execute(conn).await.map(drop),
        };
        if let Err(e) = pinned {
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            return Err(DbError::from(e).into());
        }
        match work(conn).await {
            Ok(value) => {
                AnsiTransactionManager::commit_transaction(conn)
                    .await
                    .map_err(DbError::from)?;
                Ok(value)
            }
            Err(err) => {
                // The work's error is the one worth reporting; a failed rollback marks the
                // connection broken and the pool discards it.
                let _ = AnsiTransactionManager::rollback_transaction(conn).await;
                Err(err)
            }
        }
    }
}

impl TenantScope {
    /// A scope acting for a clinic and, when known, one of its members.
    #[must_use]
    pub fn user_opt(company_id: CompanyId, user_id: Option<UserId>) -> Self {
        Self {
            company_id,
            user_id,
        }
    }
}
