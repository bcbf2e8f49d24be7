//! The pure parts of `atende-bench` (the load generator of `just bench`, issue 11): relay payloads
//! and their signature, the traffic mix, a small deterministic random generator, latency
//! percentiles, parsers of pgbench and `/proc` output, and the markdown table. `main.rs` does the
//! I/O.

pub mod compare;
pub mod faults;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt::Write as _;

/// `X-Atende-Signature` of a relay delivery: `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
/// (docs/webhooks.md). The body must be sent byte for byte as signed.
#[must_use]
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// One relay message (docs/webhooks.md), serialised once: the exact bytes to sign and send.
#[must_use]
pub fn relay_body(
    account_id: &str,
    message_id: &str,
    from_digits: &str,
    name: Option<&str>,
    text: &str,
    timestamp: i64,
) -> String {
    serde_json::json!({
        "account_id": account_id,
        "message_id": message_id,
        "from": {"id": from_digits, "phone": format!("+{from_digits}"), "name": name},
        "type": "text",
        "text": text,
        "timestamp": timestamp,
    })
    .to_string()
}

/// What one ingest request sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new message from a client of the dataset (80 %).
    Existing,
    /// A new message from an unknown number: a new lead (15 %).
    NewLead,
    /// A message sent before, sent again with the same provider id (5 %).
    Duplicate,
}

/// The traffic mix: `roll` in `0..100` → 80 % existing clients, 15 % new leads, 5 % duplicates.
#[must_use]
pub fn pick_kind(roll: u64) -> Kind {
    match roll % 100 {
        0..=79 => Kind::Existing,
        80..=94 => Kind::NewLead,
        _ => Kind::Duplicate,
    }
}

/// The WhatsApp digits of client `n` of clinic `clinic` in the scale dataset (the formula of
/// `scripts/bench/seed_scale.sql`: `+55`, an area code of two digits 1-9, `9` and
/// `(7919 n + 104729 clinic) mod 10^8`).
#[must_use]
pub fn seeded_digits(clinic: u32, n: u32) -> String {
    let ddd = 10 * (1 + (n / 9) % 9) + 1 + n % 9;
    let local = (u64::from(n) * 7919 + u64::from(clinic) * 104_729) % 100_000_000;
    format!("55{ddd}9{local:08}")
}

/// A number no seeded client has: a landline (`+55 19 3XXXXXXX`; the seed has only mobiles).
/// Unique per `(worker, seq)` for fewer than 1,000 workers and 10,000 messages each.
#[must_use]
pub fn new_lead_digits(worker: u32, seq: u32) -> String {
    let local = (u64::from(worker) % 1_000) * 10_000 + u64::from(seq) % 10_000;
    format!("55193{local:07}")
}

/// xorshift64*: fast, deterministic per seed, good enough to pick clinics and clients.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a constant).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n` > 0; 0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// Latencies of one kind of request, in microseconds, each with the wall-clock time (ms since
/// the Unix epoch) it completed at, so a run can measure its own spread over time ([`Spread`]).
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    /// (latency µs, completed at ms since the epoch).
    samples: Vec<(u32, u64)>,
    sorted: bool,
}

/// p50/p95/p99 and counts of a [`Latencies`], in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Requests measured.
    pub count: usize,
    /// Median, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Slowest, ms.
    pub max: f64,
}

/// A run's own variance: the standard deviation of a measurement across equal time slices of the
/// same run (issue 24 item 5: a change against the previous run counts as a regression only
/// beyond it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Of the throughput, requests/s.
    pub rate: f64,
    /// Of the 95th percentile, ms.
    pub p95: f64,
    /// Of the 99th percentile, ms.
    pub p99: f64,
}

