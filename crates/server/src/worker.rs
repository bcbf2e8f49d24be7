//! The background worker: claims due jobs continuously, per capacity class (outbound dispatch,
//! analyses, sweeps), each class with its own slots (a semaphore) so a slow class never delays
//! another; claims are fair across clinics (no clinic holds more than its share of a class's
//! running jobs, see `atende_claim_jobs`); each running job's lease is renewed while it runs and
//! its outcome is recorded only if the job is still this worker's attempt (fenced by worker id
//! and attempt). Any number of workers on any number of nodes share one queue.

mod settings;

pub use settings::{Capacities, Capacity};

use app::jobs::JobHandler;
use domain::jobs::{ClaimRequest, Job, JobFence, JobOutcome, kinds};
use domain::ports::jobs::JobQueue;
use infra_postgres::jobs::JobListener;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

/// Worker tuning.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `ATENDE_JOB_LEASE_SECS` (default 60): a claimed job is claimable again after this long
    /// unless its worker renews it (every third of it while the job runs).
    pub lease_secs: u32,
    /// The longest sleep without a notification or a finished job.
    pub poll_interval: Duration,
    /// Slots and per-clinic shares of each class.
    pub capacities: Capacities,
    /// On shutdown, how long running jobs may finish before they are abandoned (their leases
    /// then expire and another worker takes them).
    pub shutdown_grace: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            lease_secs: 60,
            poll_interval: Duration::from_secs(2),
            capacities: Capacities::default(),
            shutdown_grace: Duration::from_secs(25),
        }
    }
}

/// The capacity classes: each has its own slots and per-clinic share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `outbound_dispatch`: replies to patients (short, latency-sensitive).
    Dispatch,
    /// `conversation_closed`, `snapshot_client` and any other kind: snapshot analyses.
    Analysis,
    /// `snapshot_daily`: a clinic's daily sweep (it only queues per-patient jobs).
    Sweep,
}

impl Class {
    /// The class of a job kind.
    #[must_use]
    pub fn of(kind: &str) -> Self {
        match kind {
            kinds::OUTBOUND_DISPATCH => Self::Dispatch,
            kinds::SNAPSHOT_DAILY => Self::Sweep,
            _ => Self::Analysis,
        }
    }

    const ALL: [Self; 3] = [Self::Dispatch, Self::Analysis, Self::Sweep];
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

    /// Handles jobs of `kind` with `handler` (in the kind's [`Class`]).
    #[must_use]
    pub fn handle(mut self, kind: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// The queue this worker claims from (handlers that queue more work use it).
    #[must_use]
    pub fn queue(&self) -> Arc<dyn JobQueue> {
        Arc::clone(&self.queue)
    }

    /// This worker's id (`locked_by` of the jobs it holds).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The kinds of `class` this worker has handlers for.
    fn kinds(&self, class: Class) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .handlers
            .keys()
            .filter(|k| Class::of(k) == class)
            .cloned()
            .collect();
        kinds.sort();
        kinds
    }

    /// Claims up to `limit` due jobs of `class`.
    async fn claim(&self, class: Class, limit: u32) -> anyhow::Result<Vec<Job>> {
        let kinds = self.kinds(class);
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let capacity = self.settings.capacities.of(class);
        self.queue
            .claim(ClaimRequest {
                worker: self.id.clone(),
                kinds,
                limit,
                lease_secs: self.settings.lease_secs,
                per_company: capacity.per_clinic,
            })
            .await
    }

