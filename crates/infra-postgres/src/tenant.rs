//! Units of work. Every query of the server runs inside one of these two functions.

use crate::error::DbError;
use crate::pool::Database;
use diesel_async::pooled_connection::deadpool::Object;
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
/// `extra` is [`Database::tx_settings`](crate::pool::Database): more transaction-local settings
/// (behind a pooler, the statement timeout).
fn begin_sql(tenant: Option<(CompanyId, Option<UserId>)>, extra: Option<&str>) -> String {
    format!("BEGIN; {}", pin_sql(tenant, extra))
}

/// The pinning statement of [`begin_sql`], for units of work that begin differently (the
/// read-only replica reads, [`crate::replica`]).
pub(crate) fn pin_sql(tenant: Option<(CompanyId, Option<UserId>)>, extra: Option<&str>) -> String {
    let extra = extra.unwrap_or_default();
    match tenant {
        Some((company, user)) => format!(
            "SELECT set_config('role', 'atende_app', true), \
             set_config('app.company_id', '{}', true), set_config('app.user_id', '{}', true){extra}",
            company.0.hyphenated(),
            user.map(|u| u.0.hyphenated().to_string())
                .unwrap_or_default()
        ),
        None => format!("SELECT set_config('role', 'atende_app', true){extra}"),
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
        let mut conn = self.begin(tenant).await.map_err(E::from)?;
        let conn: &mut AsyncPgConnection = &mut conn;
        let (result, events) = crate::events::collecting(work(conn)).await;
        let result = match result {
            // What the work emitted is appended last, just before COMMIT (see `events`).
            Ok(value) if !events.is_empty() => {
                match crate::events::append_pending(conn, events).await {
                    Ok(()) => Ok(value),
                    Err(e) => {
                        let _ = AnsiTransactionManager::rollback_transaction(conn).await;
                        // The append is the work's last statement: a connection lost there is
                        // the database's failure like any other (503), not a query error.
                        if connection_lost(&e) {
                            self.drop_idle_connections();
                            return Err(DbError::unavailable(format!(
                                "the connection was lost while appending events: {e}"
                            ))
                            .into());
                        }
                        return Err(DbError::from(e).into());
                    }
                }
            }
            other => other,
        };
        match result {
            Ok(value) => match AnsiTransactionManager::commit_transaction(conn).await {
                Ok(()) => Ok(value),
                Err(e) if connection_lost(&e) => {
                    // The outcome of a COMMIT that got no answer is unknown: report the
                    // database unavailable (503) and never run the work again here.
                    self.drop_idle_connections();
                    Err(DbError::unavailable(e.to_string()).into())
                }
                Err(e) => Err(DbError::from(e).into()),
            },
            Err(err) => {
                // The work's error is the one worth reporting, unless the connection was lost
                // under it (the server restarted, failed over or terminated the backend): then
                // the failure is the database's, the transaction died with the connection (the
                // server commits nothing of it), and the caller is told the database is
                // unavailable (503 over HTTP) rather than given the query error it caused. A
                // failed rollback marks the connection broken and the pool discards it.
                match AnsiTransactionManager::rollback_transaction(conn).await {
                    Err(e) if connection_lost(&e) => {
                        // Its idle siblings are as stale.
                        self.drop_idle_connections();
                        Err(DbError::unavailable(format!(
                            "the connection was lost during the unit of work: {e}"
                        ))
                        .into())
                    }
                    _ => Err(err),
                }
            }
        }
    }

    /// A pooled connection with the transaction begun and pinned (one round trip).
    ///
    /// The retry rule: when that first round trip finds the connection lost (the server
    /// restarted or failed over while it sat in the pool), nothing of the unit of work has
    /// reached any server, so it is safe to run it once more: the lost connection and every
    /// idle one (they share its fate) are dropped and the transaction begins on a fresh
    /// connection. Once the work has started nothing is retried here — the work runs once (a
    /// lost COMMIT has an unknown outcome); its caller sees the failure (503 over HTTP, a retry
    /// for a job), and writers are idempotent (provider ids, idempotency keys).
    async fn begin(
        &self,
        tenant: Option<(CompanyId, Option<UserId>)>,
    ) -> Result<Object<AsyncPgConnection>, DbError> {
        self.begin_with(&begin_sql(tenant, self.tx_settings.as_deref()))
            .await
    }

    /// [`Database::begin`] with the first round trip's SQL given (`BEGIN …; SELECT set_config…`).
    pub(crate) async fn begin_with(&self, sql: &str) -> Result<Object<AsyncPgConnection>, DbError> {
        let mut retried = false;
        loop {
            let mut conn = self.pool.get().await.map_err(DbError::from)?;
            let Err(e) = AnsiTransactionManager::begin_transaction_sql(&mut *conn, sql).await
            else {
                return Ok(conn);
            };
            if connection_lost(&e) {
                drop(Object::take(conn));
                self.drop_idle_connections();
                if !retried {
                    tracing::warn!(error = %e, "a pooled database connection was lost (server restart or failover); beginning again on a fresh one");
                    retried = true;
                    continue;
                }
                return Err(DbError::unavailable(e.to_string()));
            }
            // A pin that fails after BEGIN leaves an aborted transaction the transaction
            // manager does not know about: roll it back before the pool sees it.
            let _ = conn.batch_execute("ROLLBACK").await;
            return Err(DbError::from(e));
        }
    }

    pub(crate) fn drop_idle_connections(&self) {
        let dropped = self.pool.retain(|_, _| false).removed.len();
        if dropped > 0 {
            tracing::info!(
                dropped,
                "dropped idle database connections after a lost one"
            );
        }
    }
}

/// Whether `e` says the connection itself is gone (closed socket, I/O error, the server
/// terminating it), as opposed to a statement failing on a live connection.
pub(crate) fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.starts_with("terminating connection")
                || m.contains("the database system is shutting down")
        }
        Error::BrokenTransactionManager => true,
        _ => false,
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
