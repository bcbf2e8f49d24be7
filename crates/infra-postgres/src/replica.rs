//! Reads served by a streaming replica (`DATABASE_REPLICA_URL`).
//!
//! [`Database::replica_tx`] is the unit of work of the reads that never need the caller's own
//! just-made writes (reports, search, the scale CLI: `docs/scaling.md` says which and why). It
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
//! sees what the primary committed more than `max_lag` ago.

use crate::error::DbError;
use crate::pool::{Database, PoolSettings};
use crate::tenant::{DbFuture, TenantScope, connection_lost, pin_sql};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Double, Nullable};
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many primary WAL samples are kept (one per check).
const SAMPLES: usize = 64;

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
    samples: VecDeque<(Instant, i64)>,
    /// Whether the last verdict let reads go to the replica (none before the first), so that
    /// only changes are logged.
    was_usable: Option<bool>,
}

/// What the last measurement found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Verdict {
    /// Not measured yet.
    #[default]
    Unknown,
    /// The replica holds everything the primary committed before `as_of`.
    Fresh { as_of: Instant },
    /// Not usable, and why (down, not a standby, lag unknown).
    Unusable(String),
}

/// The replica's answer to one measurement.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
struct Standby {
    #[diesel(sql_type = Bool)]
    in_recovery: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    replayed: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    replay_age: Option<f64>,
}

#[derive(QueryableByName)]
struct Lsn {
    #[diesel(sql_type = BigInt)]
    lsn: i64,
}

impl Verdict {
    fn usable(&self, now: Instant, max_lag: Duration) -> bool {
        matches!(self, Self::Fresh { as_of } if now.saturating_duration_since(*as_of) <= max_lag)
    }
}

/// Judges one measurement: `primary` is the primary's WAL position and when it was asked (none
/// when it could not be), `standby` the replica's answer or why there is none, `asked` when the
/// replica was asked. `samples` keeps the primary's positions across measurements.
fn judge(
    samples: &mut VecDeque<(Instant, i64)>,
    primary: Option<(Instant, i64)>,
    standby: Result<Standby, String>,
    asked: Instant,
) -> Verdict {
    if let Some(sample) = primary {
        if samples.len() == SAMPLES {
            samples.pop_front();
        }
        samples.push_back(sample);
    }
    let standby = match standby {
        Ok(s) => s,
        Err(reason) => return Verdict::Unusable(reason),
    };
    if !standby.in_recovery {
        return Verdict::Unusable(
            "the replica URL reaches a server that is not in recovery".into(),
        );
    }
    // The newest primary position the replica has replayed.
    let by_position = standby.replayed.and_then(|replayed| {
        samples
            .iter()
            .rev()
            .find(|(_, position)| *position <= replayed)
            .map(|(at, _)| *at)
    });
    // Everything committed before the last replayed commit is there (server clocks; a negative
    // age from clock skew counts as none).
    let by_commit = standby
        .replay_age
        .filter(|age| age.is_finite())
        .and_then(|age| asked.checked_sub(Duration::from_secs_f64(age.clamp(0.0, 1e9))));
    match by_position.max(by_commit) {
        Some(as_of) => Verdict::Fresh { as_of },
        None => Verdict::Unusable("how far behind the replica is cannot be told".into()),
    }
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
        let primary_lsn = match tokio::time::timeout(limit, wal_position(primary)).await {
            Ok(Ok(lsn)) => Some((primary_at, lsn)),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the primary's WAL position could not be read");
                None
            }
            Err(_) => None,
        };
        let asked = Instant::now();
        let standby = match tokio::time::timeout(limit, standby_status(&self.db)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(format!("the replica cannot be reached: {e}")),
            Err(_) => Err("the replica did not answer in time".to_owned()),
        };
        let mut state = self.lock();
        let verdict = judge(&mut state.samples, primary_lsn, standby, asked);
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

async fn wal_position(primary: &Database) -> Result<i64, DbError> {
    primary
        .system_tx(|conn| {
            Box::pin(async move {
                let row: Lsn = diesel::sql_query(
                    "SELECT (pg_catalog.pg_current_wal_lsn() - '0/0'::pg_catalog.pg_lsn)::int8 AS lsn",
                )
                .get_result(conn)
                .await?;
                Ok::<_, DbError>(row.lsn)
            })
        })
        .await
}

