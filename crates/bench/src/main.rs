//! `atende-bench`: the load generator of `just bench` (issue 11). Against a server seeded with
//! `atende seed --scale`, it measures signed relay ingest (and checks every accepted message is
//! stored exactly once), runs the same database work as a plain SQL transaction under pgbench,
//! measures five frontend reads at 64 concurrent clients and reads the server's peak RSS, then
//! prints one markdown table (and writes the whole report to `--out`).
//!
//! `atende-bench chaos …` is the fault and abuse suite of `just chaos` (issue 26; `chaos/`).

mod chaos;
mod limits;
mod load;
mod pgbench;
mod reads;
mod reports;
mod search;

use anyhow::{Context, bail};
use bench::{
    Kind, Latencies, Rng, Row, Summary, new_lead_digits, parse_vm_hwm_kb, pick_kind, relay_body,
    render_table, seeded_digits, sign,
};
use clap::Parser;
use reads::{ENDPOINTS, pin, read_pass, samples};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod streams;

/// Load generator of `just bench` (issue 11).
#[derive(Debug, Clone, Parser)]
#[command(name = "atende-bench", about)]
struct Args {
    /// The credentials printed by `atende seed --scale`.
    #[arg(long)]
    creds: PathBuf,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// The scratch database (owner connection): samples, the exactly-once check, pgbench.
    #[arg(long)]
    database_url: String,
    /// Seconds of ingest (and of pgbench).
    #[arg(long, default_value_t = 25)]
    ingest_secs: u64,
    /// Seconds of ingest before the measured window (pools and caches warm up; its messages are
    /// still checked exactly once).
    #[arg(long, default_value_t = 3)]
    warmup_secs: u64,
    /// Concurrent connections of the ingest and of pgbench.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of reads.
    #[arg(long, default_value_t = 20)]
    read_secs: u64,
    /// Concurrent clients of the reads.
    #[arg(long, default_value_t = 64)]
    read_concurrency: usize,
    /// Seconds of the 90-day report requests (`reports.rs`).
    #[arg(long, default_value_t = 10)]
    report_secs: u64,
    /// Concurrent clients of the report requests (one: the latency an admin sees; reports are
    /// occasional, not a stream).
    #[arg(long, default_value_t = 1)]
    report_concurrency: usize,
    /// The pgbench binary.
    #[arg(long, default_value = "pgbench")]
    pgbench: String,
    /// The pgbench script (the inbound transaction as plain SQL).
    #[arg(long, default_value = "scripts/bench/ingest.sql")]
    pgbench_script: PathBuf,
    /// Seconds of each read route alone and of its pgbench limit (`limits.rs`; 0 skips them).
    #[arg(long, default_value_t = 10)]
    limit_secs: u64,
    /// The folder of the read routes' pgbench scripts.
    #[arg(long, default_value = "scripts/bench/reads")]
    reads_dir: PathBuf,
    /// Where earlier reports are kept (the comparison with the previous run).
    #[arg(long, default_value = "bench/results")]
    results_dir: PathBuf,
    /// Skip the pgbench baseline.
    #[arg(long)]
    skip_pgbench: bool,
    /// The server's process id (peak RSS from /proc/PID/status).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the report here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The commit measured (for the report).
    #[arg(long, default_value = "unknown")]
    commit: String,
    /// Free text about the machine and the run, printed in the report.
    #[arg(long, default_value = "")]
    note: String,
    /// Live event streams held open across the clinics during a second ingest (0: skip).
    #[arg(long, default_value_t = 1000)]
    streams: usize,
}

