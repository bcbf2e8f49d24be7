//! The analyst's use cases: generate (reserve in one short transaction, analyse with no
//! database connection held, store in another), read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::auth::Tenant;
use domain::integrations::Provider;
use domain::page::Page;
use domain::ports::analyzer::ContextAnalyzer;
use domain::ports::clock::Clock;
use domain::ports::integrations::IntegrationDirectory;
use domain::ports::snapshots::{ModelAnalyzers, SnapshotStore};
use domain::snapshots::{
    AnalysisInput, AnalyzerError, NewSnapshot, Reservation, ReservationRules,
    SNAPSHOT_SCHEMA_VERSION, Snapshot, SnapshotCursor, SnapshotRunId, SnapshotTrigger, Stored,
};
use domain::{ClientId, ConversationId, SnapshotId};

use super::input::analysis_input;
use super::policy::SnapshotPolicy;

/// The analyst agent's use cases over their ports.
#[derive(Clone)]
pub struct Snapshots {
    store: Arc<dyn SnapshotStore>,
    integrations: Arc<dyn IntegrationDirectory>,
    models: Arc<dyn ModelAnalyzers>,
    heuristic: Arc<dyn ContextAnalyzer>,
    clock: Arc<dyn Clock>,
    policy: SnapshotPolicy,
}

/// The ports [`Snapshots`] works with.
pub struct SnapshotPorts {
    /// Snapshots and their material.
    pub store: Arc<dyn SnapshotStore>,
    /// The clinic's `openai` integration (its key, base URL and model).
    pub integrations: Arc<dyn IntegrationDirectory>,
    /// OpenAI-compatible analyzers.
    pub models: Arc<dyn ModelAnalyzers>,
    /// The offline analyzer (`heuristic-v1`), used when no key is configured.
    pub heuristic: Arc<dyn ContextAnalyzer>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateRequest {
    /// The patient.
    pub client_id: ClientId,
    /// The conversation that prompted it.
    pub source_conversation_id: Option<ConversationId>,
    /// Why.
    pub trigger: SnapshotTrigger,
}

/// A generated (or reused) snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The new snapshot, or the latest one when the budget is spent.
    pub snapshot: Snapshot,
    /// True when no analysis ran because the budget is spent.
    pub reused: bool,
    /// When the next snapshot of this patient may be made.
    pub next_allowed_at: DateTime<Utc>,
}

/// Why [`Snapshots::generate`] failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The clinic has no such client.
    #[error("client not found")]
    ClientNotFound,
    /// The source conversation is not a thread of this client.
    #[error("conversation not found")]
    ConversationNotFound,
    /// The analyzer failed; nothing was stored and no budget was spent.
    #[error(transparent)]
    Analyzer(AnalyzerError),
    /// The clinic has its maximum of analyses running; try again after `retry_after`.
    #[error("the clinic's analyses are at their limit")]
    Busy {
        /// When to try again.
        retry_after: chrono::Duration,
    },
    /// The clinic's daily quota of analyses on the server's key is spent until `until`.
    #[error("the clinic's daily analysis quota is spent")]
    QuotaExceeded {
        /// When one more analysis is allowed.
        until: DateTime<Utc>,
    },
    /// The patient's analysis started elsewhere is still running after the wait.
    #[error("an analysis of this patient is still running")]
    InProgress,
    /// The store failed.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Why reading snapshots failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadSnapshotsError {
    /// No such client or snapshot in the clinic.
    #[error("not found")]
    NotFound,
    /// The store failed.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// A page of a patient's history, newest first.
pub type SnapshotPage = Page<Snapshot, SnapshotCursor>;

impl Snapshots {
    /// The use cases over `ports` with `policy`.
    #[must_use]
    pub fn new(ports: SnapshotPorts, policy: SnapshotPolicy) -> Self {
        Self {
            store: ports.store,
            integrations: ports.integrations,
            models: ports.models,
            heuristic: ports.heuristic,
            clock: ports.clock,
            policy,
        }
    }

    /// The rules in force.
    #[must_use]
    pub fn policy(&self) -> SnapshotPolicy {
        self.policy
    }

    /// The store (for the daily run).
    pub(crate) fn store(&self) -> &Arc<dyn SnapshotStore> {
        &self.store
    }

