//! Scenario 5: `kill -9` of `atende worker` while it dispatches clinic C's replies (to a fake n8n
//! answering in 300 ms) and runs analyses (A's, hung on the tarpit, and C's), then a restart.
//! Checks: every reply ends `sent` once with the provider id of its key, every n8n call of a
//! reply carried the reply's `Idempotency-Key`, and every job the dead worker held is released
//! (taken over, finished or failed) within its lease plus one renewal period.

use super::fakes::FakeN8n;
use super::{Ctx, Worker};
use bench::faults::FaultRow;
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const SCENARIO: &str = "kill -9 of the worker";
/// Replies of clinic C queued before the kill.
const REPLIES: usize = 300;

/// Runs it; the rows and the restarted worker.
pub async fn run(
    ctx: &Ctx,
    worker: Worker,
    fake: &FakeN8n,
) -> anyhow::Result<(Vec<FaultRow>, Worker)> {
    let c = ctx.c();
    let company = ctx.clinics[c].company_id.clone();
    let convs = ctx.conversations(c, 10).await?;
    let ids: Vec<String> = futures_util::stream::iter(0..REPLIES)
        .map(|k| {
            let conv = convs[k % convs.len()].clone();
            async move { ctx.send_reply(c, &conv, &format!("Confirmação {k}")).await }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    ctx.db
        .batch_execute(&format!(
            "INSERT INTO jobs (company_id, kind, payload, max_attempts)
             SELECT company_id, 'snapshot_client',
                    jsonb_build_object('client_id', id::text, 'local_date', current_date::text), 3
               FROM clients WHERE company_id = '{company}' ORDER BY id LIMIT 20;
             SELECT pg_notify('atende_jobs', 'snapshot_client');"
        ))
        .await?;
    // Kill once dispatch is under way.
    let waiting = Instant::now();
    while fake.calls().len() < 20 && waiting.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let held: Vec<(String, String, String)> = ctx
        .db
        .query(
            "SELECT id::text, kind, locked_by FROM jobs WHERE status = 'running' AND locked_by IS NOT NULL",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let calls_before = fake.calls().len();
    let killed_at = Instant::now();
    worker.kill9()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarted = Worker::spawn(&ctx.args)?;

    // When each held job stopped being held by the dead worker.
    let lease = ctx.args.lease_secs;
    let mut released: HashMap<String, Duration> = HashMap::new();
    let dead: HashSet<String> = held.iter().map(|(_, _, w)| w.clone()).collect();
    let dead: Vec<String> = dead.into_iter().collect();
    while released.len() < held.len() && killed_at.elapsed() < Duration::from_secs(lease * 3 + 30) {
        let still: HashSet<String> = ctx
            .db
            .query(
                "SELECT id::text FROM jobs WHERE status = 'running' AND locked_by = ANY($1)",
                &[&dead],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (id, _, _) in &held {
            if !still.contains(id) {
                released
                    .entry(id.clone())
                    .or_insert_with(|| killed_at.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let never = held.len() - released.len();
    let slowest = released.values().max().copied().unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let bound = lease as f64 * 4.0 / 3.0;

    // Every reply out of the queue.
    let waiting = Instant::now();
    loop {
        let queued: i64 = ctx
            .db
            .query_one(
                "SELECT count(*) FROM interactions WHERE company_id = $1::text::uuid
                   AND id = ANY($2::text[]::uuid[]) AND status = 'queued'",
                &[&company, &ids],
            )
            .await?
            .get(0);
        if queued == 0 || waiting.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let rows = ctx
        .db
        .query(
            "SELECT id::text, status, coalesce(external_id, ''), sent_at IS NOT NULL FROM interactions
              WHERE company_id = $1::text::uuid AND id = ANY($2::text[]::uuid[])",
            &[&company, &ids],
        )
        .await?;
    let mut sent_once = 0;
    let mut other: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let (id, status, external, has_sent_at): (String, String, String, bool) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        if status == "sent" && has_sent_at && external == format!("wamid.fake-{id}") {
            sent_once += 1;
        } else {
            *other.entry(format!("{status} {external}")).or_default() += 1;
        }
    }
    let calls = fake.calls();
    let ours: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut per_reply: HashMap<&str, usize> = HashMap::new();
    let mut wrong_key = 0;
    for call in calls
        .iter()
        .filter(|k| ours.contains(k.interaction_id.as_str()))
    {
        *per_reply.entry(call.interaction_id.as_str()).or_default() += 1;
        if call.key != call.interaction_id {
            wrong_key += 1;
        }
    }
    let repeated = per_reply.values().filter(|n| **n > 1).count();
    let n8n_calls: usize = per_reply.values().sum();
    let overdue: i64 = ctx
        .db
        .query_one(
            "SELECT count(*) FROM jobs WHERE status = 'running' AND locked_until < now()",
            &[],
        )
        .await?
        .get(0);
    let kinds: HashMap<&str, usize> = held.iter().fold(HashMap::new(), |mut m, (_, k, _)| {
        *m.entry(k.as_str()).or_default() += 1;
        m
    });
    let out = vec![
        FaultRow::new(
            SCENARIO,
            &format!(
                "replies `sent` exactly once with their provider id ({} rows; killed after {calls_before} n8n calls; others: {other:?})",
                rows.len()
            ),
            format!("{sent_once} of {REPLIES}"),
            "all",
            sent_once == REPLIES && rows.len() == REPLIES,
        ),
        FaultRow::new(
            SCENARIO,
            &format!(
                "n8n calls carrying another `Idempotency-Key` than the reply's ({n8n_calls} calls; {repeated} replies called twice, each with its key)"
            ),
            wrong_key.to_string(),
            "0",
            wrong_key == 0 && n8n_calls >= REPLIES,
        ),
        FaultRow::new(
            SCENARIO,
            &format!(
                "jobs the dead worker held ({} : {kinds:?}) released after the kill, slowest ({never} never)",
                held.len()
            ),
            format!("{:.1} s", slowest.as_secs_f64()),
            &format!("≤ lease + renewal ({bound:.0} s)"),
            never == 0 && slowest.as_secs_f64() <= bound,
        ),
        FaultRow::new(
            SCENARIO,
            "jobs `running` past their lease at the end",
            overdue.to_string(),
            "0",
            overdue == 0,
        ),
    ];
    Ok((out, restarted))
}
