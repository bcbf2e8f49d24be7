//! Reads served by a streaming replica (`DATABASE_REPLICA_URL`).
//!
//! [`Database::replica_tx`] is the unit of work of the reads that never need the caller's own
//! just-made writes (clinic reports and message search when they come; none yet:
//! `docs/scaling.md` says which reads may and why the others must not). It
//! pins the clinic exactly as [`Database::tenant_tx`] does (role `atende_app`, `app.company_id`,
//! `app.user_id`, in the first round trip) inside `BEGIN ISOLATION LEVEL REPEATABLE READ, READ
//! ONLY`, so row-level security holds on the replica as on the primary, every statement of the
//! work sees one snapshot, and a write fails wherever the work runs.
//!
//! It runs on the replica while the replica is known to hold everything the primary committed
//! more than `max_lag` ago (`ATENDE_DB_REPLICA_MAX_LAG_SECS`), else on the primary, and back on
//! the replica once it has caught up. How far behind the replica is gets measured at most once
//! every `check_every` per node, lazily by a read that finds the last measurement too old (the
//! others use it meanwhile), with two one-row queries:
//!
//! 1. the primary's WAL position, `pg_current_wal_lsn()`, read at a time `t`;
//! 2. the replica's `pg_last_wal_replay_lsn()` and the age of its last replayed commit,
//!    `now() - pg_last_xact_replay_timestamp()`.
//!
//! The replica holds everything committed before `t` of the newest primary sample whose position
//! it has replayed (samples of earlier checks are kept). An **idle primary** therefore keeps the
//! replica fresh (it has replayed the primary's current position, however old its last commit),
//! where the replay timestamp alone would make it look old; a replica that stopped replaying, or
//! lost its connection to the primary, goes stale as soon as the primary writes anything. The
//! replay timestamp is a second bound (everything before the last replayed commit is there) that
//! serves when no sample applies, e.g. while the primary cannot be asked; with neither, the
//! replica is not used. Between checks the bound ages with the clock, so a replica read always
//! sees what the primary committed more than `max_lag` ago. A server that is not in recovery, or
//! whose system identifier or database name differs from the primary's, is never used.

use crate::error::DbError;
use crate::pool::{Database, PoolSettings};
use crate::tenant::{DbFuture, TenantScope, connection_lost, pin_sql};
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod lag;

use lag::{Memory, PrimaryRow, Sample, Standby, Verdict, judge};

/// How the replica is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaSettings {
    /// The most a replica read may lag behind the primary (`ATENDE_DB_REPLICA_MAX_LAG_SECS`).
    pub max_lag: Duration,
    /// How often, at most, this node measures the replica's lag.
    pub check_every: Duration,
    /// How long the replica may take to answer a measurement, or to begin a read's transaction,
    /// before it counts as down (the read then runs on the primary).
    pub timeout: Duration,
}

impl ReplicaSettings {
    /// Settings for `max_lag`: measured every quarter of it (between 100 ms and 2 s); the
    /// replica is given 2 s to answer.
    #[must_use]
    pub fn new(max_lag: Duration) -> Self {
        Self {
            max_lag,
            check_every: (max_lag / 4).clamp(Duration::from_millis(100), Duration::from_secs(2)),
            timeout: Duration::from_secs(2),
        }
    }
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        Self::new(Duration::from_secs(10))
    }
}

/// What the replica reads of this process did (for `GET /metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaStats {
    /// Units of work [`Database::replica_tx`] ran on the replica.
    pub replica_reads: u64,
    /// Units of work it ran on the primary instead (replica down, lagging, or not measured yet).
    pub primary_reads: u64,
    /// How far behind the replica may be now, when known.
    pub lag: Option<Duration>,
}

/// The replica's pool and what this node knows of its lag.
pub(crate) struct Replica {
    db: Database,
    settings: ReplicaSettings,
    state: Mutex<State>,
    checking: AtomicBool,
    replica_reads: AtomicU64,
    primary_reads: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    verdict: Verdict,
    checked_at: Option<Instant>,
    memory: Memory,
    /// Whether the last verdict let reads go to the replica (none before the first), so that
    /// only changes are logged.
    was_usable: Option<bool>,
}

/// `BEGIN` of a replica read: one snapshot, read only, pinned as [`Database::tenant_tx`] pins.
fn begin_read_only_sql(scope: TenantScope, extra: Option<&str>) -> String {
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; {}",
        pin_sql(Some((scope.company_id, scope.user_id)), extra)
    )
}

