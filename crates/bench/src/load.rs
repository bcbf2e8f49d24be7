//! Closed-loop load shared by the single-route rows of `just bench` (reports, message search):
//! `concurrency` clients, each sending its next request when the last one answered, for a fixed
//! time, and the row that summarises them against a p95 target.

use bench::{Latencies, Rng, Row};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds client `worker`'s `n`-th request (its own generator `rng`, seeded from `seed`).
pub(crate) type MakeRequest =
    Arc<dyn Fn(usize, usize, &mut Rng) -> reqwest::RequestBuilder + Send + Sync>;

/// What a closed-loop run measured.
pub(crate) struct Measured {
    /// Latencies of the successful requests.
    pub(crate) latencies: Latencies,
    /// Requests that failed or answered non-2xx.
    pub(crate) errors: u64,
    /// Wall time of the run, seconds.
    pub(crate) secs: f64,
}

/// Runs `concurrency` clients back to back for `secs` seconds.
///
/// # Errors
/// When a client task panics.
pub(crate) async fn back_to_back(
    concurrency: usize,
    secs: u64,
    seed: u64,
    make: MakeRequest,
) -> anyhow::Result<Measured> {
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency.max(1) {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed + u64::try_from(w).unwrap_or(0) * 7919);
            let mut lat = Latencies::default();
            let mut errors = 0_u64;
            let mut n = 0;
            while Instant::now() < until {
                let request = make(w, n, &mut rng);
                n += 1;
                let t = Instant::now();
                let ok = match request.send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    lat.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut latencies = Latencies::default();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies.merge(l);
        errors += e;
    }
    Ok(Measured {
        latencies,
        errors,
        secs: started.elapsed().as_secs_f64(),
    })
}

impl Measured {
    /// The row named `name` (errors appended), met when nothing failed and p95 ≤ `target_p95_ms`.
    pub(crate) fn row(mut self, name: String, target_p95_ms: f64) -> Row {
        let s = self.latencies.summary();
        let rate = crate::rate(s.count, self.secs);
        let name = if self.errors > 0 {
            format!("{name} — {} errors", self.errors)
        } else {
            name
        };
        Row {
            name,
            rate,
            summary: s,
            target: format!("p95 ≤ {target_p95_ms:.0} ms"),
            met: Some(self.errors == 0 && s.count > 0 && s.p95 <= target_p95_ms),
            spread: self.latencies.spread(),
        }
    }
}
