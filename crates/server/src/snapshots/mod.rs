//! Wiring of the analyst agent: its use cases over PostgreSQL and the OpenAI-compatible adapter,
//! its job handlers, the daily scheduler loop, and `atende snapshots run-daily`.

mod settings;

pub use settings::SnapshotSettings;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::snapshots::heuristic::HeuristicAnalyzer;
use app::snapshots::triggers::{
    ClientSnapshotHandler, ConversationClosedHandler, DailyScheduler, DailySnapshotHandler,
    run_daily,
};
use app::snapshots::{SnapshotPorts, Snapshots};
use domain::jobs::kinds;
use domain::ports::analyzer::ContextAnalyzer;
use domain::ports::integrations::SecretCipher;
use domain::ports::snapshots::ModelAnalyzers;
use infra_crypto::SecretBox;
use infra_crypto::secret_cipher::BoxCipher;
use infra_openai::{OpenAiAnalyzer, OpenAiConfig};
use infra_postgres::Database;
use infra_postgres::integrations::PgIntegrationDirectory;
use infra_postgres::jobs::PgJobQueue;
use infra_postgres::snapshots::PgSnapshotStore;
use tokio::sync::watch;

use crate::metrics::{MeteredAnalyzer, MeteredModels};
use crate::wiring::SystemClock;
use crate::worker::Worker;
use api_http::metrics::Metrics;

/// How often each node checks whether a clinic's daily run is due.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(60);

/// [`ModelAnalyzers`] over [`OpenAiAnalyzer`]: the server's endpoint from the settings, or a
/// clinic's own base URL and model.
pub struct OpenAiModels {
    config: OpenAiConfig,
    default: Option<Arc<dyn ContextAnalyzer>>,
}

impl OpenAiModels {
    /// The models of `settings`.
    #[must_use]
    pub fn new(settings: &SnapshotSettings) -> Self {
        let mut config = OpenAiConfig::new()
            .with_base_url(settings.openai_base_url.clone())
            .with_model(settings.openai_model.clone())
            .with_egress(settings.egress.clone());
        config.api_key = settings.openai_api_key.clone();
        let default = OpenAiAnalyzer::new(config.clone())
            .ok()
            .map(|a| Arc::new(a) as Arc<dyn ContextAnalyzer>);
        Self { config, default }
    }
}

impl ModelAnalyzers for OpenAiModels {
    fn has_default_key(&self) -> bool {
        self.config.api_key.is_some()
    }

    fn endpoint(
        &self,
        base_url: Option<String>,
        model: Option<String>,
    ) -> anyhow::Result<Arc<dyn ContextAnalyzer>> {
        if base_url.is_none() && model.is_none() {
            return self
                .default
                .clone()
                .context("the OpenAI settings do not make a usable endpoint");
        }
        let mut config = self.config.clone();
        if let Some(base) = base_url {
            config = config.with_base_url(base);
        }
        if let Some(model) = model {
            config = config.with_model(model);
        }
        Ok(Arc::new(
            OpenAiAnalyzer::new(config).context("the clinic's OpenAI endpoint is not usable")?,
        ))
    }
}

/// The analyst's use cases over `db`, opening clinic keys with `cipher`; every analysis (model
/// or heuristic) is recorded in `metrics`.
#[must_use]
pub fn use_cases(
    db: &Database,
    cipher: Arc<dyn SecretCipher>,
    settings: &SnapshotSettings,
    metrics: &Metrics,
) -> Snapshots {
    use_cases_at(db, cipher, settings, metrics, Arc::new(SystemClock))
}

