//! Units of work. Every query of the server runs inside one of these two functions.

use crate::error::DbError;
use crate::pool::Database;
use diesel_async::{
    AnsiTransactionManager, AsyncPgConnection, SimpleAsyncConnection, TransactionManager,
};
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

/// The transaction's first round trip, as PostgREST does: `BEGIN` and, in the same simple-query
/// message, the switch to the RLS-bound role and the pinned tenant and user, all
/// transaction-local (`true`), so nothing survives COMMIT into the pooled connection. The ids are
/// formatted from [`uuid::Uuid`] (hex digits and dashes only), never from caller text.
fn begin_sql(tenant: Option<(CompanyId, Option<UserId>)>) -> String {
    match tenant {
        Some((company, user)) => format!(
            "BEGIN; SELECT set_config('role', 'atende_app', true), \
             set_config('app.company_id', '{}', true), set_config('app.user_id', '{}', true)",
            company.0.hyphenated(),
            user.map(|u| u.0.hyphenated().to_string())
                .unwrap_or_default()
        ),
        None => "BEGIN; SELECT set_config('role', 'atende_app', true)".to_owned(),
    }
}

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
        self.run_tx(Some((scope.company_id, scope.user_id)), work)
            .await
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

    async fn run_tx<T, E, F>(
        &self,
        tenant: Option<(CompanyId, Option<UserId>)>,
        work: F,
    ) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
        E: From<DbError> + Send,
        T: Send,
    {
        let mut conn = self.pool.get().await.map_err(DbError::from)?;
        let conn: &mut AsyncPgConnection = &mut conn;
        // One round trip. A pin that fails after BEGIN leaves an aborted transaction the
        // transaction manager does not know about: roll it back before the pool sees it.
        if let Err(e) =
            AnsiTransactionManager::begin_transaction_sql(conn, &begin_sql(tenant)).await
        {
            let _ = conn.batch_execute("ROLLBACK").await;
            return Err(DbError::from(e).into());
        }
        let (result, events) = crate::events::collecting(work(conn)).await;
        match result {
            Ok(value) => {
                // What the work emitted is appended last, just before COMMIT (see `events`).
                if !events.is_empty()
                    && let Err(e) = crate::events::append_pending(conn, events).await
                {
                    let _ = AnsiTransactionManager::rollback_transaction(conn).await;
                    return Err(DbError::from(e).into());
                }
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
