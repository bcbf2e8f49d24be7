//! `atende-bench chaos`: the fault and abuse suite of `just chaos` (issue 26,
//! docs/operations.md). Against a release server (no in-process worker) on a private PostgreSQL
//! seeded with `atende seed --scale`, it runs the scenarios one after the other, spawning and
//! killing `atende worker` itself, and prints one table (also written to `--out`).
//!
//! Clinic A (the first of the seed) is the one in trouble (a tarpit analyzer, a dead n8n);
//! clinic B (the second) is the bystander whose reads and replies are measured; clinic C (the
//! third, or B when there are two) has its replies dispatched while the worker is killed.

mod crash;
mod fairness;
mod fakes;
mod meta;
mod restart;
mod signin;

use crate::{Clinic, db, load_clinics};
use anyhow::{Context, bail};
use bench::faults::{FaultRow, render_fault_table};
use bench::{relay_body, sign};
use clap::Parser;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The fault and abuse suite (`just chaos`).
#[derive(Debug, Clone, Parser)]
#[command(name = "atende-bench chaos", about)]
pub struct ChaosArgs {
    /// The credentials printed by `atende seed --scale` (at least two clinics).
    #[arg(long)]
    creds: PathBuf,
    /// The server's base URL.
    #[arg(long)]
    base_url: String,
    /// The scratch database (owner connection).
    #[arg(long)]
    database_url: String,
    /// Another database of the same cluster (pg_stat_database is read from there, so reading it
    /// adds no transaction to the scratch database).
    #[arg(long)]
    stats_url: String,
    /// The server's process id (peak RSS).
    #[arg(long)]
    server_pid: u32,
    /// The `atende` binary (its `worker` subcommand is spawned, killed and restarted).
    #[arg(long, default_value = "target/release/atende")]
    atende_bin: PathBuf,
    /// Where the worker's output goes.
    #[arg(long)]
    worker_log: PathBuf,
    /// A shell command restarting the scratch database's PostgreSQL (blocking until it is up).
    #[arg(long)]
    pg_restart: String,
    /// `ATENDE_JOB_LEASE_SECS` of the worker (the script exports it).
    #[arg(long, default_value_t = 15)]
    lease_secs: u64,
    /// Concurrent bogus sign-ins.
    #[arg(long, default_value_t = 2000)]
    burst: usize,
    /// Replies queued for clinic A while its n8n is a tarpit.
    #[arg(long, default_value_t = 1000)]
    a_replies: usize,
    /// Also write the report here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The commit measured.
    #[arg(long, default_value = "unknown")]
    commit: String,
    /// Free text about the machine, printed in the report.
    #[arg(long, default_value = "")]
    note: String,
}

/// A running `atende worker`.
pub struct Worker {
    child: Child,
}

