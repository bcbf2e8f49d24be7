//! How far behind the primary the replica may be: the judgement of one measurement (the
//! module above says what is measured and why).

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many primary WAL samples are kept (one per measurement).
const SAMPLES: usize = 64;

/// What the last measurement found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) enum Verdict {
    /// Not measured yet.
    #[default]
    Unknown,
    /// The replica holds everything the primary committed before `as_of`.
    Fresh { as_of: Instant },
    /// Not usable, and why (down, not a standby, lag unknown).
    Unusable(String),
}

/// What earlier measurements learnt of the primary.
#[derive(Debug, Default)]
pub(super) struct Memory {
    /// The primary's WAL positions and when they were read, oldest first.
    pub(super) samples: VecDeque<(Instant, i64)>,
    /// Which cluster and database the primary is.
    pub(super) primary: Option<Identity>,
}

/// Which data a server holds: its cluster's system identifier (shared by a physical replica)
/// and the database's name.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub(super) struct Identity {
    #[diesel(sql_type = BigInt)]
    pub(super) system_id: i64,
    #[diesel(sql_type = Text)]
    pub(super) database: String,
}

/// The primary's answer to one measurement, and when it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sample {
    pub(super) at: Instant,
    pub(super) lsn: i64,
    pub(super) identity: Identity,
}

/// The replica's answer to one measurement.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub(super) struct Standby {
    #[diesel(embed)]
    pub(super) identity: Identity,
    #[diesel(sql_type = Bool)]
    pub(super) in_recovery: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) replayed: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(super) replay_age: Option<f64>,
}

/// The primary's answer as read (the time is added by the caller).
#[derive(QueryableByName)]
pub(super) struct PrimaryRow {
    #[diesel(embed)]
    pub(super) identity: Identity,
    #[diesel(sql_type = BigInt)]
    pub(super) lsn: i64,
}

impl Verdict {
    /// Whether a read at `now` may go to the replica: everything older than `max_lag` is there.
    pub(super) fn usable(&self, now: Instant, max_lag: Duration) -> bool {
        matches!(self, Self::Fresh { as_of } if now.saturating_duration_since(*as_of) <= max_lag)
    }
}