/// Resets the single-flight flag of a measurement, also when its future is dropped.
struct Checking<'a>(&'a AtomicBool);

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Replica {
    /// Whether the next read goes to the replica, measuring first when the last measurement is
    /// older than `check_every` and no other read is measuring.
    async fn route(&self, primary: &Database) -> bool {
        let due = self
            .lock()
            .checked_at
            .is_none_or(|at| at.elapsed() >= self.settings.check_every);
        if due
            && self
                .checking
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            let _flag = Checking(&self.checking);
            self.measure(primary).await;
        }
        self.lock()
            .verdict
            .usable(Instant::now(), self.settings.max_lag)
    }

    async fn measure(&self, primary: &Database) {
        let limit = self.settings.timeout;
        let primary_at = Instant::now();
        let primary_sample = match tokio::time::timeout(limit, wal_position(primary)).await {
            Ok(Ok(row)) => Some(Sample {
                at: primary_at,
                lsn: row.lsn,
                identity: row.identity,
            }),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the primary's WAL position could not be read");
                None
            }
            Err(_) => None,
        };
        let asked = Instant::now();
        let standby = match tokio::time::timeout(limit, standby_status(&self.db)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(format!("the replica could not be measured: {e}")),
            Err(_) => Err("the replica did not answer in time".to_owned()),
        };
        let mut state = self.lock();
        let verdict = judge(&mut state.memory, primary_sample, standby, asked);
        state.checked_at = Some(Instant::now());
        state.verdict = verdict;
        self.log_transition(&mut state);
    }

    /// The replica failed a read: reads go to the primary until the next measurement.
    fn failed(&self, e: &DbError) {
        let mut state = self.lock();
        state.verdict = Verdict::Unusable(format!("a replica read failed: {e}"));
        state.checked_at = Some(Instant::now());
        self.log_transition(&mut state);
    }

    fn log_transition(&self, state: &mut State) {
        let usable = state.verdict.usable(Instant::now(), self.settings.max_lag);
        if state.was_usable == Some(usable) {
            return;
        }
        if usable {
            tracing::info!("replica reads are served by the replica");
        } else {
            match &state.verdict {
                Verdict::Unusable(reason) => {
                    tracing::warn!(reason = %reason, "replica reads go to the primary");
                }
                _ => tracing::warn!(
                    max_lag_secs = self.settings.max_lag.as_secs_f64(),
                    "replica reads go to the primary: the replica lags beyond the bound"
                ),
            }
        }
        state.was_usable = Some(usable);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stats(&self) -> ReplicaStats {
        let lag = match self.lock().verdict {
            Verdict::Fresh { as_of } => Some(as_of.elapsed()),
            _ => None,
        };
        ReplicaStats {
            replica_reads: AtomicU64::load(&self.replica_reads, Ordering::Relaxed),
            primary_reads: AtomicU64::load(&self.primary_reads, Ordering::Relaxed),
            lag,
        }
    }
}

/// `system_id, database` of a server (the replica's is the primary's).
const IDENTITY_SQL: &str = "(SELECT system_identifier FROM pg_catalog.pg_control_system()) AS system_id, \
     pg_catalog.current_database()::text AS database";

async fn wal_position(primary: &Database) -> Result<PrimaryRow, DbError> {
    primary
        .system_tx(|conn| {
            Box::pin(async move {
                let row: PrimaryRow = diesel::sql_query(format!(
                    "SELECT (pg_catalog.pg_current_wal_lsn() - '0/0'::pg_catalog.pg_lsn)::int8 AS lsn, \
                     {IDENTITY_SQL}"
                ))
                .get_result(conn)
                .await?;
                Ok::<_, DbError>(row)
            })
        })
        .await
}

async fn standby_status(replica: &Database) -> Result<Standby, DbError> {
    replica
        .system_tx(|conn| {
            Box::pin(async move {
                let row: Standby = diesel::sql_query(format!(
                    "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery, \
                     (pg_catalog.pg_last_wal_replay_lsn() - '0/0'::pg_catalog.pg_lsn)::int8 AS replayed, \
                     extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp())::float8 AS replay_age, \
                     {IDENTITY_SQL}"
                ))
                .get_result(conn)
                .await?;
                Ok::<_, DbError>(row)
            })
        })
        .await
}