impl Worker {
    /// Spawns `atende worker` with this process's environment, appending to `log`.
    fn spawn(args: &ChaosArgs) -> anyhow::Result<Self> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&args.worker_log)?;
        let child = Command::new(&args.atende_bin)
            .arg("worker")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawning {} worker", args.atende_bin.display()))?;
        Ok(Self { child })
    }

    /// Whether it is still running (it may have exited on its own, e.g. on losing the database).
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `kill -9`.
    fn kill9(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// What every scenario needs.
pub struct Ctx {
    args: ChaosArgs,
    http: reqwest::Client,
    base: Arc<str>,
    clinics: Arc<Vec<Clinic>>,
    /// The owner connection to the scratch database.
    db: tokio_postgres::Client,
    admin_emails: Vec<String>,
    password: String,
    run_id: String,
}

/// Indexes of the clinics in `Ctx::clinics`.
const A: usize = 0;
const B: usize = 1;

impl Ctx {
    /// Clinic C: the third, or B.
    fn c(&self) -> usize {
        if self.clinics.len() > 2 { 2 } else { B }
    }

    /// Signs in the admin of clinic `i` from `address` (X-Forwarded-For; the server trusts
    /// 127.0.0.1 as a proxy) and returns the session cookie (`name=value`).
    async fn admin_cookie(&self, i: usize, address: &str) -> anyhow::Result<String> {
        let resp = self
            .http
            .post(format!("{}/auth/signin", self.base))
            .header("x-forwarded-for", address)
            .json(&serde_json::json!({"email": self.admin_emails[i], "password": self.password}))
            .send()
            .await?;
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("atende_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        match cookie {
            Some(c) if status.is_success() => Ok(c),
            _ => bail!("signing in the admin of clinic {i}: {status}"),
        }
    }

    /// Creates an integration of clinic `i` as its admin.
    async fn integration(
        &self,
        i: usize,
        cookie: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/api/integrations", self.base))
            .header("cookie", cookie)
            .header("origin", &*self.base)
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            bail!(
                "creating an integration of clinic {i}: {status} {}",
                resp.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// Opens `n` conversations of clinic `i` with signed relay messages from new numbers (each
    /// patient wrote just now, so replies are inside the 24 h window); returns their ids.
    async fn conversations(&self, i: usize, n: usize) -> anyhow::Result<Vec<String>> {
        let c = &self.clinics[i];
        let mut out = Vec::new();
        for k in 0..n {
            let now = chrono::Utc::now().timestamp();
            let from = format!("55198{i:02}{k:05}");
            let id = format!("chaos-{}-open-{i}-{k}", self.run_id);
            let body = relay_body(&c.account_id, &id, &from, Some("Paciente Chaos"), "Oi", now);
            let resp = self
                .http
                .post(format!("{}/webhooks/whatsapp", self.base))
                .header("content-type", "application/json")
                .header(
                    "x-atende-signature",
                    sign(c.secret.as_bytes(), now, body.as_bytes()),
                )
                .body(body)
                .send()
                .await?;
            let status = resp.status();
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            let Some(conv) = v["results"][0]["conversation_id"].as_str() else {
                bail!("opening a conversation of clinic {i}: {status} {v}");
            };
            out.push(conv.to_owned());
        }
        Ok(out)
    }

    /// `POST /api/chat/send` with clinic `i`'s API token; the queued interaction's id.
    async fn send_reply(&self, i: usize, conversation: &str, text: &str) -> anyhow::Result<String> {
        let resp = self
            .http
            .post(format!("{}/api/chat/send", self.base))
            .bearer_auth(&self.clinics[i].token)
            .json(&serde_json::json!({"conversation_id": conversation, "message": text}))
            .send()
            .await?;
        let status = resp.status();
        let v: serde_json::Value = resp.json().await.unwrap_or_default();
        match v["interaction"]["id"].as_str() {
            Some(id) if status.is_success() => Ok(id.to_owned()),
            _ => bail!("chat/send for clinic {i}: {status} {v}"),
        }
    }
}

/// Runs the suite; `Ok(false)` when some target was missed.
pub async fn run(args: ChaosArgs) -> anyhow::Result<bool> {
    let clinics = load_clinics(&args.creds)?;
    if clinics.len() < 2 {
        bail!("the chaos suite needs at least two clinics (seed with --scale-factor ≥ 0.2)");
    }
    let creds: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args.creds)?).context("the credentials")?;
    let admin_emails = creds["clinics"]
        .as_array()
        .context("clinics")?
        .iter()
        .map(|c| c["admin_email"].as_str().unwrap_or_default().to_owned())
        .collect();
    let password = creds["member_password"]
        .as_str()
        .context("member_password")?
        .to_owned();
    let started_at = chrono::Utc::now();
    let ctx = Ctx {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()?,
        base: Arc::from(args.base_url.trim_end_matches('/')),
        clinics: Arc::new(clinics),
        db: db(&args.database_url).await?,
        admin_emails,
        password,
        run_id: format!("{:x}", started_at.timestamp()),
        args,
    };
    let mut rows: Vec<FaultRow> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // The fakes, and every clinic's integrations pointing at them (as each clinic's admin).
    let analyzer_tarpit = fakes::Tarpit::start().await?;
    let n8n_tarpit = fakes::Tarpit::start().await?;
    let n8n_b = fakes::FakeN8n::start(Duration::ZERO).await?;
    let n8n_c = fakes::FakeN8n::start(Duration::from_millis(300)).await?;
    let cookie_a = ctx.admin_cookie(A, "198.51.100.1").await?;
    ctx.integration(
        A,
        &cookie_a,
        serde_json::json!({"provider": "openai", "account_id": "analyst",
            "config": {"base_url": format!("{}/v1", analyzer_tarpit.url), "model": "tarpit"},
            "secrets": {"api_key": "sk-chaos-tarpit-0000"}}),
    )
    .await?;
    ctx.integration(
        A,
        &cookie_a,
        serde_json::json!({"provider": "n8n", "account_id": "relay",
            "config": {"outbound_url": format!("{}/n8n", n8n_tarpit.url)},
            "secrets": {"outbound_secret": "chaos-outbound-secret-a"}}),
    )
    .await?;
    let crash_fake = if ctx.c() == B { &n8n_b } else { &n8n_c };
    let mut relays = vec![(B, &n8n_b)];
    if ctx.c() != B {
        relays.push((ctx.c(), &n8n_c));
    }
    for (i, fake) in relays {
        let cookie = ctx.admin_cookie(i, "198.51.100.2").await?;
        ctx.integration(
            i,
            &cookie,
            serde_json::json!({"provider": "n8n", "account_id": "relay",
                "config": {"outbound_url": fake.url},
                "secrets": {"outbound_secret": "chaos-outbound-secret-x"}}),
        )
        .await?;
    }

    // 1. Sign-in burst and 2. forged Meta deliveries: before any worker runs, so the scratch
    // database sees only the server's own transactions.
    eprintln!("chaos: {} concurrent bogus sign-ins…", ctx.args.burst);
    rows.extend(signin::burst(&ctx).await?);
    eprintln!("chaos: unsigned Meta deliveries…");
    rows.extend(meta::run(&ctx).await?);

    // 3. and 4. A's analyzer is a tarpit, then A's n8n too: B's reads and replies.
    let mut worker = Worker::spawn(&ctx.args)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fair = fairness::run(&ctx, &n8n_b, &analyzer_tarpit, &n8n_tarpit).await?;
    rows.extend(fair.rows);
    notes.extend(fair.notes);

    // 5. kill -9 of the worker during dispatch and analysis.
    eprintln!("chaos: kill -9 of the worker during dispatch and analysis…");
    let (crash_rows, restarted) = crash::run(&ctx, worker, crash_fake).await?;
    rows.extend(crash_rows);
    worker = restarted;

    // 6. PostgreSQL restarted during signed ingest.
    eprintln!("chaos: PostgreSQL restart during signed ingest…");
    rows.extend(restart::run(&ctx).await?);
    let survived = worker.alive();
    rows.push(FaultRow::new(
        "PostgreSQL restart during ingest",
        "`atende worker` still running afterwards (no restart)",
        if survived { "yes" } else { "no" }.to_owned(),
        "yes",
        survived,
    ));
    let _ = worker.kill9();

    let all_met = rows.iter().all(|r| r.met != Some(false));
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# atende chaos — {} — commit {}\n",
        started_at.format("%Y-%m-%d %H:%M UTC"),
        ctx.args.commit
    );
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let _ = writeln!(
        report,
        "Everything on one machine ({cores} cores): the release server, `atende worker`, a private \
         PostgreSQL cluster, the fakes and this driver. {}\n",
        ctx.args.note
    );
    report.push_str(&render_fault_table(&rows));
    report.push('\n');
    for n in &notes {
        let _ = writeln!(report, "- {n}");
    }
    let _ = writeln!(
        report,
        "- Overall: {}.",
        if all_met {
            "every target met"
        } else {
            "some targets **missed** (see docs/operations.md)"
        }
    );
    println!("{report}");
    if let Some(path) = &ctx.args.out {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &report).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(all_met)
}