/// Judges one measurement: `primary` is the primary's answer (none when it could not be asked),
/// `standby` the replica's or why there is none, `asked` when the replica was asked. `memory`
/// keeps what is known of the primary across measurements.
pub(super) fn judge(
    memory: &mut Memory,
    primary: Option<Sample>,
    standby: Result<Standby, String>,
    asked: Instant,
) -> Verdict {
    if let Some(sample) = primary {
        if memory.samples.len() == SAMPLES {
            memory.samples.pop_front();
        }
        memory.samples.push_back((sample.at, sample.lsn));
        memory.primary = Some(sample.identity);
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
    if memory
        .primary
        .as_ref()
        .is_some_and(|primary| *primary != standby.identity)
    {
        return Verdict::Unusable(
            "the replica URL reaches another cluster or database than the primary's".into(),
        );
    }
    // The newest primary position the replica has replayed.
    let by_position = standby.replayed.and_then(|replayed| {
        memory
            .samples
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn identity() -> Identity {
        Identity {
            system_id: 7_300_000_000_000_000_001,
            database: "atende".into(),
        }
    }

    fn standby(replayed: i64, replay_age: Option<f64>) -> Result<Standby, String> {
        Ok(Standby {
            identity: identity(),
            in_recovery: true,
            replayed: Some(replayed),
            replay_age,
        })
    }

    fn at(at: Instant, lsn: i64) -> Option<Sample> {
        Some(Sample {
            at,
            lsn,
            identity: identity(),
        })
    }

    const MAX_LAG: Duration = Duration::from_secs(10);

    #[test]
    fn an_idle_primary_keeps_a_caught_up_replica_fresh_however_old_its_last_commit() {
        let t0 = Instant::now();
        let mut memory = Memory::default();
        // The last commit was an hour ago, but the replica has replayed the primary's position.
        let v = judge(&mut memory, at(t0, 500), standby(500, Some(3600.0)), t0);
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
        let mut memory = Memory::default();
        assert!(judge(&mut memory, at(t0, 500), standby(500, Some(0.1)), t0).usable(t0, MAX_LAG));
        // Replay paused at 500; the primary moved on. The replica holds what the primary had
        // at t0 and no more, whatever the clock of the check.
        for secs in [2u32, 6, 12] {
            let t = t0 + Duration::from_secs(u64::from(secs));
            let position = 900 + i64::from(secs);
            let v = judge(&mut memory, at(t, position), standby(500, Some(30.0)), t);
            assert_eq!(v, Verdict::Fresh { as_of: t0 }, "after {secs} s");
            assert_eq!(v.usable(t, MAX_LAG), secs <= 10, "after {secs} s");
        }
        // Replay resumes and catches up: fresh again.
        let t = t0 + Duration::from_secs(14);
        let v = judge(&mut memory, at(t, 930), standby(930, Some(0.0)), t);
        assert_eq!(v, Verdict::Fresh { as_of: t });
    }

    #[test]
    fn a_replica_slightly_behind_a_busy_primary_is_bounded_by_earlier_samples_or_its_last_commit() {
        let t0 = Instant::now();
        let mut memory = Memory::default();
        let t1 = t0 + Duration::from_secs(2);
        let t2 = t1 + Duration::from_secs(2);
        // At t1 the primary was at 200; at t2 it is at 300 and the replica has replayed 250.
        judge(&mut memory, at(t1, 200), standby(150, None), t1);
        let v = judge(&mut memory, at(t2, 300), standby(250, None), t2);
        assert_eq!(v, Verdict::Fresh { as_of: t1 });
        // Its last replayed commit, 0.5 s before it was asked, is the better bound.
        let v = judge(
            &mut memory,
            at(t2, 300),
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
        let mut memory = Memory::default();
        let v = judge(&mut memory, None, standby(500, Some(4.0)), t0);
        assert_eq!(
            v,
            Verdict::Fresh {
                as_of: t0 - Duration::from_secs(4)
            }
        );
        let v = judge(&mut memory, None, standby(500, None), t0);
        assert!(matches!(v, Verdict::Unusable(_)), "{v:?}");
        // Clock skew (a negative age) counts as no age, not as the future.
        let v = judge(&mut memory, None, standby(500, Some(-3.0)), t0);
        assert_eq!(v, Verdict::Fresh { as_of: t0 });
    }

    #[test]
    fn a_replica_that_is_down_or_not_in_recovery_is_not_used() {
        let t0 = Instant::now();
        let mut memory = Memory::default();
        let v = judge(
            &mut memory,
            at(t0, 1),
            Err("the replica cannot be reached".into()),
            t0,
        );
        assert!(!v.usable(t0, MAX_LAG));
        let promoted = Ok(Standby {
            identity: identity(),
            in_recovery: false,
            replayed: Some(1),
            replay_age: Some(0.0),
        });
        let v = judge(&mut memory, at(t0, 1), promoted, t0);
        assert!(!v.usable(t0, MAX_LAG), "a promoted replica diverges: {v:?}");
        assert!(!Verdict::Unknown.usable(t0, MAX_LAG));
    }

    #[test]
    fn samples_are_bounded() {
        let t0 = Instant::now();
        let mut memory = Memory::default();
        for i in 0..(SAMPLES as i64 * 3) {
            judge(&mut memory, at(t0, i), standby(i, None), t0);
        }
        assert_eq!(memory.samples.len(), SAMPLES);
    }

    #[test]
    fn a_replica_of_another_cluster_or_database_is_not_used() {
        let t0 = Instant::now();
        let mut memory = Memory::default();
        let other_cluster = Identity {
            system_id: 1,
            database: "atende".into(),
        };
        let other_database = Identity {
            system_id: identity().system_id,
            database: "atende_staging".into(),
        };
        let answer = |identity: Identity| {
            Ok(Standby {
                identity,
                in_recovery: true,
                replayed: Some(1),
                replay_age: Some(0.0),
            })
        };
        for other in [other_cluster.clone(), other_database] {
            let v = judge(&mut memory, at(t0, 1), answer(other), t0);
            assert!(
                matches!(&v, Verdict::Unusable(r) if r.contains("another cluster")),
                "{v:?}"
            );
        }
        // The primary's identity is remembered for a measurement that could not ask it.
        let v = judge(&mut memory, None, answer(other_cluster), t0);
        assert!(matches!(v, Verdict::Unusable(_)), "{v:?}");
        assert_eq!(
            judge(&mut memory, at(t0, 1), answer(identity()), t0),
            Verdict::Fresh { as_of: t0 }
        );
    }
}