/// [`use_cases`] reading the time from `clock` (tests pin it so no run straddles midnight).
#[must_use]
pub fn use_cases_at(
    db: &Database,
    cipher: Arc<dyn SecretCipher>,
    settings: &SnapshotSettings,
    metrics: &Metrics,
    clock: Arc<dyn domain::ports::clock::Clock>,
) -> Snapshots {
    Snapshots::new(
        SnapshotPorts {
            store: Arc::new(PgSnapshotStore::new(db.clone())),
            integrations: Arc::new(PgIntegrationDirectory::new(db.clone(), cipher)),
            models: Arc::new(MeteredModels::new(
                Arc::new(OpenAiModels::new(settings)),
                metrics.clone(),
            )),
            heuristic: Arc::new(MeteredAnalyzer::new(
                "heuristic",
                Arc::new(HeuristicAnalyzer::new()),
                metrics.clone(),
            )),
            clock,
        },
        settings.policy,
    )
}

/// [`use_cases`] with the master key(s) `keys`.
#[must_use]
pub fn keyed(
    db: &Database,
    keys: SecretBox,
    settings: &SnapshotSettings,
    metrics: &Metrics,
) -> Snapshots {
    use_cases(db, Arc::new(BoxCipher::new(keys)), settings, metrics)
}

/// `worker` with the analyst's job handlers (`conversation_closed`, `snapshot_client`, and the
/// `snapshot_daily` sweep, which queues `snapshot_client` jobs on the worker's queue).
#[must_use]
pub fn register(worker: Worker, snapshots: &Snapshots) -> Worker {
    let queue = worker.queue();
    worker
        .handle(
            kinds::CONVERSATION_CLOSED,
            Arc::new(ConversationClosedHandler::new(snapshots.clone())),
        )
        .handle(
            kinds::SNAPSHOT_CLIENT,
            Arc::new(ClientSnapshotHandler::new(snapshots.clone())),
        )
        .handle(
            kinds::SNAPSHOT_DAILY,
            Arc::new(DailySnapshotHandler::new(snapshots.clone(), queue)),
        )
}

/// The daily scheduler over `db`, queueing with the rules of `snapshots`.
#[must_use]
pub fn scheduler(db: &Database, snapshots: &Snapshots) -> DailyScheduler {
    DailyScheduler::new(snapshots.clone(), Arc::new(PgJobQueue::new(db.clone())))
}

/// Ticks `scheduler` every [`SCHEDULER_TICK`] until `shutdown` turns true. Every node may run
/// it: the queue's unique key makes each clinic's daily run once per local date.
pub async fn run_scheduler(scheduler: DailyScheduler, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match scheduler.tick().await {
            Ok(n) if n > 0 => tracing::info!(queued = n, "daily snapshot runs queued"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "daily snapshot scheduler failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(SCHEDULER_TICK) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// `atende snapshots run-daily [--company ID]`: runs the daily rule now, in this process, for
/// one clinic or all of them, printing one JSON line of counts per clinic. The budget still
/// applies, so running it twice makes no second snapshot of a patient.
///
/// # Errors
/// When the master key cannot be resolved or the database fails.
pub async fn run_daily_command(
    config: &crate::config::Config,
    company: Option<uuid::Uuid>,
) -> anyhow::Result<()> {
    let db = crate::wiring::database(config)?;
    let (keys, _) = crate::master_key::for_process(config)?;
    // A one-shot command: nothing scrapes it, so its analyses go to a registry of its own.
    let snapshots = keyed(&db, keys, &config.snapshots, &Metrics::default());
    let clinics: Vec<domain::CompanyId> = match company {
        Some(id) => vec![domain::CompanyId(id)],
        None => {
            use domain::ports::snapshots::SnapshotStore;
            PgSnapshotStore::new(db.clone())
                .clinic_clocks(chrono::Utc::now())
                .await?
                .into_iter()
                .map(|c| c.company_id)
                .collect()
        }
    };
    for clinic in clinics {
        let counts = run_daily(&snapshots, clinic)
            .await
            .with_context(|| format!("daily run of {clinic}"))?;
        let mut line = counts.to_json();
        if let Some(obj) = line.as_object_mut() {
            obj.insert("company_id".into(), serde_json::json!(clinic));
        }
        println!("{line}");
    }
    Ok(())
}
