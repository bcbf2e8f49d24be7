//! Prometheus metrics: the registry every part of the process records into, the request
//! middleware, and `GET /metrics` (see `docs/metrics.md` for every series and where it is
//! recorded).
//!
//! [`Metrics`] is cheap to clone (an `Arc`): the composition root (`server`) builds one per
//! process, puts it in [`crate::AppState`], and hands the same value to the background worker
//! and to the analyzer decorator. Gauges that describe the outside world (the database pool, the
//! job queue) are read at scrape time through a [`ScrapeProbe`].
//!
//! The exposition is OpenMetrics text (`application/openmetrics-text; version=1.0.0`), which
//! Prometheus scrapes natively.

mod http;

pub(crate) use http::DeliveryOutcome;
pub use http::{
    METRICS_CONTENT_TYPE, MetricsAccess, configure, listener_app, middleware, scrape,
    webhook_outcome, webhook_provider,
};

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the HTTP latency histogram.
const HTTP_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Upper bounds (seconds) of the analyzer latency histogram (model calls take seconds).
const ANALYZER_BUCKETS: [f64; 11] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
/// The longest a scrape waits for the queue-depth query.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn analyzer_histogram() -> Histogram {
    Histogram::new(ANALYZER_BUCKETS)
}

/// The connection pool, as read at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolReading {
    /// Connections open now (in use + idle).
    pub size: usize,
    /// Open connections waiting in the pool.
    pub idle: usize,
    /// The pool's maximum (`ATENDE_DB_POOL_SIZE`).
    pub max: usize,
}

/// Unfinished jobs of one kind, as read at scrape time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueReading {
    /// The job kind.
    pub kind: String,
    /// Queued and due now.
    pub due: i64,
    /// Queued for later (a retry's backoff, a scheduled run).
    pub waiting: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Failed for good in the last 24 hours.
    pub failed_24h: i64,
}

/// The replica reads (`DATABASE_REPLICA_URL`), as read at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaReading {
    /// Replica reads served by the replica since the process started.
    pub replica_reads: u64,
    /// Replica reads served by the primary instead (replica down, lagging, not measured yet).
    pub primary_reads: u64,
}

/// What a scrape reads from outside the process (implemented by `server` over PostgreSQL).
#[async_trait]
pub trait ScrapeProbe: Send + Sync {
    /// The database pool's current state (no IO).
    fn pool(&self) -> PoolReading;

    /// The replica reads, when a replica is configured (no IO).
    fn replica(&self) -> Option<ReplicaReading> {
        None
    }

