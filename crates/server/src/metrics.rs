//! Wiring of the Prometheus metrics (see `docs/metrics.md`): the registry's scrape-time probe
//! over PostgreSQL, the analyzer decorators, the access rule of `GET /metrics`, and the
//! separate metrics listener (`ATENDE_METRICS_BIND`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use api_http::metrics::{
    Metrics, MetricsAccess, PoolReading, QueueReading, ReplicaReading, ScrapeProbe,
};
use async_trait::async_trait;
use domain::jobs::JobOutcome;
use domain::ports::analyzer::ContextAnalyzer;
use domain::ports::snapshots::ModelAnalyzers;
use domain::snapshots::{AnalysisInput, AnalysisReport, AnalyzerError};
use infra_postgres::Database;

use crate::config::MetricsSettings;

/// [`ScrapeProbe`] over the process's pool and the job queue's door.
#[derive(Debug, Clone)]
pub struct PgScrapeProbe {
    db: Database,
}

impl PgScrapeProbe {
    /// A probe of `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ScrapeProbe for PgScrapeProbe {
    fn pool(&self) -> PoolReading {
        let (size, idle, max) = self.db.pool_status();
        PoolReading { size, idle, max }
    }

    fn replica(&self) -> Option<ReplicaReading> {
        self.db.replica_stats().map(|r| ReplicaReading {
            replica_reads: r.replica_reads,
            primary_reads: r.primary_reads,
        })
    }

    async fn queue(&self) -> anyhow::Result<Vec<QueueReading>> {
        Ok(infra_postgres::metrics::queue_depth(&self.db)
            .await?
            .into_iter()
            .map(|r| QueueReading {
                kind: r.kind,
                due: r.due,
                waiting: r.waiting,
                running: r.running,
                failed_24h: r.failed_24h,
            })
            .collect())
    }
}

/// The process's registry, reading the pool and the job queue of `db` at scrape time.
#[must_use]
pub fn registry(db: &Database) -> Metrics {
    Metrics::new(Arc::new(PgScrapeProbe::new(db.clone())))
}

impl MetricsSettings {
    /// How the main listener treats `/metrics`: served elsewhere when `ATENDE_METRICS_BIND` is
    /// set, behind the token when only `ATENDE_METRICS_TOKEN` is, else not at all.
    #[must_use]
    pub fn access(&self) -> MetricsAccess {
        match (&self.bind, &self.token) {
            (Some(_), _) => MetricsAccess::SeparateListener,
            (None, Some(token)) => MetricsAccess::Bearer(token.clone()),
            (None, None) => MetricsAccess::Off,
        }
    }
}

/// The separate metrics listener on `addr`, serving `metrics` (behind `token` when set).
/// Not started: spawn it (its handle stops it).
///
/// # Errors
/// When `addr` cannot be bound.
pub fn listener(
    metrics: Metrics,
    token: Option<secrecy::SecretString>,
    addr: SocketAddr,
) -> anyhow::Result<actix_web::dev::Server> {
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("binding ATENDE_METRICS_BIND {addr}"))?;
    listener_on(metrics, token, listener)
}

/// [`listener`] on an already bound socket (tests bind port 0).
///
/// # Errors
/// When the socket cannot be served.
pub fn listener_on(
    metrics: Metrics,
    token: Option<secrecy::SecretString>,
    socket: std::net::TcpListener,
) -> anyhow::Result<actix_web::dev::Server> {
    Ok(actix_web::HttpServer::new(move || {
        api_http::metrics::listener_app(metrics.clone(), token.clone())
    })
    .workers(1)
    .disable_signals()
    .listen(socket)
    .context("serving the metrics listener")?
    .shutdown_timeout(1)
    .run())
}

/// The outcome label of a job run (`lease_lost` is recorded by the worker itself when a job's
/// lease was taken over before it finished).
#[must_use]
pub fn job_outcome(outcome: &JobOutcome) -> &'static str {
    match outcome {
        JobOutcome::Done(_) => "done",
        JobOutcome::RetryAt { .. } => "retry",
        JobOutcome::Deferred { .. } => "deferred",
        JobOutcome::Failed(_) => "failed",
    }
}

/// The outcome label of an `outbound_dispatch` attempt: `sent` (the relay took it), `skipped`
/// (nothing to send: already sent, canceled or gone), `retry` (transient failure, another
/// attempt is scheduled), `failed` (the message ended `failed`).
#[must_use]
pub fn dispatch_outcome(outcome: &JobOutcome) -> &'static str {
    match outcome {
        JobOutcome::Done(Some(result))
            if result.get("status").and_then(|s| s.as_str()) == Some("sent") =>
        {
            "sent"
        }
        JobOutcome::Done(_) => "skipped",
        JobOutcome::RetryAt { .. } | JobOutcome::Deferred { .. } => "retry",
        JobOutcome::Failed(_) => "failed",
    }
}

/// [`ContextAnalyzer`] that records every analysis of `inner` as `analyzer` (`openai`,
/// `heuristic`): calls by outcome, latency, and the tokens the report names.
pub struct MeteredAnalyzer {
    analyzer: &'static str,
    inner: Arc<dyn ContextAnalyzer>,
    metrics: Metrics,
}

impl MeteredAnalyzer {
    /// Wraps `inner`, recording into `metrics` under the label `analyzer`.
    #[must_use]
    pub fn new(analyzer: &'static str, inner: Arc<dyn ContextAnalyzer>, metrics: Metrics) -> Self {
        Self {
            analyzer,
            inner,
            metrics,
        }
    }
}

