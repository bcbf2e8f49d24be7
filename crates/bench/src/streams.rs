//! The live-stream rows of `just bench` (issue 18): many open `GET /api/events` streams across the
//! clinics while signed ingest runs — the server's RSS with the streams open, the latency from a
//! webhook's 2xx to its `message.created` on a stream of the same clinic, and ingest throughput
//! with the streams open.

use bench::Latencies;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What one stream saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// `external_id` → when its `message.created` arrived (measuring streams only).
    pub arrivals: HashMap<String, Instant>,
    /// `message.created` events received.
    pub events: u64,
    /// Events whose `external_id` arrived twice on this stream.
    pub repeated: u64,
}

/// One open stream's task: the clinic, whether it measures, and what it saw.
pub struct Stream {
    pub clinic: usize,
    pub measuring: bool,
    task: tokio::task::JoinHandle<anyhow::Result<Seen>>,
}

impl Stream {
    /// Ends the task and returns what it saw.
    pub async fn finish(self) -> anyhow::Result<Seen> {
        self.task.await?
    }
}

/// Opens `/api/events?types=message.created` with `token`; resolves once the stream sent its
/// `ready` frame; the task then reads until `stop`.
pub async fn open(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    clinic: usize,
    measuring: bool,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Stream> {
    let mut resp = http
        .get(format!("{base}/api/events?types=message.created"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(3600))
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "stream answered {}",
        resp.status()
    );
    let mut buf = String::new();
    while !buf.contains("event: ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
            .await??
            .ok_or_else(|| anyhow::anyhow!("stream ended before ready"))?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    buf.clear();
    let task = tokio::spawn(read(resp, measuring, stop));
    Ok(Stream {
        clinic,
        measuring,
        task,
    })
}

async fn read(
    mut resp: reqwest::Response,
    measuring: bool,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Seen> {
    let mut seen = Seen::default();
    let mut buf = String::new();
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c?,
            _ = stop.changed() => return Ok(seen),
        };
        let Some(chunk) = chunk else {
            return Ok(seen);
        };
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if !frame.contains("event: message.created") {
                continue;
            }
            seen.events += 1;
            if !measuring {
                continue;
            }
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
            if let Some(id) = v["message"]["external_id"].as_str()
                && seen.arrivals.insert(id.to_owned(), now).is_some()
            {
                seen.repeated += 1;
            }
        }
    }
}

/// The latencies from each accepted message's 2xx to its arrival on its clinic's measuring
/// stream, with the accepted messages that never arrived and those that arrived first.
pub struct Delivery {
    pub latencies: Latencies,
    pub missing: u64,
    pub before_answer: u64,
}

/// Matches `answered` (clinic, external id, time of the 2xx) against the measuring streams.
#[must_use]
pub fn delivery(
    answered: &[(usize, String, Instant)],
    seen: &HashMap<usize, Arc<Seen>>,
) -> Delivery {
    let mut latencies = Latencies::default();
    let (mut missing, mut before_answer) = (0, 0);
    for (clinic, id, answered_at) in answered {
        match seen.get(clinic).and_then(|s| s.arrivals.get(id)) {
            Some(arrived) if arrived < answered_at => {
                before_answer += 1;
                latencies.push(Duration::ZERO);
            }
            Some(arrived) => latencies.push(arrived.duration_since(*answered_at)),
            None => missing += 1,
        }
    }
    Delivery {
        latencies,
        missing,
        before_answer,
    }
}

/// The server's resident set size now (`VmRSS`), in kB.
#[must_use]
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}
