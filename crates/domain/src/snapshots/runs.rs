//! Reserving an analysis before the analyzer runs, so that no database connection is held while
//! it does: the rules (budget, one analysis per patient at a time, a per-clinic concurrency cap,
//! a daily quota on the server's key) are checked and the reservation taken in one short
//! transaction; the result is stored (or the reservation released) in another.

use crate::snapshots::Snapshot;
use chrono::{DateTime, Duration, Utc};

/// A reserved analysis (a row of `snapshot_runs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotRunId(pub uuid::Uuid);

impl SnapshotRunId {
    /// A new id (UUID v7).
    #[must_use]
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }
}

impl Default for SnapshotRunId {
    fn default() -> Self {
        Self::new()
    }
}

/// The rules a reservation is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationRules {
    /// Now, from the caller's clock (the budget is measured from it).
    pub now: DateTime<Utc>,
    /// At most one snapshot per patient within this interval.
    pub min_interval: Duration,
    /// At most this many analyses of the clinic run at once.
    pub max_concurrent: u32,
    /// When the analysis uses the server's key: at most this many such analyses per clinic in
    /// 24 hours (running or made).
    pub server_key_quota: Option<u32>,
    /// A reservation whose process died is given up after this long.
    pub lease: Duration,
}

/// What the store found, under the clinic's lock, when asked for a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationFacts {
    /// The patient's newest snapshot.
    pub latest: Option<Snapshot>,
    /// The patient's analysis already running, if any.
    pub in_flight: Option<SnapshotRunId>,
    /// The clinic's analyses running now.
    pub running: u32,
    /// The clinic's analyses on the server's key in the last 24 hours (running or made).
    pub server_key_used: u32,
    /// When the oldest of those started (the quota frees one slot 24 hours after it).
    pub server_key_oldest: Option<DateTime<Utc>>,
}

/// What asking for a reservation came to.
#[allow(clippy::large_enum_variant)] // one value per call; boxing would only add an allocation
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The budget is spent: the patient's latest snapshot (nothing reserved).
    Reuse(Snapshot),
    /// The patient's analysis is already running (nothing reserved).
    InFlight(SnapshotRunId),
    /// The clinic has `max_concurrent` analyses running (nothing reserved).
    Busy,
    /// The clinic's quota on the server's key is spent until `until` (nothing reserved).
    QuotaSpent {
        /// When one more analysis is allowed.
        until: DateTime<Utc>,
    },
    /// Reserved: run the analyzer, then store the snapshot or release the reservation.
    Reserved(SnapshotRunId),
}

/// The decision over `facts` (taken by the store under the clinic's lock, then the reservation
/// is inserted when it is [`Reservation::Reserved`] with `id`). The order matters: a spent budget
/// is a reuse (never an error), then a running analysis of the patient is joined, then the
/// clinic's capacity and quota are checked.
#[must_use]
pub fn decide(
    id: SnapshotRunId,
    facts: &ReservationFacts,
    rules: &ReservationRules,
) -> Reservation {
    if let Some(latest) = &facts.latest
        && rules.now < latest.created_at + rules.min_interval
    {
        return Reservation::Reuse(latest.clone());
    }
    if let Some(running) = facts.in_flight {
        return Reservation::InFlight(running);
    }
    if facts.running >= rules.max_concurrent {
        return Reservation::Busy;
    }
    if let Some(quota) = rules.server_key_quota
        && facts.server_key_used >= quota
    {
        let until = facts
            .server_key_oldest
            .map_or(rules.now + Duration::hours(24), |t| t + Duration::hours(24));
        return Reservation::QuotaSpent { until };
    }
    Reservation::Reserved(id)
}

/// What storing an analysis came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored.
    Created(Snapshot),
    /// Another snapshot of the patient was made within the budget meanwhile (e.g. after this
    /// reservation expired): that one is kept and this analysis is dropped.
    Reused(Snapshot),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshots::{NewSnapshot, NoShowRisk, SNAPSHOT_SCHEMA_VERSION, Sentiment};
    use crate::snapshots::{SnapshotFlags, SnapshotTrigger};
    use crate::{ClientId, SnapshotId};

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(hours)
    }

    fn snapshot(created_at: DateTime<Utc>) -> Snapshot {
        Snapshot {
            data: NewSnapshot {
                id: SnapshotId(uuid::Uuid::now_v7()),
                client_id: ClientId(uuid::Uuid::now_v7()),
                source_conversation_id: None,
                summary: "s".into(),
                flags: SnapshotFlags {
                    no_show_risk: NoShowRisk::Low,
                    sentiment: Sentiment::Neutral,
                    preferences: vec![],
                    objections: vec![],
                    topics: vec![],
                },
                next_best_action: None,
                evidence: vec![],
                trigger: SnapshotTrigger::Manual,
                requested_by: None,
                analyzer: "heuristic-v1".into(),
                model: None,
                locale: "pt-BR".into(),
                schema_version: SNAPSHOT_SCHEMA_VERSION,
                input_message_count: 0,
                input_from: None,
                input_to: None,
                prompt_tokens: None,
                completion_tokens: None,
                latency_ms: None,
            },
            created_at,
        }
    }

    fn rules(quota: Option<u32>) -> ReservationRules {
        ReservationRules {
            now: at(100),
            min_interval: Duration::hours(12),
            max_concurrent: 2,
            server_key_quota: quota,
            lease: Duration::minutes(5),
        }
    }

    fn facts() -> ReservationFacts {
        ReservationFacts {
            latest: None,
            in_flight: None,
            running: 0,
            server_key_used: 0,
            server_key_oldest: None,
        }
    }

    #[test]
    fn the_budget_then_the_patients_run_then_capacity_then_the_quota() {
        let id = SnapshotRunId::new();
        let other = SnapshotRunId::new();
        assert_eq!(
            decide(id, &facts(), &rules(Some(1))),
            Reservation::Reserved(id)
        );
        let recent = snapshot(at(95));
        let spent = ReservationFacts {
            latest: Some(recent.clone()),
            in_flight: Some(other),
            running: 9,
            server_key_used: 9,
            ..facts()
        };
        assert_eq!(
            decide(id, &spent, &rules(Some(1))),
            Reservation::Reuse(recent),
            "a spent budget wins over everything"
        );
        let old = ReservationFacts {
            latest: Some(snapshot(at(80))),
            ..spent.clone()
        };
        assert_eq!(
            decide(id, &old, &rules(Some(1))),
            Reservation::InFlight(other)
        );
        let busy = ReservationFacts {
            in_flight: None,
            running: 2,
            ..old.clone()
        };
        assert_eq!(decide(id, &busy, &rules(None)), Reservation::Busy);
        let quota = ReservationFacts {
            running: 1,
            server_key_used: 3,
            server_key_oldest: Some(at(90)),
            ..busy
        };
        assert_eq!(
            decide(id, &quota, &rules(Some(3))),
            Reservation::QuotaSpent { until: at(114) }
        );
        assert_eq!(
            decide(id, &quota, &rules(Some(4))),
            Reservation::Reserved(id)
        );
        assert_eq!(
            decide(id, &quota, &rules(None)),
            Reservation::Reserved(id),
            "no quota without the server's key"
        );
    }
}