async fn standby_status(replica: &Database) -> Result<Standby, DbError> {
    replica
        .system_tx(|conn| {
            Box::pin(async move {
                let row: Standby = diesel::sql_query(
                    "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery, \
                     (pg_catalog.pg_last_wal_replay_lsn() - '0/0'::pg_catalog.pg_lsn)::int8 AS replayed, \
                     extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp())::float8 AS replay_age",
                )
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
            r.failed(&DbError::Unavailable(e.to_string()));
        }
    };
    match work(conn).await {
        Ok(value) => match AnsiTransactionManager::commit_transaction(conn).await {
            Ok(()) => Ok(value),
            Err(e) if connection_lost(&e) => {
                lost(&e);
                Err(DbError::Unavailable(e.to_string()).into())
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
                            Err(DbError::Unavailable(
                                "the replica did not begin the transaction in time".into(),
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

    fn standby(replayed: i64, replay_age: Option<f64>) -> Result<Standby, String> {
        Ok(Standby {
            in_recovery: true,
            replayed: Some(replayed),
            replay_age,
        })
    }

    const MAX_LAG: Duration = Duration::from_secs(10);

    #[test]
    fn an_idle_primary_keeps_a_caught_up_replica_fresh_however_old_its_last_commit() {
        let t0 = Instant::now();
        let mut samples = VecDeque::new();
        // The last commit was an hour ago, but the replica has replayed the primary's position.
        let v = judge(
            &mut samples,
            Some((t0, 500)),
            standby(500, Some(3600.0)),
            t0,
        );
        assert_eq!(v, Verdict::Fresh { as_of: t0 });
        assert!(v.usable(t0 + Duration::from_secs(9), MAX_LAG));
        assert!(
            !v.usable(t0 + Duration::from_secs(11), MAX_LAG),
            "between measurements the bound ages with the clock"
        );
    }

    #[test]
    fn a_replica_that_stopped_replaying_goes_stale_once_the_primary_writes() {
        let t0 = Instant::now();
        let mut samples = VecDeque::new();
        assert!(
            judge(&mut samples, Some((t0, 500)), standby(500, Some(0.1)), t0).usable(t0, MAX_LAG)
        );
        // Replay paused at 500; the primary moved on. The replica holds what the primary had
        // at t0 and no more, whatever the clock of the check.
        for secs in [2u32, 6, 12] {
            let t = t0 + Duration::from_secs(u64::from(secs));
            let position = 900 + i64::from(secs);
            let v = judge(
                &mut samples,
                Some((t, position)),
                standby(500, Some(30.0)),
                t,
            );
            assert_eq!(v, Verdict::Fresh { as_of: t0 }, "after {secs} s");
            assert_eq!(v.usable(t, MAX_LAG), secs <= 10, "after {secs} s");
        }
        // Replay resumes and catches up: fresh again.
        let t = t0 + Duration::from_secs(14);
        let v = judge(&mut samples, Some((t, 930)), standby(930, Some(0.0)), t);
        assert_eq!(v, Verdict::Fresh { as_of: t });
    }

    #[test]
    fn a_replica_slightly_behind_a_busy_primary_is_bounded_by_earlier_samples_or_its_last_commit() {
        let t0 = Instant::now();
        let mut samples = VecDeque::new();
        let t1 = t0 + Duration::from_secs(2);
        let t2 = t1 + Duration::from_secs(2);
        // At t1 the primary was at 200; at t2 it is at 300 and the replica has replayed 250.
        judge(&mut samples, Some((t1, 200)), standby(150, None), t1);
        let v = judge(&mut samples, Some((t2, 300)), standby(250, None), t2);
        assert_eq!(v, Verdict::Fresh { as_of: t1 });
        // Its last replayed commit, 0.5 s before it was asked, is the better bound.
        let v = judge(
            &mut samples,
            Some((t2, 300)),
            standby(250, Some(0.5)),
            t2 + Duration::from_millis(10),
        );
        assert_eq!(
            v,
            Verdict::Fresh {
                as_of: t2 + Duration::from_millis(10) - Duration::from_millis(500)
            }
        );
    }

    #[test]
    fn without_the_primary_only_the_replay_timestamp_bounds_the_lag() {
        let t0 = Instant::now() + Duration::from_secs(100);
        let mut samples = VecDeque::new();
        let v = judge(&mut samples, None, standby(500, Some(4.0)), t0);
        assert_eq!(
            v,
            Verdict::Fresh {
                as_of: t0 - Duration::from_secs(4)
            }
        );
        let v = judge(&mut samples, None, standby(500, None), t0);
        assert!(matches!(v, Verdict::Unusable(_)), "{v:?}");
        // Clock skew (a negative age) counts as no age, not as the future.
        let v = judge(&mut samples, None, standby(500, Some(-3.0)), t0);
        assert_eq!(v, Verdict::Fresh { as_of: t0 });
    }

    #[test]
    fn a_replica_that_is_down_or_not_in_recovery_is_not_used() {
        let t0 = Instant::now();
        let mut samples = VecDeque::new();
        let v = judge(
            &mut samples,
            Some((t0, 1)),
            Err("the replica cannot be reached".into()),
            t0,
        );
        assert!(!v.usable(t0, MAX_LAG));
        let promoted = Ok(Standby {
            in_recovery: false,
            replayed: Some(1),
            replay_age: Some(0.0),
        });
        let v = judge(&mut samples, Some((t0, 1)), promoted, t0);
        assert!(!v.usable(t0, MAX_LAG), "a promoted replica diverges: {v:?}");
        assert!(!Verdict::Unknown.usable(t0, MAX_LAG));
    }

    #[test]
    fn samples_are_bounded() {
        let t0 = Instant::now();
        let mut samples = VecDeque::new();
        for i in 0..(SAMPLES as i64 * 3) {
            judge(&mut samples, Some((t0, i)), standby(i, None), t0);
        }
        assert_eq!(samples.len(), SAMPLES);
    }

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