/// Time slices a measurement is cut into for its [`Spread`].
pub const SPREAD_SLICES: usize = 5;

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Latencies {
    /// Records one latency, completed now.
    pub fn push(&mut self, d: std::time::Duration) {
        self.push_micros_at(u32::try_from(d.as_micros()).unwrap_or(u32::MAX), now_ms());
    }

    /// Records one latency given in microseconds, completed now.
    pub fn push_micros(&mut self, us: u32) {
        self.push_micros_at(us, now_ms());
    }

    /// Records one latency given in microseconds, completed at `at_ms` (ms since the epoch).
    pub fn push_micros_at(&mut self, us: u32, at_ms: u64) {
        self.samples.push((us, at_ms));
        self.sorted = false;
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.samples.extend(other.samples);
        self.sorted = false;
    }

    /// How many were recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether none were recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The nearest-rank percentile `p` (0–100) in microseconds; 0 when empty.
    pub fn percentile(&mut self, p: f64) -> u32 {
        if !self.sorted {
            self.samples.sort_unstable();
            self.sorted = true;
        }
        nearest_rank(&self.samples, p).map_or(0, |s| s.0)
    }

    /// p50/p95/p99/max in milliseconds.
    pub fn summary(&mut self) -> Summary {
        let ms = |us: u32| f64::from(us) / 1000.0;
        Summary {
            count: self.len(),
            p50: ms(self.percentile(50.0)),
            p95: ms(self.percentile(95.0)),
            p99: ms(self.percentile(99.0)),
            max: ms(self.percentile(100.0)),
        }
    }

    /// The standard deviation of the throughput and of p95/p99 across [`SPREAD_SLICES`] equal
    /// time slices between the first and the last completion; `None` with fewer than 20 samples
    /// per slice on average or a run shorter than 1 s (too little to say).
    #[must_use]
    pub fn spread(&self) -> Option<Spread> {
        let k = SPREAD_SLICES;
        let first = self.samples.iter().map(|s| s.1).min()?;
        let last = self.samples.iter().map(|s| s.1).max()?;
        if self.samples.len() < 20 * k || last.saturating_sub(first) < 1000 {
            return None;
        }
        #[allow(clippy::cast_precision_loss)]
        let width = (last - first + 1) as f64 / k as f64;
        let mut slices = vec![Vec::new(); k];
        for &(us, at) in &self.samples {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let i = (((at - first) as f64 / width) as usize).min(k - 1);
            slices[i].push(us);
        }
        let mut rates = Vec::with_capacity(k);
        let mut p95s = Vec::with_capacity(k);
        let mut p99s = Vec::with_capacity(k);
        for mut s in slices {
            s.sort_unstable();
            #[allow(clippy::cast_precision_loss)]
            rates.push(s.len() as f64 / (width / 1000.0));
            p95s.push(f64::from(percentile_sorted(&s, 95.0)) / 1000.0);
            p99s.push(f64::from(percentile_sorted(&s, 99.0)) / 1000.0);
        }
        Some(Spread {
            rate: std_dev(&rates),
            p95: std_dev(&p95s),
            p99: std_dev(&p99s),
        })
    }
}

/// The sample standard deviation (n − 1); 0 for fewer than two values.
#[must_use]
pub fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// The nearest-rank element of an ascending slice (see [`percentile_sorted`]).
fn nearest_rank<T>(sorted: &[T], p: f64) -> Option<&T> {
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1)
}

/// Nearest-rank percentile of an ascending slice: the smallest value with at least `p` % of the
/// values at or below it; 0 for an empty slice.
#[must_use]
pub fn percentile_sorted(sorted: &[u32], p: f64) -> u32 {
    nearest_rank(sorted, p).copied().unwrap_or(0)
}