/// Runs `work` on a begun connection of `db` and commits (or rolls back on `Err`), as
/// [`Database::tenant_tx`] does. A connection lost under the work marks `replica` down.
async fn finish<T, E, F>(
    db: &Database,
    replica: Option<&Replica>,
    mut conn: Object<AsyncPgConnection>,
    work: F,
) -> Result<T, E>
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
    E: From<DbError> + Send,
    T: Send,
{
    let conn: &mut AsyncPgConnection = &mut conn;
    let lost = |e: &diesel::result::Error| {
        db.drop_idle_connections();
        if let Some(r) = replica {
            r.failed(&DbError::unavailable(e.to_string()));
        }
    };
    match work(conn).await {
        Ok(value) => match AnsiTransactionManager::commit_transaction(conn).await {
            Ok(()) => Ok(value),
            Err(e) if connection_lost(&e) => {
                lost(&e);
                Err(DbError::unavailable(e.to_string()).into())
            }
            Err(e) => Err(DbError::from(e).into()),
        },
        Err(err) => {
            if let Err(e) = AnsiTransactionManager::rollback_transaction(conn).await
                && connection_lost(&e)
            {
                lost(&e);
            }
            Err(err)
        }
    }
}

impl Database {
    /// This pool with a streaming replica at `url` for [`Database::replica_tx`]. The replica's
    /// pool has the same `pool` settings and, as the primary's, opens connections lazily: this
    /// succeeds while the replica is down.
    ///
    /// # Errors
    /// [`DbError::Unavailable`] when the replica's pool cannot be built (an unusable URL,
    /// unreadable root certificates).
    pub fn with_replica(
        mut self,
        url: &str,
        pool: &PoolSettings,
        settings: ReplicaSettings,
    ) -> Result<Self, DbError> {
        let db = Self::connect(url, pool)?;
        self.replica = Some(std::sync::Arc::new(Replica {
            db,
            settings,
            state: Mutex::new(State::default()),
            checking: AtomicBool::new(false),
            replica_reads: AtomicU64::new(0),
            primary_reads: AtomicU64::new(0),
        }));
        Ok(self)
    }

    /// Runs `work` as one read-only transaction of the clinic in `scope`: pinned exactly as
    /// [`Database::tenant_tx`] (role `atende_app`, `app.company_id`, `app.user_id`), in
    /// `REPEATABLE READ, READ ONLY`, on the replica while it lags less than `max_lag`, else on
    /// the primary. Only for reads that need not see the caller's own just-made writes.
    ///
    /// A replica that fails to begin the transaction, or takes longer than the settings'
    /// `timeout` to (down, restarting, unreachable, its pool busy), is left for the primary at
    /// once and until the next measurement; `work` has not run then, so nothing repeats.
    ///
    /// # Errors
    /// `work`'s error (a write in it fails: read-only transaction), or [`DbError`] (converted
    /// into `E`) when the node that runs it fails.
    pub async fn replica_tx<T, E, F>(&self, scope: TenantScope, work: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> DbFuture<'c, T, E> + Send,
        E: From<DbError> + Send,
        T: Send,
    {
        if let Some(replica) = self.replica.as_deref() {
            if replica.route(self).await {
                let sql = begin_read_only_sql(scope, replica.db.tx_settings.as_deref());
                // A cancelled BEGIN leaves its connection marked broken: the pool discards it.
                let begun =
                    tokio::time::timeout(replica.settings.timeout, replica.db.begin_with(&sql))
                        .await
                        .unwrap_or_else(|_| {
                            Err(DbError::unavailable(
                                "the replica did not begin the transaction in time",
                            ))
                        });
                match begun {
                    Ok(conn) => {
                        replica.replica_reads.fetch_add(1, Ordering::Relaxed);
                        return finish(&replica.db, Some(replica), conn, work).await;
                    }
                    Err(e) => replica.failed(&e),
                }
            }
            replica.primary_reads.fetch_add(1, Ordering::Relaxed);
        }
        let sql = begin_read_only_sql(scope, self.tx_settings.as_deref());
        let conn = self.begin_with(&sql).await.map_err(E::from)?;
        finish(self, None, conn, work).await
    }

    /// What the replica reads did, when a replica is configured.
    #[must_use]
    pub fn replica_stats(&self) -> Option<ReplicaStats> {
        self.replica.as_deref().map(Replica::stats)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_read_only_begin_pins_the_clinic_and_the_member_as_tenant_tx_does() {
        let company = domain::CompanyId(uuid::Uuid::nil());
        let sql = begin_read_only_sql(TenantScope::company(company), None);
        assert_eq!(
            sql,
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT set_config('role', 'atende_app', true), \
             set_config('app.company_id', '00000000-0000-0000-0000-000000000000', true), set_config('app.user_id', '', true)"
        );
    }

    #[test]
    fn the_check_interval_follows_the_bound() {
        assert_eq!(
            ReplicaSettings::default().check_every,
            Duration::from_secs(2)
        );
        assert_eq!(
            ReplicaSettings::new(Duration::from_secs(1)).check_every,
            Duration::from_millis(250)
        );
        assert_eq!(
            ReplicaSettings::new(Duration::from_millis(100)).check_every,
            Duration::from_millis(100)
        );
    }
}
