//! Scenario 6: PostgreSQL restarted (`pg_ctl restart -m fast` of the private cluster) during
//! signed relay ingest. Checks that every delivery answered 2xx is stored exactly once, and how
//! long after PostgreSQL is back the server answers again (no restart of the server).

use super::Ctx;
use crate::{db, exactly_once, ingest};
use bench::faults::FaultRow;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SCENARIO: &str = "PostgreSQL restart during ingest";
/// Seconds of ingest, and when the restart starts.
const INGEST_SECS: u64 = 20;
const RESTART_AFTER: Duration = Duration::from_secs(5);
/// Ingest connections.
const CONNECTIONS: u32 = 8;

/// Runs it; its rows.
pub async fn run(ctx: &Ctx) -> anyhow::Result<Vec<FaultRow>> {
    let run_id: Arc<str> = Arc::from(format!("{}r", ctx.run_id).as_str());
    let started = Instant::now();
    let until = started + Duration::from_secs(INGEST_SECS);
    let mut tasks = Vec::new();
    for w in 0..CONNECTIONS {
        tasks.push(tokio::spawn(ingest(
            ctx.http.clone(),
            ctx.base.clone(),
            ctx.clinics.clone(),
            run_id.clone(),
            w,
            started,
            until,
        )));
    }
    // /readyz every 100 ms: when it answers 200 again.
    let http = ctx.http.clone();
    let ready_url = format!("{}/readyz", ctx.base);
    let probe = tokio::spawn(async move {
        let mut seen = Vec::new();
        while Instant::now() < until {
            let ok = http
                .get(&ready_url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            seen.push((Instant::now(), ok));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        seen
    });
    tokio::time::sleep(RESTART_AFTER).await;
    let command = ctx.args.pg_restart.clone();
    let restart_started = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .status()
    })
    .await??;
    let restart_done = Instant::now();
    if !status.success() {
        anyhow::bail!("the restart command failed: {status}");
    }
    let mut accepted = Vec::new();
    let mut answered = Vec::new();
    let mut errors = std::collections::BTreeMap::<String, u64>::new();
    let (mut dup_wrong, mut unexpected) = (0, 0);
    for t in tasks {
        let r = t.await?;
        accepted.extend(r.accepted);
        answered.extend(r.answered);
        dup_wrong += r.duplicates_wrong;
        unexpected += r.unexpected_duplicate;
        for (k, v) in r.errors {
            *errors.entry(k).or_default() += v;
        }
    }
    let readiness = probe.await?;
    let first_ok = answered
        .iter()
        .map(|(_, _, at)| *at)
        .filter(|at| *at >= restart_done)
        .min();
    let ready_again = readiness
        .iter()
        .find(|(at, ok)| *at >= restart_done && *ok)
        .map(|(at, _)| *at);
    let not_ready = readiness.iter().filter(|(_, ok)| !ok).count();
    // The driver's own connection went down with the server: a new one.
    let database = db(&ctx.args.database_url).await?;
    let check = exactly_once(&database, &ctx.clinics, &run_id, &accepted).await?;
    let once = check.lost == 0
        && check.duplicated == 0
        && check.wrong_id == 0
        && dup_wrong == 0
        && unexpected == 0
        && check.stored_once == check.accepted;
    let served = first_ok.map(|at| at.duration_since(restart_done).as_secs_f64());
    let error_total: u64 = errors.values().sum();
    Ok(vec![
        FaultRow::new(
            SCENARIO,
            &format!(
                "deliveries answered 2xx stored exactly once ({} lost, {} duplicated, {} with another id; {} stored without a 2xx; {error_total} failed requests: {errors:?})",
                check.lost, check.duplicated, check.wrong_id, check.stored_unacknowledged
            ),
            format!("{} of {}", check.stored_once, check.accepted),
            "all",
            once,
        ),
        FaultRow::new(
            SCENARIO,
            &format!(
                "first 2xx after PostgreSQL was back (`pg_ctl restart` took {:.1} s; /readyz 200 again after {}; {not_ready} probes not ready)",
                restart_done.duration_since(restart_started).as_secs_f64(),
                ready_again.map_or("never".to_owned(), |at| format!(
                    "{:.2} s",
                    at.duration_since(restart_done).as_secs_f64()
                ))
            ),
            served.map_or("never".to_owned(), |s| format!("{s:.2} s")),
            "≤ 10 s, no server restart",
            served.is_some_and(|s| s <= 10.0),
        ),
    ])
}