/// The throughput pgbench reports (`tps = 1234.5 (without initial connection time)`).
#[must_use]
pub fn parse_pgbench_tps(output: &str) -> Option<f64> {
    output
        .lines()
        .filter(|l| l.trim_start().starts_with("tps = "))
        .find(|l| !l.contains("including"))
        .and_then(|l| l.trim_start().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The latency (µs) and completion time (ms since the epoch) of one line of a pgbench
/// transaction log (`-l`): `client_id transaction_no time script_no time_epoch time_us …`, where
/// `time` is the latency in µs. Skipped or failed transactions (`skipped`, `failed`,
/// `serialization`, `deadlock`) give `None`.
#[must_use]
pub fn parse_pgbench_log_line(line: &str) -> Option<(u32, u64)> {
    let mut f = line.split_whitespace();
    let us = f.nth(2)?.parse().ok()?;
    let secs: u64 = f.nth(1)?.parse().ok()?;
    let micros: u64 = f.next()?.parse().ok()?;
    Some((us, secs * 1000 + micros / 1000))
}

/// `VmHWM` (peak resident set) of a `/proc/<pid>/status` text, in kB.
#[must_use]
pub fn parse_vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// One row of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub name: String,
    /// Requests (or transactions) per second.
    pub rate: f64,
    /// Latencies.
    pub summary: Summary,
    /// The target, as text (empty when none).
    pub target: String,
    /// Whether the target was met (`None` when there is none).
    pub met: Option<bool>,
    /// The run's own variance of this measurement (`None` when too short to say).
    pub spread: Option<Spread>,
}

/// The markdown table of `rows`; where the run measured its own [`Spread`], req/s, p95 and p99
/// read `value ± standard deviation across time slices`.
#[must_use]
pub fn render_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| measurement | req/s | p50 ms | p95 ms | p99 ms | n | target | met |\n|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let with = |v: f64, sd: Option<f64>, decimals: usize| match sd {
            Some(sd) => format!("{v:.decimals$} ± {sd:.decimals$}"),
            None => format!("{v:.decimals$}"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {} | {} | {} | {} | {} |",
            r.name,
            with(r.rate, r.spread.map(|s| s.rate), 0),
            r.summary.p50,
            with(r.summary.p95, r.spread.map(|s| s.p95), 1),
            with(r.summary.p99, r.spread.map(|s| s.p99), 1),
            r.summary.count,
            r.target,
            met
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_signature_is_the_one_the_server_verifies() {
        let body = relay_body(
            "pn-1",
            "wamid.1",
            "5511987654321",
            Some("Ana"),
            "Olá",
            1_780_000_000,
        );
        let ours = sign(b"whsec_test_0123456789", 1_780_000_000, body.as_bytes());
        let server =
            infra_crypto::webhook::sign(b"whsec_test_0123456789", 1_780_000_000, body.as_bytes());
        assert_eq!(ours, server);
        assert!(ours.starts_with("t=1780000000,v1="));
        assert_eq!(ours.len(), "t=1780000000,v1=".len() + 64);
        // Another secret or another body is another signature.
        assert_ne!(
            ours,
            sign(b"whsec_other_0123456789", 1_780_000_000, body.as_bytes())
        );
        assert_ne!(ours, sign(b"whsec_test_0123456789", 1_780_000_000, b"{}"));
    }

    #[test]
    fn the_relay_body_has_exactly_the_contract_fields() {
        let body = relay_body("pn-1", "m-1", "5511987654321", None, "Oi", 1_780_000_000);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "account_id",
                "from",
                "message_id",
                "text",
                "timestamp",
                "type"
            ]
        );
        assert_eq!(v["from"]["phone"], "+5511987654321");
        assert_eq!(v["type"], "text");
    }

    #[test]
    fn the_mix_is_80_15_5() {
        let mut counts = [0_u32; 3];
        for roll in 0..100 {
            counts[match pick_kind(roll) {
                Kind::Existing => 0,
                Kind::NewLead => 1,
                Kind::Duplicate => 2,
            }] += 1;
        }
        assert_eq!(counts, [80, 15, 5]);
    }

    #[test]
    fn seeded_and_new_numbers_never_meet() {
        assert_eq!(seeded_digits(1, 1), "5512900112648");
        for n in 1..=10_000 {
            let d = seeded_digits(3, n);
            assert_eq!(d.len(), 13);
            assert!(d[2..4].bytes().all(|b| (b'1'..=b'9').contains(&b)), "{d}");
            assert_eq!(&d[4..5], "9");
        }
        assert_eq!(new_lead_digits(7, 42), "551930070042");
        assert_eq!(new_lead_digits(7, 42).len(), 12);
        assert_ne!(new_lead_digits(7, 42), new_lead_digits(42, 7));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile_sorted(&v, 50.0), 50);
        assert_eq!(percentile_sorted(&v, 95.0), 95);
        assert_eq!(percentile_sorted(&v, 99.0), 99);
        assert_eq!(percentile_sorted(&v, 100.0), 100);
        assert_eq!(percentile_sorted(&v, 0.0), 1);
        assert_eq!(percentile_sorted(&[7], 99.0), 7);
        assert_eq!(percentile_sorted(&[], 50.0), 0);
        let mut l = Latencies::default();
        for us in [3_000, 1_000, 2_000, 4_000] {
            l.push_micros(us);
        }
        let s = l.summary();
        assert_eq!((s.count, s.p50, s.p99, s.max), (4, 2.0, 4.0, 4.0));
    }

    #[test]
    fn the_spread_is_the_deviation_across_time_slices() {
        // Five 1-second slices from t = 1000 s: 100, 100, 100, 100, 200 requests; latency 1 ms
        // except the last slice at 3 ms.
        let mut l = Latencies::default();
        for slice in 0..5_u64 {
            let n = if slice == 4 { 200 } else { 100 };
            for k in 0..n {
                let us = if slice == 4 { 3_000 } else { 1_000 };
                l.push_micros_at(us, 1_000_000 + slice * 1000 + k * 999 / n);
            }
        }
        let s = l.spread().unwrap();
        // Rates 100,100,100,100,200 per 1 s: sd = √(4·20² + 80²)/2 = √8000/2 ≈ 44.7.
        assert!((s.rate - 44.72).abs() < 0.5, "{s:?}");
        // p95 1,1,1,1,3 ms: sd = √(4·0.4² + 1.6²)/2 ≈ 0.894.
        assert!((s.p95 - 0.894).abs() < 0.01, "{s:?}");
        // Too few samples or too short a run: nothing to say.
        let mut short = Latencies::default();
        for k in 0..99 {
            short.push_micros_at(1, 1_000 + k * 20);
        }
        assert!(short.spread().is_none());
        assert!(Latencies::default().spread().is_none());
        assert!((std_dev(&[1.0, 3.0]) - 2.0_f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_generator_is_deterministic_and_bounded() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..100).map(|_| a.below(10)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x < 10));
        assert!((0..10).all(|d| xs.contains(&d)));
        assert_eq!(Rng::new(0).below(0), 0);
    }

    #[test]
    fn pgbench_and_proc_outputs_are_parsed() {
        let out = "number of transactions actually processed: 1234\nlatency average = 12.3 ms\n\
                   initial connection time = 5.1 ms\ntps = 617.42 (without initial connection time)\n";
        assert_eq!(parse_pgbench_tps(out), Some(617.42));
        assert_eq!(parse_pgbench_tps("nothing"), None);
        assert_eq!(
            parse_pgbench_log_line("3 17 2051 0 1780000000 123456"),
            Some((2051, 1_780_000_000_123))
        );
        assert_eq!(parse_pgbench_log_line("3 17 skipped 0 1780000000 1"), None);
        let status =
            "Name:\tatende\nVmPeak:\t  900000 kB\nVmHWM:\t   45678 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(parse_vm_hwm_kb(status), Some(45_678));
        assert_eq!(parse_vm_hwm_kb("Name: x"), None);
    }

    #[test]
    fn the_table_marks_misses() {
        let rows = [Row {
            name: "inbox".into(),
            rate: 812.4,
            summary: Summary {
                count: 10,
                p50: 1.0,
                p95: 16.04,
                p99: 20.0,
                max: 30.0,
            },
            target: "p95 ≤ 15 ms".into(),
            met: Some(false),
            spread: None,
        }];
        let t = render_table(&rows);
        assert!(
            t.contains("| inbox | 812 | 1.0 | 16.0 | 20.0 | 10 | p95 ≤ 15 ms | **no** |"),
            "{t}"
        );
    }
}
