//! A limit for each read (issue 24 item 1): every read route of `just bench` measured alone, back
//! to back, and its statements — as the server sends them, captured from PostgreSQL's statement
//! log (`scripts/bench/reads/*.sql`) — run by pgbench at the server's pool size over the same
//! dataset and the same ids. The route's capacity as a share of that limit is what the server's
//! HTTP, JSON, authentication and pool cost on top of the database work (target ≥ 70 %).
//!
//! The ids: the sampled conversations, clients and search terms the HTTP reads pick from are
//! written to an unlogged table `bench_read_samples` of the scratch database, 400 per clinic and
//! kind (clinics numbered by their position, 1..n), which each pgbench transaction reads by a random key before its BEGIN (one primary-key
//! lookup the server does not make: the limit is that much lower).

use crate::pgbench::{self, PgbenchResult};
use crate::reads::{ENDPOINTS, ReadPass, Samples, read_pass};
use crate::{Args, Clinic};
use anyhow::Context;
use bench::Row;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

/// The script of each route, in the order of [`ENDPOINTS`].
pub(crate) const SCRIPTS: [&str; 5] = [
    "inbox_summary",
    "home_summary",
    "clients_search",
    "client_profile",
    "conversation",
];

/// Entries per clinic and kind in `bench_read_samples` (the scripts draw `random(0, 399)`).
const PER_KIND: usize = 400;

/// The target: the route's capacity as a share of its limit.
pub(crate) const TARGET_SHARE: f64 = 0.7;

/// One route measured alone, and its limit.
pub(crate) struct RouteLimit {
    /// Index into [`ENDPOINTS`].
    pub(crate) route: usize,
    /// The HTTP pass (back to back, this route only).
    pub(crate) api: ReadPass,
    /// pgbench over the route's statements.
    pub(crate) pg: PgbenchResult,
}

impl RouteLimit {
    /// Requests/s of the route alone.
    pub(crate) fn api_rate(&self) -> f64 {
        crate::rate(self.api.latencies[self.route].len(), self.api.secs)
    }

    /// The route's capacity as a share of its limit (0 when the limit is 0).
    pub(crate) fn share(&self) -> f64 {
        if self.pg.tps > 0.0 {
            self.api_rate() / self.pg.tps
        } else {
            0.0
        }
    }
}

/// Writes every clinic's samples (cycled to [`PER_KIND`] each) into `bench_read_samples`.
async fn store_samples(
    db: &tokio_postgres::Client,
    clinics: &[Clinic],
    samples: &[Samples],
) -> anyhow::Result<()> {
    db.batch_execute(
        "RESET app.company_id;
         DROP TABLE IF EXISTS bench_read_samples;
         CREATE UNLOGGED TABLE bench_read_samples (
             clinic int NOT NULL, kind text NOT NULL, i int NOT NULL, value text NOT NULL,
             PRIMARY KEY (clinic, kind, i))",
    )
    .await
    .context("creating bench_read_samples")?;
    let mut clinic = Vec::new();
    let mut kind = Vec::new();
    let mut index = Vec::new();
    let mut value = Vec::new();
    for (position, (c, s)) in (1..).zip(clinics.iter().zip(samples)) {
        for (name, values) in [
            ("conversation", &s.conversations),
            ("client", &s.clients),
            ("search", &s.searches),
        ] {
            if values.is_empty() {
                anyhow::bail!("clinic {} has no {name} to sample", c.number);
            }
            for i in 0..PER_KIND {
                clinic.push(position);
                kind.push(name);
                index.push(i32::try_from(i)?);
                value.push(values[i % values.len()].clone());
            }
        }
        // The API token's clinic id, as the server pins it.
        clinic.push(position);
        kind.push("company");
        index.push(0);
        value.push(c.company_id.clone());
    }
    db.execute(
        "INSERT INTO bench_read_samples (clinic, kind, i, value)
         SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[])",
        &[&clinic, &kind, &index, &value],
    )
    .await
    .context("filling bench_read_samples")?;
    db.batch_execute("ANALYZE bench_read_samples").await?;
    Ok(())
}

/// Measures every route alone (HTTP back to back for `limit_secs`), then its script under
/// pgbench for as long, at the server's pool size (`concurrency`).
pub(crate) async fn measure(
    args: &Args,
    http: &reqwest::Client,
    base: &Arc<str>,
    clinics: &Arc<Vec<Clinic>>,
    samples: &Arc<Vec<Samples>>,
    db: &tokio_postgres::Client,
) -> anyhow::Result<Vec<RouteLimit>> {
    store_samples(db, clinics, samples).await?;
    let mut out = Vec::new();
    for (route, script) in SCRIPTS.iter().enumerate() {
        let mut pass_args = args.clone();
        pass_args.read_secs = args.limit_secs;
        eprintln!("limit of {}: the route alone…", ENDPOINTS[route]);
        let api = read_pass(&pass_args, http, base, clinics, samples, None, Some(route)).await?;
        eprintln!(
            "limit of {}: scripts/bench/reads/{script}.sql under pgbench, {} connections for {} s…",
            ENDPOINTS[route], args.concurrency, args.limit_secs
        );
        let path: PathBuf = args.reads_dir.join(format!("{script}.sql"));
        let run = pgbench::Run {
            pgbench: &args.pgbench,
            database_url: &args.database_url,
            script: &path,
            clients: args.concurrency,
            secs: args.limit_secs,
            vars: vec![("clinics", clinics.len().to_string())],
        };
        let pg = tokio::task::block_in_place(|| pgbench::run(&run))?;
        out.push(RouteLimit { route, api, pg });
    }
    db.batch_execute("DROP TABLE IF EXISTS bench_read_samples")
        .await?;
    Ok(out)
}

/// Two rows per route: the route alone (target: ≥ 70 % of its limit) and its limit.
pub(crate) fn rows(limits: &[RouteLimit], args: &Args) -> Vec<Row> {
    let mut rows = Vec::new();
    for l in limits {
        let name = ENDPOINTS[l.route];
        let mut api = l.api.latencies[l.route].clone();
        rows.push(Row {
            name: format!(
                "read {name} alone ({} clients, back to back)",
                args.read_concurrency
            ),
            rate: l.api_rate(),
            summary: api.summary(),
            target: format!("≥ {:.0} % of its limit", TARGET_SHARE * 100.0),
            met: Some(l.share() >= TARGET_SHARE),
            spread: l.api.latencies[l.route].spread(),
        });
        let mut pg = l.pg.latencies.clone();
        rows.push(Row {
            name: format!(
                "the limit of {name}: scripts/bench/reads/{}.sql (pgbench, {} connections)",
                SCRIPTS[l.route], args.concurrency
            ),
            rate: l.pg.tps,
            summary: pg.summary(),
            target: String::new(),
            met: None,
            spread: l.pg.latencies.spread(),
        });
    }
    rows
}

/// The report's line of ratios, one per route (empty when the limits were skipped).
pub(crate) fn summary(limits: &[RouteLimit], args: &Args) -> String {
    if limits.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "- **Reads against their limits** (each route alone for {} s at {} clients; its statements \
         under pgbench at {} connections, the server's pool; target ≥ {:.0} %):",
        args.limit_secs,
        args.read_concurrency,
        args.concurrency,
        TARGET_SHARE * 100.0
    );
    for l in limits {
        let _ = write!(
            out,
            " {} **{:.0} %** ({:.0} of {:.0}/s);",
            ENDPOINTS[l.route],
            l.share() * 100.0,
            l.api_rate(),
            l.pg.tps
        );
    }
    out.pop();
    out.push_str(".\n");
    out
}
