//! Scenarios 3 and 4: clinic A's analyzer is a tarpit with 50 of A's patients queued for
//! analysis, then A's n8n is a tarpit too with `--a-replies` replies queued. Clinic B's reads
//! (the five frontend reads, paced) and B's reply dispatch (from `POST /api/chat/send` to the
//! call reaching B's fake n8n) are measured undisturbed and in each state.

use super::fakes::{FakeN8n, Tarpit};
use super::{A, B, Ctx};
use crate::Clinic;
use crate::reads::{Load, Samples, reads, samples};
use bench::Latencies;
use bench::faults::FaultRow;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds of B's reads in each state.
const READ_SECS: u64 = 10;
/// Concurrent readers of B, each paced.
const READERS: u32 = 8;
/// Replies of B measured in each state.
const REPLIES: usize = 10;
/// The dispatch target (issue 26).
const DISPATCH_TARGET_SECS: f64 = 2.0;

/// Rows and notes of both scenarios.
pub struct Fairness {
    /// The table rows.
    pub rows: Vec<FaultRow>,
    /// Lines for the report.
    pub notes: Vec<String>,
}

struct State {
    reads_p95_ms: f64,
    reads: usize,
    read_errors: u64,
    /// Dispatch latencies of B's replies (`None`: never reached n8n within 30 s).
    replies: Vec<Option<Duration>>,
}

impl State {
    fn worst_reply(&self) -> Option<f64> {
        self.replies
            .iter()
            .map(|d| d.map(|d| d.as_secs_f64()))
            .try_fold(0.0_f64, |m, d| d.map(|d| m.max(d)))
    }
}

async fn b_reads(ctx: &Ctx, clinic: &Arc<Vec<Clinic>>, s: &Arc<Vec<Samples>>) -> (Latencies, u64) {
    let until = Instant::now() + Duration::from_secs(READ_SECS);
    let mut tasks = Vec::new();
    for w in 0..READERS {
        tasks.push(tokio::spawn(reads(
            ctx.http.clone(),
            ctx.base.clone(),
            clinic.clone(),
            s.clone(),
            1000 + w,
            until,
            Load {
                pace: Some(Duration::from_millis(200)),
                only: None,
            },
        )));
    }
    let mut all = Latencies::default();
    let mut errors = 0;
    for t in tasks {
        if let Ok(r) = t.await {
            for l in r.latencies {
                all.merge(l);
            }
            errors += r.errors.values().sum::<u64>();
        }
    }
    (all, errors)
}

