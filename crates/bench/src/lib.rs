//! The pure parts of `atende-bench` (the load generator of `just bench`, issue 11): relay payloads
//! and their signature, the traffic mix, a small deterministic random generator, latency
//! percentiles, parsers of pgbench and `/proc` output, and the markdown table. `main.rs` does the
//! I/O.

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

/// Latencies of one kind of request, in microseconds.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    micros: Vec<u32>,
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

impl Latencies {
    /// Records one latency.
    pub fn push(&mut self, d: std::time::Duration) {
        self.micros
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
        self.sorted = false;
    }

    /// Records one latency given in microseconds.
    pub fn push_micros(&mut self, us: u32) {
        self.micros.push(us);
        self.sorted = false;
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    /// How many were recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// Whether none were recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The nearest-rank percentile `p` (0–100) in microseconds; 0 when empty.
    pub fn percentile(&mut self, p: f64) -> u32 {
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        percentile_sorted(&self.micros, p)
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
}

/// Nearest-rank percentile of an ascending slice: the smallest value with at least `p` % of the
/// values at or below it; 0 for an empty slice.
#[must_use]
pub fn percentile_sorted(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let p = p.clamp(0.0, 100.0);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
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

/// The latency (µs) of one line of a pgbench transaction log (`-l`): `client_id transaction_no
/// time script_no time_epoch time_us …`, where `time` is the latency in µs. Skipped or failed
/// transactions (`skipped`, `failed`, `serialization`, `deadlock`) give `None`.
#[must_use]
pub fn parse_pgbench_log_line(line: &str) -> Option<u32> {
    line.split_whitespace().nth(2)?.parse().ok()
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
}

/// The markdown table of `rows`.
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
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            r.name,
            r.rate,
            r.summary.p50,
            r.summary.p95,
            r.summary.p99,
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
            Some(2051)
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
        }];
        let t = render_table(&rows);
        assert!(
            t.contains("| inbox | 812 | 1.0 | 16.0 | 20.0 | 10 | p95 ≤ 15 ms | **no** |"),
            "{t}"
        );
    }
}