#[derive(Debug, Clone)]
struct Clinic {
    number: u32,
    company_id: String,
    account_id: String,
    secret: String,
    token: String,
    clients: u32,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = if std::env::args().nth(1).as_deref() == Some("chaos") {
        // `atende-bench chaos --…`: the suite's own arguments ("chaos" stands as the name).
        chaos::run(chaos::ChaosArgs::parse_from(std::env::args().skip(1))).await
    } else {
        run(Args::parse()).await
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(3),
        Err(e) => {
            eprintln!("atende-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn load_clinics(path: &PathBuf) -> anyhow::Result<Vec<Clinic>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).context("parsing the credentials")?;
    let clients = v["size"]["clients_per_clinic"]
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .context("size.clients_per_clinic")?;
    let list = v["clinics"].as_array().context("clinics")?;
    let mut out = Vec::new();
    for c in list {
        let s = |k: &str| {
            c[k].as_str()
                .map(str::to_owned)
                .with_context(|| format!("clinics[].{k}"))
        };
        out.push(Clinic {
            number: c["number"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .context("clinics[].number")?,
            company_id: s("company_id")?,
            account_id: s("account_id")?,
            secret: s("webhook_secret")?,
            token: s("api_token")?,
            clients,
        });
    }
    if out.is_empty() {
        bail!("the credentials name no clinic");
    }
    Ok(out)
}

async fn db(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    // The URL's sslmode/sslrootcert apply, as for the server (rustls, infra_postgres::connect).
    let spec = infra_postgres::connect::ConnectSpec::parse(url)?;
    let tls = spec.tls()?;
    let (client, conn) = spec
        .connect_raw(&tls)
        .await
        .context("connecting to the database")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The tables the ingest and pgbench wrote, vacuumed before the reads when the server runs without
/// autovacuum (some development and CI servers turn it off). In production autovacuum keeps their
/// visibility maps current (`conversation_threads` after 1 % of its rows changed, migration
/// 0010); without it the read pass would measure index-only scans turned into heap fetches by a
/// maintenance setting no production server has. Returns the report's line about it.
async fn stand_in_for_autovacuum(db: &tokio_postgres::Client) -> anyhow::Result<String> {
    let on: String = db.query_one("SHOW autovacuum", &[]).await?.get(0);
    if on == "on" {
        return Ok("Autovacuum: on (the server's own).".to_owned());
    }
    eprintln!("autovacuum is off on this server: vacuuming the written tables before the reads…");
    let started = Instant::now();
    db.batch_execute(
        "VACUUM (ANALYZE) conversation_threads, interactions, clients, client_identities",
    )
    .await
    .context("vacuuming the written tables")?;
    Ok(format!(
        "Autovacuum: off on this server, so before the reads the bench ran what it would have \
         done after the writes: `VACUUM (ANALYZE)` of conversation_threads, interactions, clients \
         and client_identities ({:.1} s).",
        started.elapsed().as_secs_f64()
    ))
}

#[derive(Debug, Default)]
struct IngestResult {
    latencies: Latencies,
    sent: u64,
    /// Successful answers to requests sent in the measured window.
    measured_ok: u64,
    accepted: Vec<(usize, String, String)>,
    /// New messages accepted in the measured window: clinic, message id, when the 2xx arrived.
    answered: Vec<(usize, String, Instant)>,
    duplicates_ok: u64,
    duplicates_wrong: u64,
    unexpected_duplicate: u64,
    errors: BTreeMap<String, u64>,
}

async fn ingest(
    http: reqwest::Client,
    base: Arc<str>,
    clinics: Arc<Vec<Clinic>>,
    run_id: Arc<str>,
    worker: u32,
    measure_from: Instant,
    until: Instant,
) -> IngestResult {
    let mut rng = Rng::new(0x5EED_0000 + u64::from(worker) * 7_919);
    let mut out = IngestResult::default();
    // The worker's recent accepted messages: (clinic, body, message id, interaction id).
    let mut recent: Vec<(usize, String, String, String)> = Vec::new();
    let url = format!("{base}/webhooks/whatsapp");
    let mut seq: u32 = 0;
    while Instant::now() < until {
        let kind = match pick_kind(rng.below(100)) {
            Kind::Duplicate if recent.is_empty() => Kind::Existing,
            k => k,
        };
        let now = chrono::Utc::now().timestamp();
        let (ci, body, msg_id, original) = match kind {
            Kind::Duplicate => {
                let i = usize::try_from(rng.below(recent.len() as u64)).unwrap_or(0);
                let (ci, body, id, interaction) = recent[i].clone();
                (ci, body, id, Some(interaction))
            }
            Kind::Existing | Kind::NewLead => {
                seq += 1;
                let ci = usize::try_from(rng.below(clinics.len() as u64)).unwrap_or(0);
                let c = &clinics[ci];
                let from = if kind == Kind::Existing {
                    let n = u32::try_from(rng.below(u64::from(c.clients))).unwrap_or(0) + 1;
                    seeded_digits(c.number, n)
                } else {
                    new_lead_digits(worker, seq)
                };
                let id = format!("bench-{run_id}-{worker}-{seq}");
                let text = TEXTS[usize::try_from(rng.below(TEXTS.len() as u64)).unwrap_or(0)];
                let name = (kind == Kind::NewLead).then_some("Novo Contato");
                (
                    ci,
                    relay_body(&clinics[ci].account_id, &id, &from, name, text, now),
                    id,
                    None,
                )
            }
        };
        let signature = sign(clinics[ci].secret.as_bytes(), now, body.as_bytes());
        let started = Instant::now();
        let resp = http
            .post(&url)
            .header("content-type", "application/json")
            .header("X-Atende-Signature", signature)
            .body(body.clone())
            .send()
            .await;
        let answer = match resp {
            Ok(r) => {
                let status = r.status();
                match r.text().await {
                    Ok(t) if status.is_success() => Ok(t),
                    Ok(t) => Err(format!("{status} {}", problem_code(&t))),
                    Err(e) => Err(format!("body: {}", short(&e.to_string()))),
                }
            }
            Err(e) => Err(format!("send: {}", short(&e.to_string()))),
        };
        let measured = started >= measure_from;
        if measured {
            out.latencies.push(started.elapsed());
            out.sent += 1;
        }
        let text = match answer {
            Ok(t) if measured => {
                out.measured_ok += 1;
                t
            }
            Ok(t) => t,
            Err(e) => {
                *out.errors.entry(e).or_default() += 1;
                continue;
            }
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let r = &v["results"][0];
        let duplicate = r["duplicate"].as_bool();
        let interaction = r["interaction_id"].as_str().unwrap_or_default().to_owned();
        match (original, duplicate) {
            (Some(first), Some(true)) if first == interaction => out.duplicates_ok += 1,
            (Some(_), _) => out.duplicates_wrong += 1,
            (None, Some(false)) => {
                if measured {
                    out.answered.push((ci, msg_id.clone(), Instant::now()));
                }
                out.accepted.push((ci, msg_id.clone(), interaction.clone()));
                if recent.len() < 64 {
                    recent.push((ci, body, msg_id, interaction));
                } else {
                    let i = usize::try_from(rng.below(64)).unwrap_or(0);
                    recent[i] = (ci, body, msg_id, interaction);
                }
            }
            (None, _) => out.unexpected_duplicate += 1,
        }
    }
    out
}

const TEXTS: [&str; 6] = [
    "Olá, quero marcar uma avaliação",
    "Bom dia! Tem horário amanhã?",
    "Qual o valor da limpeza de pele?",
    "Posso remarcar para sexta?",
    "Obrigada, até amanhã!",
    "Vocês aceitam Pix?",
];

fn problem_code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

#[derive(Debug, Default)]
struct Check {
    accepted: usize,
    stored_once: usize,
    lost: usize,
    duplicated: usize,
    wrong_id: usize,
    stored_unacknowledged: usize,
}

async fn exactly_once(
    db: &tokio_postgres::Client,
    clinics: &[Clinic],
    run_id: &str,
    accepted: &[(usize, String, String)],
) -> anyhow::Result<Check> {
    let mut check = Check {
        accepted: accepted.len(),
        ..Check::default()
    };
    let pattern = format!("bench-{run_id}-%");
    for (ci, c) in clinics.iter().enumerate() {
        pin(db, &c.company_id).await?;
        let rows = db
            .query(
                "SELECT external_id, count(*), min(id::text) FROM interactions
                  WHERE company_id = $1::text::uuid AND channel = 'whatsapp' AND external_id LIKE $2
                  GROUP BY external_id",
                &[&c.company_id, &pattern],
            )
            .await?;
        let mut stored: HashMap<String, (i64, String)> = rows
            .iter()
            .filter_map(|r| Some((r.try_get(0).ok()?, (r.try_get(1).ok()?, r.try_get(2).ok()?))))
            .collect();
        for (_, id, interaction) in accepted.iter().filter(|(i, _, _)| *i == ci) {
            match stored.remove(id) {
                None => check.lost += 1,
                Some((n, _)) if n > 1 => check.duplicated += 1,
                Some((_, stored_id)) if &stored_id != interaction => check.wrong_id += 1,
                Some(_) => check.stored_once += 1,
            }
        }
        check.stored_unacknowledged += stored.len();
    }
    Ok(check)
}

fn rate(n: usize, secs: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    if secs > 0.0 { n / secs } else { 0.0 }
}

#[allow(clippy::too_many_lines)]
/// The stream rows' measurements.
struct LivePhase {
    opened: usize,
    failed_to_open: Vec<String>,
    ingest: IngestResult,
    ingest_rate: f64,
    delivery: streams::Delivery,
    repeated: u64,
    rss_with_streams_kb: Option<u64>,
    check: Check,
}

/// Opens `args.streams` event streams (spread over the clinics with their API tokens; one per
/// clinic parses and times every event, the rest only drain them), runs the ingest again with
/// them open, and matches every accepted message against its clinic's measuring stream.
async fn stream_phase(
    args: &Args,
    http: &reqwest::Client,
    base: &Arc<str>,
    clinics: &Arc<Vec<Clinic>>,
    run_id: &Arc<str>,
    database: &tokio_postgres::Client,
) -> anyhow::Result<LivePhase> {
    eprintln!("streams: opening {} event streams…", args.streams);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stream_http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut open = Vec::new();
    let mut failed_to_open = Vec::new();
    for batch in (0..args.streams).collect::<Vec<_>>().chunks(50) {
        let mut pending = Vec::new();
        for &i in batch {
            let clinic = i % clinics.len();
            pending.push(streams::open(
                &stream_http,
                base,
                &clinics[clinic].token,
                clinic,
                i < clinics.len(),
                stopped.clone(),
            ));
        }
        for r in futures_util::future::join_all(pending).await {
            match r {
                Ok(s) => open.push(s),
                Err(e) => failed_to_open.push(format!("{e:#}")),
            }
        }
    }
    eprintln!(
        "streams: {} open ({} failed); ingest again for {} s…",
        open.len(),
        failed_to_open.len(),
        args.ingest_secs
    );
    let live_run: Arc<str> = Arc::from(format!("{run_id}s").as_str());
    let (ingest, ingest_rate) = ingest_phase(args, http, base, clinics, &live_run).await?;
    // Events of the last deliveries are still on their way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_with_streams_kb = args.server_pid.and_then(streams::rss_kb);
    let _ = stop.send(true);
    let opened = open.len();
    let mut measuring = HashMap::new();
    let mut repeated = 0;
    for s in open {
        let (clinic, is_measuring) = (s.clinic, s.measuring);
        let seen = s.finish().await?;
        repeated += seen.repeated;
        if is_measuring {
            measuring.insert(clinic, Arc::new(seen));
        }
    }
    let delivery = streams::delivery(&ingest.answered, &measuring);
    let check = exactly_once(database, clinics, &live_run, &ingest.accepted).await?;
    Ok(LivePhase {
        opened,
        failed_to_open,
        ingest,
        ingest_rate,
        delivery,
        repeated,
        rss_with_streams_kb,
        check,
    })
}

/// Runs the signed ingest for `args.ingest_secs` (after the warm-up); returns what it saw and the
/// measured rate of accepted deliveries.
async fn ingest_phase(
    args: &Args,
    http: &reqwest::Client,
    base: &Arc<str>,
    clinics: &Arc<Vec<Clinic>>,
    run_id: &Arc<str>,
) -> anyhow::Result<(IngestResult, f64)> {
    let measure_from = Instant::now() + Duration::from_secs(args.warmup_secs);
    let until = measure_from + Duration::from_secs(args.ingest_secs);
    let mut tasks = Vec::new();
    for w in 0..args.concurrency {
        tasks.push(tokio::spawn(ingest(
            http.clone(),
            base.clone(),
            clinics.clone(),
            run_id.clone(),
            u32::try_from(w).unwrap_or(0),
            measure_from,
            until,
        )));
    }
    let mut ing = IngestResult::default();
    for t in tasks {
        let r = t.await?;
        ing.latencies.merge(r.latencies);
        ing.sent += r.sent;
        ing.measured_ok += r.measured_ok;
        ing.accepted.extend(r.accepted);
        ing.answered.extend(r.answered);
        ing.duplicates_ok += r.duplicates_ok;
        ing.duplicates_wrong += r.duplicates_wrong;
        ing.unexpected_duplicate += r.unexpected_duplicate;
        for (k, v) in r.errors {
            *ing.errors.entry(k).or_default() += v;
        }
    }
    // Requests still in flight at the end finish after `until`; the window is what was measured.
    let ingest_secs = Instant::now().duration_since(measure_from).as_secs_f64();
    let ingest_rate = rate(usize::try_from(ing.measured_ok).unwrap_or(0), ingest_secs);
    Ok((ing, ingest_rate))
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let clinics = Arc::new(load_clinics(&args.creds)?);
    let base: Arc<str> = Arc::from(args.base_url.trim_end_matches('/'));
    let database = db(&args.database_url).await?;
    let started_at = chrono::Utc::now();
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);

    eprintln!("sampling ids of {} clinic(s)…", clinics.len());
    let mut all_samples = Vec::new();
    for c in clinics.iter() {
        all_samples.push(samples(&database, c).await?);
    }
    let all_samples = Arc::new(all_samples);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.read_concurrency.max(args.concurrency) * 2)
        .timeout(Duration::from_secs(30))
        .build()?;

    // --- ingest
    let run_id: Arc<str> = Arc::from(format!("{:x}", started_at.timestamp()).as_str());
    eprintln!(
        "ingest: {} connections for {} s (after {} s of warm-up)…",
        args.concurrency, args.ingest_secs, args.warmup_secs
    );
    let (mut ing, ingest_rate) = ingest_phase(&args, &http, &base, &clinics, &run_id).await?;
    let ingest_summary = ing.latencies.summary();

    eprintln!("exactly-once check…");
    let check = exactly_once(&database, &clinics, &run_id, &ing.accepted).await?;
    let exactly_once_ok = check.lost == 0
        && check.duplicated == 0
        && check.wrong_id == 0
        && ing.duplicates_wrong == 0
        && ing.unexpected_duplicate == 0
        && check.stored_once == check.accepted;

    // --- pgbench
    let pg = if args.skip_pgbench {
        None
    } else {
        eprintln!(
            "pgbench: the same transaction, {} connections for {} s…",
            args.concurrency, args.ingest_secs
        );
        let run = pgbench::Run {
            pgbench: &args.pgbench,
            database_url: &args.database_url,
            script: &args.pgbench_script,
            clients: args.concurrency,
            secs: args.ingest_secs,
            vars: vec![
                ("clinics", clinics.len().to_string()),
                ("clients", clinics[0].clients.to_string()),
            ],
        };
        Some(tokio::task::block_in_place(|| pgbench::run(&run))?)
    };

    // --- autovacuum's work, when the server has it off
    let vacuum_note = stand_in_for_autovacuum(&database).await?;

    // --- reads: first back to back (the capacity), then paced at half of it (the latency of a
    // busy, not saturated, server: the targets).
    let saturated = read_pass(&args, &http, &base, &clinics, &all_samples, None, None).await?;
    let capacity = rate(
        saturated.latencies.iter().map(Latencies::len).sum(),
        saturated.secs,
    );
    #[allow(clippy::cast_precision_loss)]
    let per_client_rps = (capacity * 0.5 / args.read_concurrency as f64).max(0.1);
    let pace = Duration::from_secs_f64(1.0 / per_client_rps);
    let paced = read_pass(
        &args,
        &http,
        &base,
        &clinics,
        &all_samples,
        Some(pace),
        None,
    )
    .await?;

    // --- each read alone against its limit (issue 24)
    let route_limits = if args.limit_secs > 0 {
        limits::measure(&args, &http, &base, &clinics, &all_samples, &database).await?
    } else {
        Vec::new()
    };
    // --- message search (issue 19 item 8)
    let search_row = search::measure(&http, &base, &args.creds, args.read_secs, 16).await?;

    // --- live streams during a second ingest
    let live = if args.streams > 0 {
        Some(stream_phase(&args, &http, &base, &clinics, &run_id, &database).await?)
    } else {
        None
    };
    // --- the clinic's numbers (issue 21)
    let report_row = reports::measure(
        &http,
        &base,
        &args.creds,
        args.report_secs,
        args.report_concurrency,
    )
    .await?;

    // --- memory
    let rss_kb = args.server_pid.and_then(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .as_deref()
            .and_then(parse_vm_hwm_kb)
    });

    // --- report
    let mut rows = Vec::new();
    rows.push(Row {
        name: format!(
            "ingest: signed relay webhooks, {} connections (80 % clients, 15 % new leads, 5 % re-sends)",
            args.concurrency
        ),
        rate: ingest_rate,
        summary: ingest_summary,
        target: "≥ 90 % of pgbench".into(),
        met: pg.as_ref().map(|p| ingest_rate >= 0.9 * p.tps),
        spread: ing.latencies.spread(),
    });
    let mut pg_summary = Summary {
        count: 0,
        p50: 0.0,
        p95: 0.0,
        p99: 0.0,
        max: 0.0,
    };
    if let Some(p) = &pg {
        let mut l = p.latencies.clone();
        pg_summary = l.summary();
        rows.push(Row {
            name: format!(
                "the limit: the same transaction in plain SQL (pgbench, {} connections)",
                args.concurrency
            ),
            rate: p.tps,
            summary: pg_summary,
            target: String::new(),
            met: None,
            spread: p.latencies.spread(),
        });
    }
    // Paced (issue 24): p95 ≤ 10 ms for inbox and home, ≤ 20 ms for search; p99 ≤ 25 ms for all.
    let p95_targets = [Some(10.0), Some(10.0), Some(20.0), None, None];
    for (pass, label, with_targets) in [
        (&saturated, "back to back", false),
        (&paced, "paced at 50 % of capacity", true),
    ] {
        for (i, name) in ENDPOINTS.iter().enumerate() {
            let mut l = pass.latencies[i].clone();
            let s = l.summary();
            let (target, met) = if with_targets {
                match p95_targets[i] {
                    Some(t) => (
                        format!("p95 ≤ {t:.0} ms, p99 ≤ 25 ms"),
                        Some(s.p95 <= t && s.p99 <= 25.0),
                    ),
                    None => ("p99 ≤ 25 ms".to_owned(), Some(s.p99 <= 25.0)),
                }
            } else {
                (String::new(), None)
            };
            rows.push(Row {
                name: format!("read {name} ({} clients, {label})", args.read_concurrency),
                rate: rate(s.count, pass.secs),
                summary: s,
                target,
                met,
                spread: pass.latencies[i].spread(),
            });
        }
    }
    rows.extend(limits::rows(&route_limits, &args));
    rows.push(search_row);
    if let Some(l) = &live {
        let mut ingest_live = l.ingest.latencies.clone();
        rows.push(Row {
            name: format!(
                "ingest with {} event streams open ({} connections)",
                l.opened, args.concurrency
            ),
            rate: l.ingest_rate,
            summary: ingest_live.summary(),
            target: "≥ 90 % of ingest without streams".into(),
            met: Some(l.ingest_rate >= 0.9 * ingest_rate),
            spread: l.ingest.latencies.spread(),
        });
        let mut latency = l.delivery.latencies.clone();
        let s = latency.summary();
        rows.push(Row {
            name: "event latency: webhook 2xx → `message.created` on a stream of the clinic".into(),
            rate: 0.0,
            summary: s,
            target: "p95 ≤ 100 ms".into(),
            met: Some(s.p95 <= 100.0),
            spread: l.delivery.latencies.spread(),
        });
    }
    rows.push(report_row);
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# atende bench — {} — commit {}\n",
        started_at.format("%Y-%m-%d %H:%M UTC"),
        args.commit
    );
    let _ = writeln!(
        report,
        "Everything on one machine ({cores} cores): the release server, PostgreSQL and this load \
         generator share it. Load average before the run: {}.",
        load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if !args.note.is_empty() {
        let _ = writeln!(report, "{}", args.note);
    }
    let _ = writeln!(report, "{vacuum_note}");
    let _ = writeln!(
        report,
        "Dataset: {} clinics × {} clients (`atende seed --scale`). Ingest and pgbench {} s each at {} \
         connections; reads {} s at {} clients back to back (the capacity: {capacity:.0} req/s), then {} s \
         with each client paced to {per_client_rps:.1} req/s (50 % of the capacity), where the targets apply.\n",
        clinics.len(),
        clinics[0].clients,
        args.ingest_secs,
        args.concurrency,
        args.read_secs,
        args.read_concurrency,
        args.read_secs
    );
    report.push_str(&render_table(&rows));
    report.push('\n');
    if let Some(p) = &pg {
        let ratio = if p.tps > 0.0 {
            ingest_rate / p.tps
        } else {
            0.0
        };
        let _ = writeln!(
            report,
            "- **Ingest / pgbench: {:.0} %** ({ingest_rate:.0} msg/s against {:.0} tx/s; target ≥ 90 %).",
            ratio * 100.0,
            p.tps
        );
    }
    report.push_str(&limits::summary(&route_limits, &args));
    let _ = writeln!(
        report,
        "- **Exactly once: {}** — {} new messages accepted, {} stored exactly once with the answered id, \
         {} lost, {} duplicated, {} with another id; {} re-sends answered `duplicate` with the first id, \
         {} answered otherwise; {} new messages answered `duplicate`; {} stored without an answer (errors).",
        if exactly_once_ok { "pass" } else { "FAIL" },
        check.accepted,
        check.stored_once,
        check.lost,
        check.duplicated,
        check.wrong_id,
        ing.duplicates_ok,
        ing.duplicates_wrong,
        ing.unexpected_duplicate,
        check.stored_unacknowledged
    );
    let _ = match rss_kb {
        Some(kb) => writeln!(
            report,
            "- **Server peak RSS (VmHWM): {:.1} MB** (target ≤ 100 MB: {}).",
            kb as f64 / 1024.0,
            if kb as f64 / 1024.0 <= 100.0 {
                "met"
            } else {
                "**missed**"
            }
        ),
        None => writeln!(report, "- Server peak RSS: not measured (no --server-pid)."),
    };
    if let Some(l) = &live {
        let _ = match l.rss_with_streams_kb {
            Some(kb) => writeln!(
                report,
                "- **Server RSS with {} streams open: {:.1} MB** (target ≤ 150 MB: {}).",
                l.opened,
                kb as f64 / 1024.0,
                if kb as f64 / 1024.0 <= 150.0 {
                    "met"
                } else {
                    "**missed**"
                }
            ),
            None => writeln!(
                report,
                "- Server RSS with streams: not measured (no --server-pid)."
            ),
        };
        let ratio = if ingest_rate > 0.0 {
            l.ingest_rate / ingest_rate
        } else {
            0.0
        };
        let _ = writeln!(
            report,
            "- **Ingest with streams / without: {:.0} %** ({:.0} against {ingest_rate:.0} msg/s; target ≥ 90 %). \
             Streams: {} opened, {} failed to open{}; every accepted message on its clinic's measuring stream: \
             {} missing, {} delivered twice, {} arrived before their 2xx (counted as 0 ms); exactly once in \
             storage: {} lost, {} duplicated.",
            ratio * 100.0,
            l.ingest_rate,
            l.opened,
            l.failed_to_open.len(),
            l.failed_to_open
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            l.delivery.missing,
            l.repeated,
            l.delivery.before_answer,
            l.check.lost,
            l.check.duplicated
        );
    }
    let sent_errors: u64 = ing.errors.values().sum();
    let _ = writeln!(
        report,
        "- Ingest requests measured: {} (after {} s of warm-up), errors: {sent_errors} {:?}; read errors: {:?} (back to back), {:?} (paced).",
        ing.sent, args.warmup_secs, ing.errors, saturated.errors, paced.errors
    );
    let _ = writeln!(
        report,
        "- Ingest max latency {:.1} ms; pgbench max {:.1} ms.",
        ingest_summary.max, pg_summary.max
    );
    if let Some(p) = &pg {
        let _ = writeln!(
            report,
            "\n<details><summary>pgbench output</summary>\n\n```\n{}```\n</details>",
            p.output
        );
    }
    let settings = bench::compare::parse_report(&report)
        .map(|r| r.settings)
        .unwrap_or_default();
    if let Some((path, before)) =
        bench::compare::previous_report(&args.results_dir, args.out.as_deref(), &settings)
    {
        report.push_str(&bench::compare::section(&path, &before, &rows).0);
    } else {
        report.push_str(
            "\n## Against the previous recorded run\n\nNo earlier report in the results folder \
             with the same dataset and load settings.\n",
        );
    }
    println!("{report}");
    if let Some(path) = &args.out {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &report).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(exactly_once_ok)
}
