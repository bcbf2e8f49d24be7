//! `just bench` against the previous recorded run (issue 24 item 5): the newest report in
//! `bench/results/` is read back, its rows matched by name with this run's, and a change counts as
//! a regression only beyond noise — twice the combined standard deviation of the two runs'
//! measurements across time slices ([`crate::Spread`]; a report recorded before spreads existed
//! is given this run's own).

use crate::Row;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One row of a recorded report: a value and, when recorded, its standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The measurement's name (the table's first column).
    pub name: String,
    /// req/s and its spread.
    pub rate: (f64, Option<f64>),
    /// p95 ms and its spread.
    pub p95: (f64, Option<f64>),
    /// p99 ms and its spread.
    pub p99: (f64, Option<f64>),
}

/// A recorded report: when it ran (the title's `YYYY-MM-DD HH:MM UTC`), its commit and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `YYYY-MM-DD HH:MM`, sortable as text.
    pub when: String,
    /// The commit the title names.
    pub commit: String,
    /// The run's dataset and load settings (its `Dataset:` line up to the read clients): only
    /// runs with the same settings are compared.
    pub settings: String,
    /// The results table.
    pub rows: Vec<Recorded>,
}

/// `"249"` or `"249 ± 12"` → (249, Some(12)).
fn value(cell: &str) -> Option<(f64, Option<f64>)> {
    let mut parts = cell.split('±');
    let v = parts.next()?.trim().parse().ok()?;
    let sd = parts.next().and_then(|p| p.trim().parse().ok());
    Some((v, sd))
}

/// Parses a report written by `atende-bench` (any version since issue 11: the columns are found
/// by their headers). `None` when the text has no title or no results table.
#[must_use]
pub fn parse_report(text: &str) -> Option<Report> {
    let title = text.lines().next()?.strip_prefix("# atende bench — ")?;
    let (when, commit) = title.split_once(" UTC — commit ")?;
    let settings = text
        .lines()
        .find(|l| l.starts_with("Dataset: "))
        .map(|l| l.split(" back to back").next().unwrap_or(l).to_owned())
        .unwrap_or_default();
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("| measurement |"));
    let header: Vec<&str> = lines.next()?.split('|').map(str::trim).collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (rate, p95, p99) = (col("req/s")?, col("p95 ms")?, col("p99 ms")?);
    let rows = lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some(Recorded {
                name: (*cells.get(1)?).to_owned(),
                rate: value(cells.get(rate)?)?,
                p95: value(cells.get(p95)?)?,
                p99: value(cells.get(p99)?)?,
            })
        })
        .collect();
    Some(Report {
        when: when.trim().to_owned(),
        commit: commit.trim().to_owned(),
        settings,
        rows,
    })
}

/// The newest report in `dir` (by the time in its title) run with `settings` (see
/// [`Report::settings`]); `chaos-*` reports and `skip` excluded.
#[must_use]
pub fn previous_report(
    dir: &Path,
    skip: Option<&Path>,
    settings: &str,
) -> Option<(PathBuf, Report)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.as_bytes().first().is_some_and(u8::is_ascii_digit))
                && skip.is_none_or(|s| s != p.as_path())
        })
        .filter_map(|p| {
            let report = parse_report(&std::fs::read_to_string(&p).ok()?)?;
            (report.settings == settings).then_some((p, report))
        })
        .max_by(|a, b| a.1.when.cmp(&b.1.when))
}

/// How one measurement moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Worse by more than the noise.
    Regression,
    /// Better by more than the noise.
    Improvement,
    /// Within the noise.
    Noise,
}

/// Compares `now` with `before` where `higher_is_better` says which way is worse; the noise is
/// twice the combined standard deviation (the earlier one taken as this run's when unrecorded).
#[must_use]
pub fn judge(
    before: (f64, Option<f64>),
    now: (f64, Option<f64>),
    higher_is_better: bool,
) -> (Verdict, f64) {
    let sd_now = now.1.unwrap_or(0.0);
    let sd_before = before.1.unwrap_or(sd_now);
    let noise = 2.0 * (sd_now.powi(2) + sd_before.powi(2)).sqrt();
    let gain = if higher_is_better {
        now.0 - before.0
    } else {
        before.0 - now.0
    };
    let verdict = if gain < -noise {
        Verdict::Regression
    } else if gain > noise {
        Verdict::Improvement
    } else {
        Verdict::Noise
    };
    (verdict, noise)
}