    /// The clock (for triggers).
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Generates a snapshot of a patient, unless one was made within the budget window, in which
    /// case the latest is returned with `reused: true`. No database connection is held while
    /// the analyzer runs: the analysis is reserved in one short transaction (the budget, one
    /// analysis per patient at a time, the clinic's concurrency cap and, on the server's key, its
    /// daily quota) and stored in another. A call finding the patient's analysis running waits
    /// for it (up to `in_flight_wait`) and then finds its snapshot, so concurrent calls for one
    /// patient make one analysis.
    ///
    /// # Errors
    /// [`GenerateError::ClientNotFound`], [`GenerateError::ConversationNotFound`],
    /// [`GenerateError::Analyzer`] (nothing stored, no budget spent), [`GenerateError::Busy`],
    /// [`GenerateError::QuotaExceeded`], [`GenerateError::InProgress`], or the store failing.
    pub async fn generate(
        &self,
        tenant: Tenant,
        req: GenerateRequest,
    ) -> Result<Generated, GenerateError> {
        let company = tenant.company_id;
        if let Some(conversation) = req.source_conversation_id
            && !self
                .store
                .conversation_of(company, req.client_id, conversation)
                .await?
        {
            return Err(GenerateError::ConversationNotFound);
        }
        let interval = self.policy.min_interval;
        // Cheap path first: no reservation, no input, when the budget is obviously spent.
        if let Some(latest) = self.store.latest(company, req.client_id).await?
            && self.clock.now() < latest.created_at + interval
        {
            return Ok(reused(latest, interval));
        }
        let material = self
            .store
            .material(company, req.client_id, self.policy.message_window)
            .await?
            .ok_or(GenerateError::ClientNotFound)?;
        let input = analysis_input(&material);
        let (analyzer, key, server_key) = self.choose_analyzer(tenant).await?;
        let run = match self.reserve(tenant, req, server_key).await? {
            Ok(run) => run,
            Err(done) => return Ok(done),
        };
        // The analyzer runs here, with no connection or transaction held.
        let report = match analyzer.analyze(input.clone(), key).await {
            Ok(report) => report,
            Err(e) => {
                if let Err(release) = self.store.release(company, run).await {
                    tracing::warn!(company_id = %company, error = %release, "snapshot reservation not released; it expires");
                }
                return Err(GenerateError::Analyzer(e));
            }
        };
        let snapshot = new_snapshot(tenant, req, &input, report);
        let now = self.clock.now();
        match self
            .store
            .complete(company, run, snapshot, now, interval)
            .await?
        {
            Stored::Created(snapshot) => {
                let next_allowed_at = snapshot.created_at + interval;
                Ok(Generated {
                    snapshot,
                    reused: false,
                    next_allowed_at,
                })
            }
            Stored::Reused(snapshot) => Ok(reused(snapshot, interval)),
        }
    }

    /// Reserves the analysis: `Ok(Ok(run))` to go on, `Ok(Err(generated))` when the budget is
    /// spent (the latest snapshot, also after waiting for the patient's running analysis).
    async fn reserve(
        &self,
        tenant: Tenant,
        req: GenerateRequest,
        server_key: bool,
    ) -> Result<Result<SnapshotRunId, Generated>, GenerateError> {
        let company = tenant.company_id;
        let policy = self.policy;
        let mut waited = false;
        loop {
            let rules = ReservationRules {
                now: self.clock.now(),
                min_interval: policy.min_interval,
                max_concurrent: policy.max_concurrent.max(1),
                server_key_quota: server_key.then_some(policy.server_key_daily_quota),
                lease: policy.run_lease,
            };
            let run = SnapshotRunId::new();
            match self
                .store
                .reserve(company, req.client_id, run, server_key, rules)
                .await?
            {
                Reservation::Reserved(run) => return Ok(Ok(run)),
                Reservation::Reuse(latest) => return Ok(Err(reused(latest, policy.min_interval))),
                Reservation::Busy => {
                    return Err(GenerateError::Busy {
                        retry_after: policy.busy_retry,
                    });
                }
                Reservation::QuotaSpent { until } => {
                    return Err(GenerateError::QuotaExceeded { until });
                }
                Reservation::InFlight(other) if !waited => {
                    waited = true;
                    if !self
                        .store
                        .wait_for(company, other, policy.in_flight_wait)
                        .await?
                    {
                        return Err(GenerateError::InProgress);
                    }
                }
                Reservation::InFlight(_) => return Err(GenerateError::InProgress),
            }
        }
    }