    /// Claims once per class (up to each class's slots) and runs what it got, all at once;
    /// returns how many jobs ran. For tests and one-shot use: [`Worker::run`] claims
    /// continuously instead.
    ///
    /// # Errors
    /// When the queue fails.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut jobs = Vec::new();
        for class in Class::ALL {
            let slots = self.settings.capacities.of(class).slots;
            jobs.extend(self.claim(class, slots).await?);
        }
        let n = jobs.len();
        let runs = jobs.into_iter().map(|job| self.run_job(job));
        for result in futures_util::future::join_all(runs).await {
            result?;
        }
        Ok(n)
    }

    /// Runs one claimed job: the handler, with its lease renewed every third of the lease while
    /// it runs, then the outcome recorded if the job is still this attempt. When a renewal finds
    /// the job taken over (its lease ran out and another worker claimed it), the handler is
    /// dropped and nothing is recorded.
    async fn run_job(&self, job: Job) -> anyhow::Result<()> {
        let (company, id, kind) = (job.company_id, job.id, job.kind.clone());
        let fence = JobFence {
            worker: self.id.clone(),
            attempt: job.attempts,
        };
        let outcome = match self.handlers.get(&job.kind) {
            Some(h) => self.renewing(h.run(job), company, id, &fence, &kind).await,
            None => Some(JobOutcome::Failed(format!("no handler for {kind}"))),
        };
        let Some(outcome) = outcome else {
            self.record(&kind, "lease_lost", None);
            tracing::warn!(company_id = %company, job_id = %id, kind, "job lease taken over; its run was abandoned");
            return Ok(());
        };
        let label = crate::metrics::job_outcome(&outcome);
        match &outcome {
            JobOutcome::Done(_) => {
                tracing::info!(company_id = %company, job_id = %id, kind, outcome = label, "job");
            }
            JobOutcome::RetryAt { at, error } => {
                tracing::warn!(company_id = %company, job_id = %id, kind, outcome = label, retry_at = %at, error, "job");
            }
            JobOutcome::Deferred { at, reason } => {
                tracing::info!(company_id = %company, job_id = %id, kind, outcome = label, run_at = %at, reason, "job");
            }
            JobOutcome::Failed(error) => {
                tracing::error!(company_id = %company, job_id = %id, kind, outcome = label, error, "job");
            }
        }
        let dispatch = crate::metrics::dispatch_outcome(&outcome);
        if self.queue.finish(company, id, fence, outcome).await? {
            self.record(&kind, label, Some(dispatch));
        } else {
            self.record(&kind, "lease_lost", None);
            tracing::warn!(company_id = %company, job_id = %id, kind, "job outcome not recorded: its lease was taken over");
        }
        Ok(())
    }

    /// Drives `work` to its end while renewing the job's lease; None when a renewal found the job
    /// no longer held by `fence`. A failing renewal (database trouble) is retried at the next
    /// tick; the finish is fenced anyway.
    async fn renewing(
        &self,
        work: impl std::future::Future<Output = JobOutcome>,
        company: domain::CompanyId,
        id: domain::JobId,
        fence: &JobFence,
        kind: &str,
    ) -> Option<JobOutcome> {
        let every = Duration::from_millis(u64::from(self.settings.lease_secs) * 1000 / 3)
            .max(Duration::from_millis(100));
        tokio::pin!(work);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                outcome = &mut work => return Some(outcome),
                _ = tick.tick() => {
                    match self.queue.renew(company, id, fence.clone(), self.settings.lease_secs).await {
                        Ok(true) => {}
                        Ok(false) => return None,
                        Err(e) => tracing::warn!(company_id = %company, job_id = %id, kind, error = %e, "job lease renewal failed"),
                    }
                }
            }
        }
    }

    fn record(&self, kind: &str, outcome: &'static str, dispatch: Option<&'static str>) {
        if let Some(m) = &self.metrics {
            m.record_job(kind, outcome);
            if let Some(d) = dispatch
                && kind == kinds::OUTBOUND_DISPATCH
            {
                m.record_dispatch(d);
            }
        }
    }

    /// Runs until `shutdown` turns true: one loop per class, each keeping its slots busy
    /// (claiming again as soon as a job ends, a job is queued on any node, or the poll interval
    /// passes). On shutdown, running jobs get [`WorkerSettings::shutdown_grace`] to finish.
    pub async fn run(self, mut listener: JobListener, mut shutdown: watch::Receiver<bool>) {
        let worker = Arc::new(self);
        tracing::info!(worker = %worker.id, kinds = ?worker.handlers.keys().collect::<Vec<_>>(), "worker started");
        let wakes: HashMap<Class, Arc<Notify>> = Class::ALL
            .iter()
            .map(|c| (*c, Arc::new(Notify::new())))
            .collect();
        let mut loops = JoinSet::new();
        for class in Class::ALL {
            if worker.kinds(class).is_empty() {
                continue;
            }
            let wake = wakes.get(&class).cloned().unwrap_or_default();
            loops.spawn(Arc::clone(&worker).run_class(class, wake, shutdown.clone()));
        }
        let poll = worker.settings.poll_interval;
        loop {
            tokio::select! {
                () = listener.wait(poll) => wakes.values().for_each(|w| w.notify_one()),
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        while loops.join_next().await.is_some() {}
        tracing::info!(worker = %worker.id, "worker stopped");
    }

    /// The continuous loop of one class.
    async fn run_class(
        self: Arc<Self>,
        class: Class,
        wake: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let slots = self.settings.capacities.of(class).slots.max(1);
        let permits = Arc::new(Semaphore::new(slots as usize));
        let mut running: JoinSet<()> = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let free = u32::try_from(permits.available_permits()).unwrap_or(0);
            let mut full_claim = false;
            if free > 0 {
                match self.claim(class, free).await {
                    Ok(jobs) => {
                        full_claim = !jobs.is_empty() && jobs.len() == free as usize;
                        for job in jobs {
                            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                                break;
                            };
                            let me = Arc::clone(&self);
                            running.spawn(async move {
                                if let Err(e) = me.run_job(job).await {
                                    tracing::error!(error = %e, "job outcome not recorded");
                                }
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::error!(?class, error = %e, "claiming jobs failed"),
                }
            }
            if full_claim && permits.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                Some(_) = running.join_next(), if !running.is_empty() => {}
                () = wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        let grace = self.settings.shutdown_grace;
        let drained = tokio::time::timeout(grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                ?class,
                "jobs still running at shutdown were abandoned (their leases will expire)"
            );
            running.abort_all();
        }
    }
}

/// `atende jobs failed [--company ID] [--limit N]`: the jobs that failed for good, newest first,
/// one JSON line each (`{company_id, id, kind, attempts, max_attempts, last_error,
/// finished_at}`), for one clinic or every clinic.
///
/// # Errors
/// When the database fails.
pub async fn failed_command(
    config: &crate::config::Config,
    company: Option<uuid::Uuid>,
    limit: u32,
) -> anyhow::Result<()> {
    let db = crate::wiring::database(config)?;
    let queue = infra_postgres::jobs::PgJobQueue::new(db.clone());
    let clinics = match company {
        Some(id) => vec![domain::CompanyId(id)],
        None => infra_postgres::jobs::clinic_ids(&db).await?,
    };
    for clinic in clinics {
        for job in queue.failed(clinic, limit).await? {
            let line = serde_json::json!({
                "company_id": job.company_id,
                "id": job.id,
                "kind": job.kind,
                "attempts": job.attempts,
                "max_attempts": job.max_attempts,
                "last_error": job.last_error,
                "finished_at": job.finished_at,
            });
            println!("{line}");
        }
    }
    Ok(())
}
