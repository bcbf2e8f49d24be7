//! Reservations of analyses (`snapshot_runs`): taken and checked in one short transaction,
//! settled in another, so no connection is held while an analyzer runs.

use crate::prepared::Prepare;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Interval, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::snapshots::{
    NewSnapshot, Reservation, ReservationFacts, ReservationRules, SnapshotRunId, Stored, decide,
};
use domain::{ClientId, CompanyId};
use uuid::Uuid;

use super::store::{insert_in, latest_in};

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    in_flight: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    running: i64,
    #[diesel(sql_type = BigInt)]
    server_key_used: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    server_key_oldest: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct Running {
    #[diesel(sql_type = Bool)]
    running: bool,
}

fn interval(d: chrono::Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(d.num_microseconds().unwrap_or(i64::MAX))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The advisory lock key of a clinic's reservations.
fn clinic_key(company: CompanyId) -> String {
    format!("snapshot-clinic:{}", company.0)
}

/// Takes a transaction-level advisory lock on `key` (held for the few statements of the
/// transaction only).
async fn lock(conn: &mut AsyncPgConnection, key: String) -> anyhow::Result<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(key)
        .prepared()
        .execute(conn)
        .await?;
    Ok(())
}

/// See [`domain::ports::snapshots::SnapshotStore::reserve`].
pub(super) async fn reserve(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: ClientId,
    run: SnapshotRunId,
    server_key: bool,
    rules: ReservationRules,
) -> anyhow::Result<Reservation> {
    // One reservation (or completion) at a time per clinic: what is read below is then
    // consistent, and the counts are taken and spent atomically.
    lock(conn, clinic_key(company)).await?;
    diesel::sql_query(
        "UPDATE snapshot_runs SET status = 'expired', finished_at = now()
          WHERE company_id = $1 AND status = 'running' AND expires_at < now()",
    )
    .bind::<SqlUuid, _>(company.0)
    .prepared()
    .execute(conn)
    .await?;
    // Finished reservations are kept two days (the quota looks back one).
    diesel::sql_query(
        "DELETE FROM snapshot_runs
          WHERE company_id = $1 AND status <> 'running' AND started_at < now() - interval '2 days'",
    )
    .bind::<SqlUuid, _>(company.0)
    .prepared()
    .execute(conn)
    .await?;
    let latest = latest_in(conn, company, client).await?;
    let counts: Counts = diesel::sql_query(
        "SELECT (SELECT id FROM snapshot_runs
                  WHERE company_id = $1 AND client_id = $2 AND status = 'running') AS in_flight,
                count(*) FILTER (WHERE status = 'running') AS running,
                count(*) FILTER (WHERE server_key AND status IN ('running', 'done')
                                   AND started_at > now() - interval '24 hours') AS server_key_used,
                min(started_at) FILTER (WHERE server_key AND status IN ('running', 'done')
                                          AND started_at > now() - interval '24 hours') AS server_key_oldest
           FROM snapshot_runs
          WHERE company_id = $1 AND (status = 'running' OR started_at > now() - interval '24 hours')",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(client.0)
    .prepared()
    .get_result(conn)
    .await?;
    let facts = ReservationFacts {
        latest,
        in_flight: counts.in_flight.map(SnapshotRunId),
        running: count(counts.running),
        server_key_used: count(counts.server_key_used),
        server_key_oldest: counts.server_key_oldest,
    };
    let decision = decide(run, &facts, &rules);
    if decision == Reservation::Reserved(run) {
        diesel::sql_query(
            "INSERT INTO snapshot_runs (id, company_id, client_id, server_key, expires_at)
             VALUES ($1, $2, $3, $4, now() + $5)",
        )
        .bind::<SqlUuid, _>(run.0)
        .bind::<SqlUuid, _>(company.0)
        .bind::<SqlUuid, _>(client.0)
        .bind::<Bool, _>(server_key)
        .bind::<Interval, _>(interval(rules.lease))
        .prepared()
        .execute(conn)
        .await?;
    }
    Ok(decision)
}

/// Marks the reservation ended (`done` or `failed`) if it is still running.
async fn close(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    run: SnapshotRunId,
    status: &'static str,
) -> anyhow::Result<()> {
    diesel::sql_query(
        "UPDATE snapshot_runs SET status = $3, finished_at = now()
          WHERE company_id = $1 AND id = $2 AND status = 'running'",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(run.0)
    .bind::<Text, _>(status)
    .prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// See [`domain::ports::snapshots::SnapshotStore::complete`].
pub(super) async fn complete(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    run: SnapshotRunId,
    snapshot: NewSnapshot,
    now: DateTime<Utc>,
    min_interval: chrono::Duration,
) -> anyhow::Result<Stored> {
    let client = snapshot.client_id;
    // Under the clinic's lock, like reservations: a reservation then never sees this
    // reservation closed without also seeing its snapshot, and the budget re-check holds.
    lock(conn, clinic_key(company)).await?;
    let stored = match latest_in(conn, company, client).await? {
        Some(latest) if now < latest.created_at + min_interval => Stored::Reused(latest),
        _ => Stored::Created(insert_in(conn, company, snapshot).await?),
    };
    close(conn, company, run, "done").await?;
    Ok(stored)
}

/// See [`domain::ports::snapshots::SnapshotStore::release`].
pub(super) async fn release(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    run: SnapshotRunId,
) -> anyhow::Result<()> {
    lock(conn, clinic_key(company)).await?;
    close(conn, company, run, "failed").await
}

/// Whether the reservation is still running (and not past its lease).
pub(super) async fn is_running(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    run: SnapshotRunId,
) -> anyhow::Result<bool> {
    let row: Running = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM snapshot_runs
                         WHERE company_id = $1 AND id = $2 AND status = 'running'
                           AND expires_at >= now()) AS running",
    )
    .bind::<SqlUuid, _>(company.0)
    .bind::<SqlUuid, _>(run.0)
    .prepared()
    .get_result(conn)
    .await?;
    Ok(row.running)
}
