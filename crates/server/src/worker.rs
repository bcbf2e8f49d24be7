//! The background worker: claims due jobs (`FOR UPDATE SKIP LOCKED`, leased), runs each with the
//! handler of its kind, records the outcome, and sleeps until a job is queued (LISTEN/NOTIFY) or
//! the poll interval passes. Any number of workers on any number of nodes share one queue.

use app::jobs::JobHandler;
use domain::jobs::{Job, JobOutcome};
use domain::ports::jobs::JobQueue;
use infra_postgres::jobs::JobListener;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Worker tuning.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `ATENDE_JOB_LEASE_SECS` (default 60): a claimed job is claimable again after this long.
    pub lease_secs: u32,
    /// Jobs claimed per round.
    pub batch: u32,
    /// The longest sleep without a notification.
    pub poll_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            lease_secs: 60,
            batch: 16,
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// A worker over a queue and its handlers.
pub struct Worker {
    id: String,
    queue: Arc<dyn JobQueue>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    settings: WorkerSettings,
    metrics: Option<api_http::metrics::Metrics>,
}

impl Worker {
    /// A worker named `id` (unique per process, e.g. `host:pid:n`).
    #[must_use]
    pub fn new(id: String, queue: Arc<dyn JobQueue>, settings: WorkerSettings) -> Self {
        Self {
            id,
            queue,
            handlers: HashMap::new(),
            settings,
            metrics: None,
        }
    }

    /// Records every job run (`atende_jobs_total`) and every outbound dispatch attempt
    /// (`atende_outbox_dispatch_attempts_total`) in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: api_http::metrics::Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Handles jobs of `kind` with `handler`.
    #[must_use]
    pub fn handle(mut self, kind: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Claims and runs one batch; returns how many jobs ran.
    ///
    /// # Errors
    /// When the queue fails.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let kinds: Vec<String> = self.handlers.keys().cloned().collect();
        let jobs = self
            .queue
            .claim(
                self.id.clone(),
                kinds,
                self.settings.batch,
                self.settings.lease_secs,
            )
            .await?;
        let n = jobs.len();
        let runs = jobs.into_iter().map(|job| self.run_job(job));
        for result in futures_util::future::join_all(runs).await {
            result?;
        }
        Ok(n)
    }

    async fn run_job(&self, job: Job) -> anyhow::Result<()> {
        let (company, id, kind) = (job.company_id, job.id, job.kind.clone());
        let outcome = match self.handlers.get(&job.kind) {
            Some(h) => h.run(job).await,
            None => JobOutcome::Failed(format!("no handler for {kind}")),
        };
        if let Some(m) = &self.metrics {
            m.record_job(&kind, crate::metrics::job_outcome(&outcome));
            if kind == domain::jobs::kinds::OUTBOUND_DISPATCH {
                m.record_dispatch(crate::metrics::dispatch_outcome(&outcome));
            }
        }
        match &outcome {
            JobOutcome::Done(_) => {
                tracing::info!(company_id = %company, job_id = %id, kind, outcome = "done", "job")
            }
            JobOutcome::RetryAt { at, error } => {
                tracing::warn!(company_id = %company, job_id = %id, kind, outcome = "retry", retry_at = %at, error, "job");
            }
            JobOutcome::Failed(error) => {
                tracing::error!(company_id = %company, job_id = %id, kind, outcome = "failed", error, "job")
            }
        }
        self.queue.finish(company, id, outcome).await
    }

    /// Runs until `shutdown` turns true: claims while there is work, then waits for a
    /// notification (or the poll interval).
    pub async fn run(self, mut listener: JobListener, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, kinds = ?self.handlers.keys().collect::<Vec<_>>(), "worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "worker round failed"),
            }
            tokio::select! {
                () = listener.wait(self.settings.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }
}