    /// The analyzer for the clinic, the key to call it with, and whether that is the server's
    /// key (quota-counted): the clinic's active `openai` integration with a key (at its base URL
    /// and model, when set), else the server's `OPENAI_API_KEY`, else the offline heuristic
    /// analyzer.
    async fn choose_analyzer(
        &self,
        tenant: Tenant,
    ) -> anyhow::Result<(Arc<dyn ContextAnalyzer>, Option<String>, bool)> {
        let clinic = self
            .integrations
            .active_for_company(tenant.company_id, Provider::Openai)
            .await?;
        if let Some(integration) = clinic
            && let Some(key) = integration
                .secrets
                .api_key
                .clone()
                .filter(|k| !k.trim().is_empty())
        {
            let text = |name: &str| {
                integration
                    .config
                    .get(name)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .filter(|s| !s.trim().is_empty())
            };
            let analyzer = self.models.endpoint(text("base_url"), text("model"))?;
            return Ok((analyzer, Some(key), false));
        }
        if self.models.has_default_key() {
            return Ok((self.models.endpoint(None, None)?, None, true));
        }
        Ok((self.heuristic.clone(), None, false))
    }

    /// One snapshot of the clinic.
    ///
    /// # Errors
    /// [`ReadSnapshotsError::NotFound`] (also for another clinic's ids), or the store failing.
    pub async fn get(
        &self,
        tenant: Tenant,
        id: SnapshotId,
    ) -> Result<Snapshot, ReadSnapshotsError> {
        self.store
            .get(tenant.company_id, id)
            .await?
            .ok_or(ReadSnapshotsError::NotFound)
    }

    /// A patient's snapshots, newest first.
    ///
    /// # Errors
    /// [`ReadSnapshotsError::NotFound`] for an unknown client, or the store failing.
    pub async fn history(
        &self,
        tenant: Tenant,
        client: ClientId,
        after: Option<SnapshotCursor>,
        limit: u32,
    ) -> Result<SnapshotPage, ReadSnapshotsError> {
        let limit = limit.clamp(1, domain::page::MAX_LIMIT);
        let rows = self
            .store
            .history(tenant.company_id, client, after, limit)
            .await?
            .ok_or(ReadSnapshotsError::NotFound)?;
        Ok(Page::from_rows(rows, limit, |s| SnapshotCursor {
            created_at: s.created_at,
            id: s.data.id,
        }))
    }
}

fn reused(snapshot: Snapshot, interval: chrono::Duration) -> Generated {
    let next_allowed_at = snapshot.created_at + interval;
    Generated {
        snapshot,
        reused: true,
        next_allowed_at,
    }
}

fn new_snapshot(
    tenant: Tenant,
    req: GenerateRequest,
    input: &AnalysisInput,
    report: domain::snapshots::AnalysisReport,
) -> NewSnapshot {
    let a = report.analysis;
    NewSnapshot {
        id: SnapshotId(uuid::Uuid::now_v7()),
        client_id: req.client_id,
        source_conversation_id: req.source_conversation_id,
        summary: domain::snapshots::privacy::cut(&a.summary, domain::snapshots::SUMMARY_MAX_CHARS)
            .to_owned(),
        flags: a.flags,
        next_best_action: a.next_best_action.map(|s| {
            domain::snapshots::privacy::cut(&s, domain::snapshots::SUMMARY_MAX_CHARS).to_owned()
        }),
        // Only ids of messages the analyzer was shown: a model may invent others.
        evidence: a
            .evidence
            .into_iter()
            .filter(|id| input.messages.iter().any(|m| m.id == *id))
            .collect(),
        trigger: req.trigger,
        requested_by: match req.trigger {
            SnapshotTrigger::Manual => tenant.user_id,
            _ => None,
        },
        analyzer: report.analyzer,
        model: report.model,
        locale: input.locale.clone(),
        schema_version: SNAPSHOT_SCHEMA_VERSION,
        input_message_count: u32::try_from(input.messages.len()).unwrap_or(u32::MAX),
        input_from: input.messages.first().map(|m| m.at),
        input_to: input.messages.last().map(|m| m.at),
        prompt_tokens: report.prompt_tokens,
        completion_tokens: report.completion_tokens,
        latency_ms: Some(report.latency_ms),
    }
}