/// The comparison section of this run's report against `before` (recorded in `path`): one table
/// row per measurement both runs have, with before → now of req/s (rates only where the load is
/// not paced), p95 and p99, and what moved beyond noise. Returns the text and the regressions.
#[must_use]
pub fn section(path: &Path, before: &Report, rows: &[Row]) -> (String, usize) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Against the previous recorded run\n\n`{}` (commit {}, {} UTC). A change is a \
         **regression** or an improvement only beyond noise: twice the combined standard deviation \
         of the two runs across {} time slices (the ± columns; a run recorded without them is given \
         this run's). Rates of paced loads are set by the pacing and not compared.\n",
        path.display(),
        before.commit,
        before.when,
        crate::SPREAD_SLICES
    );
    out.push_str("| measurement | req/s before → now | p95 ms before → now | p99 ms before → now | verdict |\n|---|---|---|---|---|\n");
    let mut regressions = 0;
    for row in rows {
        let Some(old) = before.rows.iter().find(|r| r.name == row.name) else {
            continue;
        };
        let mut moved = Vec::new();
        let mut cell = |label: &str,
                        old: (f64, Option<f64>),
                        now: (f64, Option<f64>),
                        higher: bool,
                        decimals: usize| {
            let (verdict, noise) = judge(old, now, higher);
            match verdict {
                Verdict::Regression => moved.push(format!(
                    "**regression** of {label} (noise ± {noise:.decimals$})"
                )),
                Verdict::Improvement => moved.push(format!("{label} better")),
                Verdict::Noise => {}
            }
            format!("{:.decimals$} → {:.decimals$}", old.0, now.0)
        };
        let spread = row.spread;
        if spread.is_none() {
            // Too few samples (or too short a run) for a spread: nothing to judge against.
            let _ = writeln!(
                out,
                "| {} | {:.0} → {:.0} | {:.1} → {:.1} | {:.1} → {:.1} | too few samples to judge |",
                row.name,
                old.rate.0,
                row.rate,
                old.p95.0,
                row.summary.p95,
                old.p99.0,
                row.summary.p99
            );
            continue;
        }
        let compare_rate = !row.name.contains("paced") && (old.rate.0 > 0.0 || row.rate > 0.0);
        let rate = if compare_rate {
            cell(
                "req/s",
                old.rate,
                (row.rate, spread.map(|s| s.rate)),
                true,
                0,
            )
        } else {
            String::new()
        };
        let p95 = cell(
            "p95",
            old.p95,
            (row.summary.p95, spread.map(|s| s.p95)),
            false,
            1,
        );
        let p99 = cell(
            "p99",
            old.p99,
            (row.summary.p99, spread.map(|s| s.p99)),
            false,
            1,
        );
        regressions += moved
            .iter()
            .filter(|m| m.starts_with("**regression"))
            .count();
        let verdict = if moved.is_empty() {
            "within noise".to_owned()
        } else {
            moved.join("; ")
        };
        let _ = writeln!(out, "| {} | {rate} | {p95} | {p99} | {verdict} |", row.name);
    }
    let _ = writeln!(out, "\n- **Regressions beyond noise: {regressions}.**");
    (out, regressions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{Spread, Summary};

    const OLD: &str = "# atende bench — 2026-12-03 18:17 UTC — commit 956b0b4\n\nprose\n\
Dataset: 10 clinics × 10000 clients (`atende seed --scale`). Ingest and pgbench 25 s each at 16 connections; reads 20 s at 64 clients back to back (the capacity: 716 req/s), then more.\n\n\
| measurement | req/s | p50 ms | p95 ms | p99 ms | n | target | met |\n\
|---|---:|---:|---:|---:|---:|---|---|\n\
| ingest: x | 249 | 54.9 | 93.3 | 153.5 | 6242 | ≥ 50 % of pgbench | **no** |\n\
| read GET /api/inbox/summary (64 clients, paced at 50 % of capacity) | 69 ± 2 | 3.4 | 7.9 ± 0.5 | 12.6 ± 1.0 | 1393 | p95 ≤ 15 ms | yes |\n\
\n- **Ingest / pgbench: 46 %**\n";

    fn row(name: &str, rate: f64, p95: f64, p99: f64, spread: Option<Spread>) -> Row {
        Row {
            name: name.into(),
            rate,
            summary: Summary {
                count: 100,
                p50: 1.0,
                p95,
                p99,
                max: p99,
            },
            target: String::new(),
            met: None,
            spread,
        }
    }

    #[test]
    fn a_report_is_read_back_with_and_without_spreads() {
        let r = parse_report(OLD).unwrap();
        assert_eq!(r.when, "2026-12-03 18:17");
        assert_eq!(r.commit, "956b0b4");
        assert_eq!(
            r.settings,
            "Dataset: 10 clinics × 10000 clients (`atende seed --scale`). Ingest and pgbench 25 s each at 16 connections; reads 20 s at 64 clients"
        );
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[0].rate, (249.0, None));
        assert_eq!(r.rows[0].p95, (93.3, None));
        assert_eq!(r.rows[1].rate, (69.0, Some(2.0)));
        assert_eq!(r.rows[1].p99, (12.6, Some(1.0)));
        assert!(parse_report("no title").is_none());
    }

    #[test]
    fn a_change_beyond_twice_the_combined_deviation_is_a_regression() {
        // Noise: 2 × √(3² + 4²) = 10.
        assert_eq!(
            judge((100.0, Some(3.0)), (89.0, Some(4.0)), true).0,
            Verdict::Regression
        );
        assert_eq!(
            judge((100.0, Some(3.0)), (91.0, Some(4.0)), true).0,
            Verdict::Noise
        );
        assert_eq!(
            judge((100.0, Some(3.0)), (111.0, Some(4.0)), true).0,
            Verdict::Improvement
        );
        // Latency: higher is worse; the earlier run's deviation defaults to this one's.
        let (v, noise) = judge((10.0, None), (13.0, Some(1.0)), false);
        assert_eq!(v, Verdict::Regression);
        assert!((noise - 2.0 * 2.0_f64.sqrt()).abs() < 1e-9);
        assert_eq!(
            judge((10.0, None), (8.0, Some(1.0)), false).0,
            Verdict::Noise
        );
    }

    #[test]
    fn the_section_marks_regressions_and_skips_paced_rates_and_new_rows() {
        let before = parse_report(OLD).unwrap();
        let spread = Spread {
            rate: 5.0,
            p95: 1.0,
            p99: 2.0,
        };
        let rows = [
            // Ingest fell by 49 msg/s against a noise of 2 × √2 × 5 ≈ 14: a regression.
            row("ingest: x", 200.0, 93.0, 150.0, Some(spread)),
            // Paced: the rate halves (pacing), p95 stays: within noise.
            row(
                "read GET /api/inbox/summary (64 clients, paced at 50 % of capacity)",
                30.0,
                8.0,
                12.0,
                Some(spread),
            ),
            row("a new measurement", 1.0, 1.0, 1.0, None),
            // Without a spread this run says nothing about noise: no verdict.
            row("ingest: x", 1.0, 999.0, 999.0, None),
        ];
        let (text, regressions) = section(Path::new("bench/results/old.md"), &before, &rows);
        assert_eq!(regressions, 1, "{text}");
        assert!(
            text.contains(
                "| ingest: x | 249 → 200 | 93.3 → 93.0 | 153.5 → 150.0 | **regression** of req/s"
            ),
            "{text}"
        );
        assert!(text.contains("| read GET /api/inbox/summary (64 clients, paced at 50 % of capacity) |  | 7.9 → 8.0 | 12.6 → 12.0 | within noise |"), "{text}");
        assert!(!text.contains("a new measurement"));
        assert!(
            text.contains(
                "| ingest: x | 249 → 1 | 93.3 → 999.0 | 153.5 → 999.0 | too few samples to judge |"
            ),
            "{text}"
        );
        assert!(text.contains("commit 956b0b4"));
    }

    #[test]
    fn the_newest_report_is_the_previous_one() {
        let dir = std::env::temp_dir().join(format!("atende-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("2026-12-03-aaa.md"), OLD.replace("18:17", "09:00")).unwrap();
        std::fs::write(dir.join("2026-12-03-bbb.md"), OLD).unwrap();
        std::fs::write(
            dir.join("chaos-2026-12-04-ccc.md"),
            OLD.replace("2026-12-03", "2026-12-04"),
        )
        .unwrap();
        std::fs::write(
            dir.join("2026-12-05-ddd.md"),
            OLD.replace("2026-12-03", "2026-12-05"),
        )
        .unwrap();
        // A newer run with another dataset is not comparable.
        std::fs::write(
            dir.join("2026-12-04-eee.md"),
            OLD.replace("2026-12-03", "2026-12-04")
                .replace("10 clinics", "1 clinics"),
        )
        .unwrap();
        let settings = parse_report(OLD).unwrap().settings;
        let (path, report) =
            previous_report(&dir, Some(&dir.join("2026-12-05-ddd.md")), &settings).unwrap();
        assert_eq!(path, dir.join("2026-12-03-bbb.md"));
        assert_eq!(report.when, "2026-12-03 18:17");
        assert!(previous_report(&dir, None, "Dataset: 3 clinics").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