#[async_trait]
impl ContextAnalyzer for MeteredAnalyzer {
    async fn analyze(
        &self,
        input: AnalysisInput,
        api_key: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError> {
        let started = Instant::now();
        let result = self.inner.analyze(input, api_key).await;
        let elapsed = started.elapsed();
        match &result {
            Ok(report) => self.metrics.record_analysis(
                self.analyzer,
                "ok",
                elapsed,
                report.prompt_tokens,
                report.completion_tokens,
            ),
            Err(e) => {
                let outcome = match e {
                    AnalyzerError::Unavailable(_) => "unavailable",
                    AnalyzerError::InvalidOutput(_) => "invalid_output",
                    AnalyzerError::Refused(_) => "refused",
                };
                self.metrics
                    .record_analysis(self.analyzer, outcome, elapsed, None, None);
            }
        }
        result
    }
}

/// [`ModelAnalyzers`] whose endpoints are [`MeteredAnalyzer`]s labelled `openai`.
pub struct MeteredModels {
    inner: Arc<dyn ModelAnalyzers>,
    metrics: Metrics,
}

impl MeteredModels {
    /// Wraps `inner`, recording into `metrics`.
    #[must_use]
    pub fn new(inner: Arc<dyn ModelAnalyzers>, metrics: Metrics) -> Self {
        Self { inner, metrics }
    }
}

impl ModelAnalyzers for MeteredModels {
    fn has_default_key(&self) -> bool {
        self.inner.has_default_key()
    }

    fn endpoint(
        &self,
        base_url: Option<String>,
        model: Option<String>,
    ) -> anyhow::Result<Arc<dyn ContextAnalyzer>> {
        let analyzer = self.inner.endpoint(base_url, model)?;
        Ok(Arc::new(MeteredAnalyzer::new(
            "openai",
            analyzer,
            self.metrics.clone(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;
    use serde_json::json;

    #[test]
    fn access_follows_the_settings() {
        let token = || Some(SecretString::from("0123456789abcdef-token"));
        let addr = Some(SocketAddr::from(([127, 0, 0, 1], 9464)));
        let off = MetricsSettings::default();
        assert!(matches!(off.access(), MetricsAccess::Off));
        let bearer = MetricsSettings {
            token: token(),
            bind: None,
        };
        assert!(matches!(bearer.access(), MetricsAccess::Bearer(_)));
        for token in [None, token()] {
            let separate = MetricsSettings { token, bind: addr };
            assert!(matches!(separate.access(), MetricsAccess::SeparateListener));
        }
    }

    #[test]
    fn dispatch_outcomes() {
        let sent = JobOutcome::Done(Some(json!({"status": "sent", "provider_message_id": "x"})));
        assert_eq!(dispatch_outcome(&sent), "sent");
        assert_eq!(
            dispatch_outcome(&JobOutcome::Done(Some(json!({"skipped": "sent"})))),
            "skipped"
        );
        assert_eq!(dispatch_outcome(&JobOutcome::Done(None)), "skipped");
        let retry = JobOutcome::RetryAt {
            at: chrono::Utc::now(),
            error: "503".into(),
        };
        assert_eq!(dispatch_outcome(&retry), "retry");
        assert_eq!(job_outcome(&retry), "retry");
        let failed = JobOutcome::Failed("rejected".into());
        assert_eq!(dispatch_outcome(&failed), "failed");
        assert_eq!(job_outcome(&failed), "failed");
        assert_eq!(job_outcome(&sent), "done");
    }

    /// An analyzer that always refuses.
    struct Refusing;

    #[async_trait]
    impl ContextAnalyzer for Refusing {
        async fn analyze(
            &self,
            _input: AnalysisInput,
            _api_key: Option<String>,
        ) -> Result<AnalysisReport, AnalyzerError> {
            Err(AnalyzerError::Refused("no".into()))
        }
    }

    /// Models whose every endpoint is [`Refusing`].
    struct RefusingModels;

    impl ModelAnalyzers for RefusingModels {
        fn has_default_key(&self) -> bool {
            true
        }

        fn endpoint(
            &self,
            _base_url: Option<String>,
            _model: Option<String>,
        ) -> anyhow::Result<Arc<dyn ContextAnalyzer>> {
            Ok(Arc::new(Refusing))
        }
    }

    #[tokio::test]
    async fn metered_models_label_their_endpoints_openai_and_record_failures() {
        let metrics = Metrics::default();
        let metered = MeteredModels::new(Arc::new(RefusingModels), metrics.clone());
        assert!(metered.has_default_key());
        let analyzer = metered.endpoint(None, None).unwrap();
        let err = analyzer.analyze(sample_input(), None).await.unwrap_err();
        assert!(matches!(err, AnalyzerError::Refused(_)));
        let text = metrics.render().await.unwrap();
        assert!(
            text.contains(r#"atende_analyzer_calls_total{analyzer="openai",outcome="refused"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"atende_analyzer_duration_seconds_count{analyzer="openai"} 1"#),
            "{text}"
        );
        assert!(!text.contains("atende_analyzer_tokens_total{"), "{text}");
    }

    fn sample_input() -> AnalysisInput {
        AnalysisInput {
            locale: "pt-BR".into(),
            facts: domain::snapshots::ClientFacts {
                status: "lead".into(),
                appointments_total: 0,
                appointments_completed: 0,
                appointments_canceled: 0,
                appointments_no_show: 0,
                last_visit_at: None,
                next_appointment_at: None,
                services_used: vec![],
            },
            messages: vec![],
        }
    }
}