async fn b_replies(ctx: &Ctx, fake: &FakeN8n, conversations: &[String]) -> Vec<Option<Duration>> {
    let mut out = Vec::new();
    for k in 0..REPLIES {
        let started = Instant::now();
        let conv = &conversations[k % conversations.len()];
        let Ok(id) = ctx.send_reply(B, conv, &format!("Resposta {k}")).await else {
            out.push(None);
            continue;
        };
        let mut latency = None;
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(at) = fake.first_arrivals().get(&id) {
                latency = Some(at.saturating_duration_since(started));
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        out.push(latency);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    out
}

async fn measure(
    ctx: &Ctx,
    fake: &FakeN8n,
    conversations: &[String],
    clinic: &Arc<Vec<Clinic>>,
    s: &Arc<Vec<Samples>>,
) -> State {
    let ((mut lat, read_errors), replies) =
        tokio::join!(b_reads(ctx, clinic, s), b_replies(ctx, fake, conversations));
    State {
        reads_p95_ms: lat.summary().p95,
        reads: lat.len(),
        read_errors,
        replies,
    }
}

/// Running jobs of clinic A of `kind`.
async fn running(ctx: &Ctx, kind: &str) -> anyhow::Result<i64> {
    Ok(ctx
        .db
        .query_one(
            "SELECT count(*) FROM jobs WHERE company_id = $1::text::uuid AND kind = $2 AND status = 'running'",
            &[&ctx.clinics[A].company_id, &kind],
        )
        .await?
        .get(0))
}

fn secs(d: Option<f64>) -> String {
    d.map_or("never (30 s)".to_owned(), |s| format!("{s:.2} s"))
}

/// Runs both scenarios (the worker must be running).
pub async fn run(
    ctx: &Ctx,
    fake_b: &FakeN8n,
    analyzer: &Tarpit,
    n8n_a: &Tarpit,
) -> anyhow::Result<Fairness> {
    let b_convs = ctx.conversations(B, 5).await?;
    let a_convs = ctx.conversations(A, 20).await?;
    let clinic = Arc::new(vec![ctx.clinics[B].clone()]);
    let s = Arc::new(vec![samples(&ctx.db, &ctx.clinics[B]).await?]);

    eprintln!("chaos: B undisturbed…");
    let calm = measure(ctx, fake_b, &b_convs, &clinic, &s).await;

    eprintln!("chaos: 50 analyses of A on a tarpit…");
    ctx.db
        .batch_execute(&format!(
            "INSERT INTO jobs (company_id, kind, payload, max_attempts)
             SELECT company_id, 'snapshot_client',
                    jsonb_build_object('client_id', id::text, 'local_date', current_date::text), 3
               FROM clients WHERE company_id = '{}' ORDER BY id LIMIT 50;
             SELECT pg_notify('atende_jobs', 'snapshot_client');",
            ctx.clinics[A].company_id
        ))
        .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let analyses_running = running(ctx, "snapshot_client").await?;
    let stuck = measure(ctx, fake_b, &b_convs, &clinic, &s).await;

    eprintln!(
        "chaos: {} replies of A to a tarpit n8n…",
        ctx.args.a_replies
    );
    let queued_at = Instant::now();
    let results: Vec<anyhow::Result<String>> = futures_util::stream::iter(0..ctx.args.a_replies)
        .map(|k| {
            let conv = a_convs[k % a_convs.len()].clone();
            async move { ctx.send_reply(A, &conv, &format!("Lembrete {k}")).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let queue_secs = queued_at.elapsed().as_secs_f64();
    let queued = results.iter().filter(|r| r.is_ok()).count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dispatches_running = running(ctx, "outbound_dispatch").await?;
    let dead = measure(ctx, fake_b, &b_convs, &clinic, &s).await;

    let limit = 2.0 * calm.reads_p95_ms;
    let mut rows = vec![FaultRow::info(
        "B undisturbed",
        &format!(
            "B's reads p95 ({} reads, {READERS} paced clients, {} errors); B's reply dispatch, worst of {REPLIES}",
            calm.reads, calm.read_errors
        ),
        format!("{:.1} ms; {}", calm.reads_p95_ms, secs(calm.worst_reply())),
    )];
    for (scenario, st) in [
        ("A's analyzer a tarpit, 50 analyses queued", &stuck),
        ("… and A's n8n a tarpit, replies queued", &dead),
    ] {
        rows.push(FaultRow::new(
            scenario,
            &format!(
                "B's reads p95 ({} reads, {} errors)",
                st.reads, st.read_errors
            ),
            format!("{:.1} ms", st.reads_p95_ms),
            &format!("≤ 2 × undisturbed ({limit:.1} ms)"),
            st.reads_p95_ms <= limit && st.read_errors == 0,
        ));
        let worst = st.worst_reply();
        rows.push(FaultRow::new(
            scenario,
            &format!("B's reply dispatch (`/api/chat/send` → B's n8n), worst of {REPLIES}"),
            secs(worst),
            "≤ 2 s",
            worst.is_some_and(|w| w <= DISPATCH_TARGET_SECS),
        ));
    }
    let notes = vec![
        format!(
            "A's analyses: {analyses_running} running on the tarpit while B was measured (the analyzer tarpit accepted {} connections).",
            analyzer.accepted()
        ),
        format!(
            "A's replies: {queued} of {} queued in {queue_secs:.1} s; {dispatches_running} of A's dispatches running (hung on the tarpit, which accepted {} connections) while B was measured; A's analyses still stuck.",
            ctx.args.a_replies,
            n8n_a.accepted()
        ),
    ];
    Ok(Fairness { rows, notes })
}
