//! pgbench runs of `just bench`: a script at the given concurrency and duration, its
//! throughput and per-transaction latencies (with completion times, for the run's own spread).

use anyhow::{Context, bail};
use bench::{Latencies, parse_pgbench_log_line, parse_pgbench_tps};
use std::path::Path;

/// What one pgbench run measured.
pub(crate) struct PgbenchResult {
    /// Transactions per second (without connection time).
    pub(crate) tps: f64,
    /// Every transaction's latency.
    pub(crate) latencies: Latencies,
    /// pgbench's own output.
    pub(crate) output: String,
}

/// One pgbench run: which binary, database, script and load.
pub(crate) struct Run<'a> {
    /// The pgbench binary.
    pub(crate) pgbench: &'a str,
    /// The database (owner connection).
    pub(crate) database_url: &'a str,
    /// The script.
    pub(crate) script: &'a Path,
    /// Client connections.
    pub(crate) clients: usize,
    /// Duration, seconds.
    pub(crate) secs: u64,
    /// `-D name=value` variables of the script.
    pub(crate) vars: Vec<(&'static str, String)>,
}

/// Runs `-n -M prepared -j 2` (no vacuum, prepared statements as the server's, two threads) with
/// a per-transaction log, and reads its throughput and latencies.
pub(crate) fn run(r: &Run<'_>) -> anyhow::Result<PgbenchResult> {
    let dir = std::env::temp_dir().join(format!(
        "atende-pgbench-{}-{}",
        std::process::id(),
        r.script
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("script")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut cmd = std::process::Command::new(r.pgbench);
    cmd.arg("-n")
        .args(["-M", "prepared"])
        .args(["-c", &r.clients.to_string()])
        .args(["-j", "2"])
        .args(["-T", &r.secs.to_string()]);
    for (name, value) in &r.vars {
        cmd.args(["-D", &format!("{name}={value}")]);
    }
    let output = cmd
        .arg("-f")
        .arg(r.script)
        .arg("-l")
        .arg(format!("--log-prefix={}", dir.join("tx").display()))
        .arg(r.database_url)
        .output()
        .with_context(|| format!("running {}", r.pgbench))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        bail!("pgbench failed on {}:\n{text}", r.script.display());
    }
    let tps = parse_pgbench_tps(&text).context("pgbench printed no tps")?;
    let mut latencies = Latencies::default();
    for entry in std::fs::read_dir(&dir)? {
        let log = std::fs::read_to_string(entry?.path())?;
        for (us, at_ms) in log.lines().filter_map(parse_pgbench_log_line) {
            latencies.push_micros_at(us, at_ms);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(PgbenchResult {
        tps,
        latencies,
        output: text,
    })
}