    /// The job queue's depth by kind (kinds with no unfinished job may be absent).
    ///
    /// # Errors
    /// When the database fails.
    async fn queue(&self) -> anyhow::Result<Vec<QueueReading>>;
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    provider: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindStateLabels {
    kind: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AnalyzerLabels {
    analyzer: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AnalyzerOutcomeLabels {
    analyzer: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    analyzer: &'static str,
    kind: &'static str,
}

struct Inner {
    registry: Registry,
    http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    webhook_deliveries: Family<WebhookLabels, Counter>,
    outbox_attempts: Family<OutcomeLabels, Counter>,
    outbox_failures: Counter,
    outbox_depth: Family<StateLabels, Gauge>,
    jobs: Family<JobLabels, Counter>,
    jobs_depth: Family<KindStateLabels, Gauge>,
    jobs_failed: Family<KindLabels, Gauge>,
    analyzer_calls: Family<AnalyzerOutcomeLabels, Counter>,
    analyzer_tokens: Family<TokenLabels, Counter>,
    analyzer_duration: Family<AnalyzerLabels, Histogram, fn() -> Histogram>,
    pool_connections: Family<StateLabels, Gauge>,
    pool_size: Gauge,
    pool_max: Gauge,
    replica_reads: Family<SourceLabels, Counter>,
    scrape_errors: Counter,
    probe: Option<Arc<dyn ScrapeProbe>>,
}

/// The process's metrics registry. Clones share it.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::build(None)
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("probe", &self.inner.probe.is_some())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry whose scrapes also read the pool and the job queue through `probe`.
    #[must_use]
    pub fn new(probe: Arc<dyn ScrapeProbe>) -> Self {
        Self::build(Some(probe))
    }

    fn build(probe: Option<Arc<dyn ScrapeProbe>>) -> Self {
        let mut registry = Registry::default();
        let http_duration =
            Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                http_histogram,
            );
        registry.register(
            "atende_http_request_duration_seconds",
            "HTTP request latency by method, route pattern and status",
            http_duration.clone(),
        );
        let webhook_deliveries = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "atende_webhook_deliveries",
            "Webhook deliveries by provider and outcome",
            webhook_deliveries.clone(),
        );
        let outbox_attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "atende_outbox_dispatch_attempts",
            "Outbound dispatch attempts by outcome (sent, retry, failed, skipped)",
            outbox_attempts.clone(),
        );
        let outbox_failures = Counter::default();
        registry.register(
            "atende_outbox_dispatch_failures",
            "Outbound dispatch attempts that did not reach the relay (retry or failed)",
            outbox_failures.clone(),
        );
        let outbox_depth = Family::<StateLabels, Gauge>::default();
        registry.register(
            "atende_outbox_queue_depth",
            "Replies waiting for dispatch (outbound_dispatch jobs) by state: due, waiting, running",
            outbox_depth.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register(
            "atende_jobs",
            "Background jobs run by kind and outcome (done, retry, failed)",
            jobs.clone(),
        );
        let jobs_depth = Family::<KindStateLabels, Gauge>::default();
        registry.register(
            "atende_jobs_queue_depth",
            "Unfinished background jobs by kind and state: due, waiting, running",
            jobs_depth.clone(),
        );
        let jobs_failed = Family::<KindLabels, Gauge>::default();
        registry.register(
            "atende_jobs_failed_24h",
            "Background jobs that failed for good in the last 24 hours, by kind (`atende jobs failed` lists them)",
            jobs_failed.clone(),
        );
        let analyzer_calls = Family::<AnalyzerOutcomeLabels, Counter>::default();
        registry.register(
            "atende_analyzer_calls",
            "Snapshot analyses by analyzer (openai, heuristic) and outcome",
            analyzer_calls.clone(),
        );
        let analyzer_tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "atende_analyzer_tokens",
            "Model tokens used by snapshot analyses, by analyzer and kind (prompt, completion)",
            analyzer_tokens.clone(),
        );
        let analyzer_duration =
            Family::<AnalyzerLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                analyzer_histogram,
            );
        registry.register(
            "atende_analyzer_duration_seconds",
            "Snapshot analysis latency by analyzer",
            analyzer_duration.clone(),
        );
        let pool_connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "atende_db_pool_connections",
            "Open database connections by state (in_use, idle)",
            pool_connections.clone(),
        );
        let pool_size = Gauge::default();
        registry.register(
            "atende_db_pool_size",
            "Open database connections",
            pool_size.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "atende_db_pool_max",
            "The database pool's maximum size",
            pool_max.clone(),
        );
        let replica_reads = Family::<SourceLabels, Counter>::default();
        registry.register(
            "atende_db_replica_reads",
            "Replica reads (Database::replica_tx) by the node that served them (replica, primary)",
            replica_reads.clone(),
        );
        let scrape_errors = Counter::default();
        registry.register(
            "atende_metrics_scrape_errors",
            "Scrapes whose job-queue read failed or timed out",
            scrape_errors.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                http_duration,
                webhook_deliveries,
                outbox_attempts,
                outbox_failures,
                outbox_depth,
                jobs,
                jobs_depth,
                jobs_failed,
                analyzer_calls,
                analyzer_tokens,
                analyzer_duration,
                pool_connections,
                pool_size,
                pool_max,
                replica_reads,
                scrape_errors,
                probe,
            }),
        }
    }

    /// Records one HTTP request. `route` is the matched route *pattern* (`/api/clients/{id}`),
    /// never the raw path.
    pub fn observe_request(
        &self,
        method: &'static str,
        route: &str,
        status: u16,
        elapsed: Duration,
    ) {
        self.inner
            .http_duration
            .get_or_create(&HttpLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one webhook delivery (see [`webhook_provider`] and [`webhook_outcome`]).
    pub fn record_webhook(&self, provider: &'static str, outcome: &'static str) {
        self.inner
            .webhook_deliveries
            .get_or_create(&WebhookLabels { provider, outcome })
            .inc();
    }

    /// Counts one run of a background job of `kind` ending `outcome` (`done`, `retry`,
    /// `failed`).
    pub fn record_job(&self, kind: &str, outcome: &'static str) {
        self.inner
            .jobs
            .get_or_create(&JobLabels {
                kind: kind.to_owned(),
                outcome,
            })
            .inc();
    }

    /// Counts one outbound dispatch attempt ending `outcome` (`sent`, `retry`, `failed`,
    /// `skipped`); `retry` and `failed` also count as failures.
    pub fn record_dispatch(&self, outcome: &'static str) {
        self.inner
            .outbox_attempts
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        if matches!(outcome, "retry" | "failed") {
            self.inner.outbox_failures.inc();
        }
    }

    /// Records one snapshot analysis by `analyzer` (`openai`, `heuristic`) ending `outcome`
    /// (`ok`, `unavailable`, `invalid_output`, `refused`), with its latency and tokens.
    pub fn record_analysis(
        &self,
        analyzer: &'static str,
        outcome: &'static str,
        elapsed: Duration,
        prompt_tokens: Option<u32>,
        completion_tokens: Option<u32>,
    ) {
        self.inner
            .analyzer_calls
            .get_or_create(&AnalyzerOutcomeLabels { analyzer, outcome })
            .inc();
        self.inner
            .analyzer_duration
            .get_or_create(&AnalyzerLabels { analyzer })
            .observe(elapsed.as_secs_f64());
        for (kind, tokens) in [("prompt", prompt_tokens), ("completion", completion_tokens)] {
            if let Some(n) = tokens {
                self.inner
                    .analyzer_tokens
                    .get_or_create(&TokenLabels { analyzer, kind })
                    .inc_by(u64::from(n));
            }
        }
    }

    /// Reads the probe (pool, job queue) into the gauges. A failed or slow queue read drops the
    /// queue gauges from this scrape and counts `atende_metrics_scrape_errors_total`.
    async fn refresh(&self) {
        let Some(probe) = &self.inner.probe else {
            return;
        };
        let pool = probe.pool();
        let idle = pool.idle.min(pool.size);
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.inner.pool_size.set(gauge(pool.size));
        self.inner.pool_max.set(gauge(pool.max));
        self.inner
            .pool_connections
            .get_or_create(&StateLabels { state: "in_use" })
            .set(gauge(pool.size - idle));
        self.inner
            .pool_connections
            .get_or_create(&StateLabels { state: "idle" })
            .set(gauge(idle));
        self.refresh_replica(probe.as_ref());

        let read = tokio::time::timeout(PROBE_TIMEOUT, probe.queue()).await;
        self.inner.jobs_depth.clear();
        self.inner.jobs_failed.clear();
        self.inner.outbox_depth.clear();
        let rows = match read {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "metrics: reading the job queue failed");
                self.inner.scrape_errors.inc();
                return;
            }
            Err(_) => {
                tracing::warn!("metrics: reading the job queue timed out");
                self.inner.scrape_errors.inc();
                return;
            }
        };
        let outbox = rows
            .iter()
            .find(|r| r.kind == domain::jobs::kinds::OUTBOUND_DISPATCH);
        let (due, waiting, running) = outbox.map_or((0, 0, 0), |r| (r.due, r.waiting, r.running));
        for (state, n) in [("due", due), ("waiting", waiting), ("running", running)] {
            self.inner
                .outbox_depth
                .get_or_create(&StateLabels { state })
                .set(n);
        }
        for row in rows {
            self.inner
                .jobs_failed
                .get_or_create(&KindLabels {
                    kind: row.kind.clone(),
                })
                .set(row.failed_24h);
            for (state, n) in [
                ("due", row.due),
                ("waiting", row.waiting),
                ("running", row.running),
            ] {
                self.inner
                    .jobs_depth
                    .get_or_create(&KindStateLabels {
                        kind: row.kind.clone(),
                        state,
                    })
                    .set(n);
            }
        }
    }

    /// Copies the replica counters (kept by the database layer) into their series.
    fn refresh_replica(&self, probe: &dyn ScrapeProbe) {
        let Some(r) = probe.replica() else {
            return;
        };
        for (source, n) in [("replica", r.replica_reads), ("primary", r.primary_reads)] {
            self.inner
                .replica_reads
                .get_or_create(&SourceLabels { source })
                .inner()
                .store(n, Ordering::Relaxed);
        }
    }

    /// The OpenMetrics text exposition, after reading the probe.
    ///
    /// # Errors
    /// When encoding fails (it writes to a `String`, so only on a broken label value).
    pub async fn render(&self) -> Result<String, std::fmt::Error> {
        self.refresh().await;
        let mut out = String::new();
        encode(&mut out, &self.inner.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Fixed {
        queue: anyhow::Result<Vec<QueueReading>>,
    }

    #[async_trait]
    impl ScrapeProbe for Fixed {
        fn pool(&self) -> PoolReading {
            PoolReading {
                size: 5,
                idle: 3,
                max: 16,
            }
        }

        async fn queue(&self) -> anyhow::Result<Vec<QueueReading>> {
            match &self.queue {
                Ok(rows) => Ok(rows.clone()),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }

    #[tokio::test]
    async fn recorded_series_are_exposed_with_their_labels() {
        let m = Metrics::default();
        m.observe_request("GET", "/api/clients/{id}", 200, Duration::from_millis(30));
        m.observe_request("GET", "/api/clients/{id}", 200, Duration::from_millis(700));
        m.record_webhook("relay", "accepted");
        m.record_job("outbound_dispatch", "retry");
        m.record_dispatch("retry");
        m.record_dispatch("sent");
        m.record_analysis(
            "openai",
            "ok",
            Duration::from_millis(1200),
            Some(900),
            Some(120),
        );
        m.record_analysis("heuristic", "ok", Duration::from_millis(2), None, None);
        let text = m.render().await.unwrap();
        for line in [
            r#"atende_http_request_duration_seconds_count{method="GET",route="/api/clients/{id}",status="200"} 2"#,
            r#"atende_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/api/clients/{id}",status="200"} 1"#,
            r#"atende_http_request_duration_seconds_bucket{le="1.0",method="GET",route="/api/clients/{id}",status="200"} 2"#,
            r#"atende_webhook_deliveries_total{provider="relay",outcome="accepted"} 1"#,
            r#"atende_jobs_total{kind="outbound_dispatch",outcome="retry"} 1"#,
            r#"atende_outbox_dispatch_attempts_total{outcome="retry"} 1"#,
            r#"atende_outbox_dispatch_attempts_total{outcome="sent"} 1"#,
            "atende_outbox_dispatch_failures_total 1",
            r#"atende_analyzer_calls_total{analyzer="openai",outcome="ok"} 1"#,
            r#"atende_analyzer_calls_total{analyzer="heuristic",outcome="ok"} 1"#,
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="prompt"} 900"#,
            r#"atende_analyzer_tokens_total{analyzer="openai",kind="completion"} 120"#,
            r#"atende_analyzer_duration_seconds_count{analyzer="openai"} 1"#,
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert!(
            !text.contains("atende_analyzer_tokens_total{analyzer=\"heuristic\""),
            "the heuristic uses no tokens"
        );
    }

    #[tokio::test]
    async fn scrapes_read_the_pool_and_the_queue() {
        let m = Metrics::new(Arc::new(Fixed {
            queue: Ok(vec![
                QueueReading {
                    kind: "outbound_dispatch".into(),
                    due: 2,
                    waiting: 1,
                    running: 0,
                    failed_24h: 3,
                },
                QueueReading {
                    kind: "snapshot_daily".into(),
                    due: 0,
                    waiting: 0,
                    running: 1,
                    failed_24h: 0,
                },
            ]),
        }));
        let text = m.render().await.unwrap();
        for line in [
            "atende_db_pool_size 5",
            "atende_db_pool_max 16",
            r#"atende_db_pool_connections{state="in_use"} 2"#,
            r#"atende_db_pool_connections{state="idle"} 3"#,
            r#"atende_outbox_queue_depth{state="due"} 2"#,
            r#"atende_outbox_queue_depth{state="waiting"} 1"#,
            r#"atende_outbox_queue_depth{state="running"} 0"#,
            r#"atende_jobs_queue_depth{kind="snapshot_daily",state="running"} 1"#,
            r#"atende_jobs_queue_depth{kind="outbound_dispatch",state="due"} 2"#,
            r#"atende_jobs_failed_24h{kind="outbound_dispatch"} 3"#,
            r#"atende_jobs_failed_24h{kind="snapshot_daily"} 0"#,
            "atende_metrics_scrape_errors_total 0",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }

    struct WithReplica;

    #[async_trait]
    impl ScrapeProbe for WithReplica {
        fn pool(&self) -> PoolReading {
            PoolReading {
                size: 1,
                idle: 1,
                max: 2,
            }
        }

        fn replica(&self) -> Option<ReplicaReading> {
            Some(ReplicaReading {
                replica_reads: 7,
                primary_reads: 2,
            })
        }

        async fn queue(&self) -> anyhow::Result<Vec<QueueReading>> {
            Ok(Vec::new())
        }
    }

    #[tokio::test]
    async fn scrapes_read_the_replica_reads_by_source() {
        let text = Metrics::new(Arc::new(WithReplica)).render().await.unwrap();
        for line in [
            r#"atende_db_replica_reads_total{source="replica"} 7"#,
            r#"atende_db_replica_reads_total{source="primary"} 2"#,
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        let text = Metrics::new(Arc::new(Fixed { queue: Ok(vec![]) }))
            .render()
            .await
            .unwrap();
        assert!(
            !text.contains("atende_db_replica_reads_total{"),
            "no replica, no series: {text}"
        );
    }

    #[tokio::test]
    async fn a_failed_queue_read_drops_the_queue_gauges_and_counts_an_error() {
        let m = Metrics::new(Arc::new(Fixed {
            queue: Err(anyhow::anyhow!("database unavailable")),
        }));
        let text = m.render().await.unwrap();
        assert!(text.contains("atende_db_pool_size 5"), "{text}");
        assert!(
            text.contains("atende_metrics_scrape_errors_total 1"),
            "{text}"
        );
        assert!(!text.contains("atende_outbox_queue_depth{"), "{text}");
    }
}
