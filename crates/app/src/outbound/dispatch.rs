//! The `outbound_dispatch` job: one signed call to the clinic's relay per attempt.

use crate::jobs::{JobHandler, backoff_delay};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::conversations::DeliveryStatus;
use domain::inbound::StatusReport;
use domain::integrations::{IntegrationStatus, Provider};
use domain::jobs::{Job, JobOutcome};
use domain::outbound::SentRecord;
use domain::ports::clock::Clock;
use domain::ports::dispatcher::{
    DispatchResult, DispatchTarget, OutboundDispatcher, OutboundMessage,
};
use domain::ports::inbound::InboundStore;
use domain::ports::integrations::IntegrationDirectory;
use domain::ports::outbox::OutboxStore;
use domain::{Channel, CompanyId, InteractionId};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// The longest `Retry-After` honoured (a relay asking for more is retried after this).
const MAX_RETRY_AFTER_SECS: u64 = 24 * 3600;

/// How dispatches are made and retried.
#[derive(Clone, PartialEq, Eq)]
pub struct DispatchSettings {
    /// Delays between attempts, in seconds (`ATENDE_OUTBOX_BACKOFF`); the last one repeats.
    pub backoff: Vec<u64>,
    /// Atende's public base URL (`ATENDE_PUBLIC_URL`): callbacks go to
    /// `<public_url>/webhooks/n8n/status`.
    pub public_url: String,
    /// `N8N_OUTBOUND_URL` + `N8N_OUTBOUND_SECRET`: used for `ATENDE_DEFAULT_COMPANY_ID` only,
    /// when that clinic has no active n8n integration.
    pub fallback: Option<FallbackRelay>,
}

/// The server-wide fallback relay and the one clinic it serves (never any other: its replies
/// would leave from that clinic's account).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FallbackRelay {
    /// `ATENDE_DEFAULT_COMPANY_ID`.
    pub company: CompanyId,
    /// `N8N_OUTBOUND_URL` + `N8N_OUTBOUND_SECRET`.
    pub target: DispatchTarget,
}

impl std::fmt::Debug for DispatchSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatchSettings")
            .field("backoff", &self.backoff)
            .field("public_url", &self.public_url)
            .field("fallback", &self.fallback)
            .finish()
    }
}

/// The `outbound_dispatch` job handler.
pub struct OutboundDispatch {
    store: Arc<dyn OutboxStore>,
    statuses: Arc<dyn InboundStore>,
    directory: Arc<dyn IntegrationDirectory>,
    dispatcher: Arc<dyn OutboundDispatcher>,
    clock: Arc<dyn Clock>,
    settings: DispatchSettings,
}

impl OutboundDispatch {
    /// Builds the handler over its ports.
    #[must_use]
    pub fn new(
        store: Arc<dyn OutboxStore>,
        statuses: Arc<dyn InboundStore>,
        directory: Arc<dyn IntegrationDirectory>,
        dispatcher: Arc<dyn OutboundDispatcher>,
        clock: Arc<dyn Clock>,
        settings: DispatchSettings,
    ) -> Self {
        Self {
            store,
            statuses,
            directory,
            dispatcher,
            clock,
            settings,
        }
    }

    /// `<public_url>/webhooks/n8n/status`.
    fn callback_url(&self) -> String {
        format!(
            "{}/webhooks/n8n/status",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    /// When the next attempt runs after `job`'s attempt failed: the backoff (with a jitter
    /// derived from the message, so it is stable per attempt), or the relay's `Retry-After` when
    /// that is longer.
    fn next_attempt(
        &self,
        job: &Job,
        id: InteractionId,
        retry_after: Option<u64>,
    ) -> DateTime<Utc> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (id.0, job.attempts).hash(&mut h);
        let jitter = (h.finish() % 10_000) as f64 / 10_000.0;
        let backoff = backoff_delay(&self.settings.backoff, job.attempts, jitter);
        let asked = Duration::from_secs(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_SECS));
        let delay =
            chrono::Duration::from_std(backoff.max(asked)).unwrap_or(chrono::Duration::hours(1));
        self.clock.now() + delay
    }

    /// The clinic's relay: its active n8n integration, else the environment fallback when the
    /// clinic is the one it serves.
    async fn target(&self, company: CompanyId) -> anyhow::Result<Option<DispatchTarget>> {
        let found = self
            .directory
            .active_for_company(company, Provider::N8n)
            .await?;
        let from_integration = found
            .filter(|i| i.status == IntegrationStatus::Active)
            .and_then(|i| {
                let url = i
                    .config
                    .get("outbound_url")
                    .and_then(|u| u.as_str())?
                    .to_owned();
                Some(DispatchTarget {
                    url,
                    secret: i.secrets.outbound_secret?,
                })
            });
        Ok(from_integration.or_else(|| {
            self.settings
                .fallback
                .as_ref()
                .filter(|f| f.company == company)
                .map(|f| f.target.clone())
        }))
    }

    /// The clinic's account on `channel` (e.g. WhatsApp's `phone_number_id`), when it has one.
    async fn account_id(&self, company: CompanyId, channel: Channel) -> Option<String> {
        let provider = match channel {
            Channel::Whatsapp => Provider::Whatsapp,
            Channel::Instagram => Provider::Instagram,
            _ => return None,
        };
        match self.directory.active_for_company(company, provider).await {
            Ok(found) => found.map(|i| i.account_id),
            Err(e) => {
                tracing::warn!(company_id = %company, error = %e, "channel account not resolved for a dispatch");
                None
            }
        }
    }

    /// Marks the message `failed` with `{code, title}` and ends the job.
    async fn fail(
        &self,
        company: CompanyId,
        id: InteractionId,
        error: serde_json::Value,
        reason: String,
    ) -> JobOutcome {
        let report = StatusReport {
            interaction_id: Some(id),
            provider_message_id: None,
            status: DeliveryStatus::Failed,
            error: Some(error),
            at: self.clock.now(),
        };
        match self.statuses.apply_status(company, report).await {
            Ok(_) => JobOutcome::Failed(reason),
            Err(e) => JobOutcome::Failed(format!("{reason}; the failure was not recorded: {e}")),
        }
    }

    /// A transient failure: another attempt later, or `failed` when the budget is spent.
    async fn retry_or_fail(
        &self,
        job: &Job,
        id: InteractionId,
        error: String,
        retry_after: Option<u64>,
    ) -> JobOutcome {
        if job.attempts >= job.max_attempts {
            let detail = serde_json::json!({"code": "retries_exhausted", "title": error, "attempts": job.attempts});
            return self.fail(job.company_id, id, detail, error).await;
        }
        JobOutcome::RetryAt {
            at: self.next_attempt(job, id, retry_after),
            error,
        }
    }
}

impl OutboundDispatch {
    /// Records a reply the relay accepted. It ends `sent` even when its provider id cannot be
    /// kept (a duplicate of another message's id, or malformed): sending it again would reach the
    /// patient twice. Only when recording fails altogether is the attempt retried; the next call
    /// carries the same `Idempotency-Key`, so the relay answers it without sending again.
    async fn record_sent(
        &self,
        job: &Job,
        id: InteractionId,
        provider_message_id: Option<String>,
    ) -> JobOutcome {
        let company = job.company_id;
        let recorded = self
            .store
            .record_sent(company, id, provider_message_id.clone(), self.clock.now())
            .await;
        match recorded {
            Ok(SentRecord::Recorded) => JobOutcome::Done(Some(serde_json::json!({
                "status": "sent", "provider_message_id": provider_message_id,
            }))),
            Ok(SentRecord::RecordedWithoutProviderId { issue }) => {
                tracing::warn!(company_id = %company, interaction_id = %id, issue, "reply sent; its provider id was not kept");
                JobOutcome::Done(Some(serde_json::json!({
                    "status": "sent", "provider_message_id": null, "provider_id_issue": issue,
                })))
            }
            Ok(SentRecord::NotFound) => {
                JobOutcome::Done(Some(serde_json::json!({"skipped": "not_found"})))
            }
            Err(e) => {
                self.retry_or_fail(job, id, format!("sent, status not recorded: {e}"), None)
                    .await
            }
        }
    }
}

fn interaction_of(job: &Job) -> Option<InteractionId> {
    let raw = job.payload.get("interaction_id")?.as_str()?;
    uuid::Uuid::parse_str(raw).ok().map(InteractionId)
}

#[async_trait]
impl JobHandler for OutboundDispatch {
    async fn run(&self, job: Job) -> JobOutcome {
        let company = job.company_id;
        let Some(id) = interaction_of(&job) else {
            return JobOutcome::Failed("the payload names no interaction".into());
        };
        let info = match self.store.dispatch_info(company, id).await {
            Ok(Some(info)) => info,
            Ok(None) => return JobOutcome::Done(Some(serde_json::json!({"skipped": "not_found"}))),
            Err(e) => {
                return self
                    .retry_or_fail(&job, id, format!("store: {e}"), None)
                    .await;
            }
        };
        let interaction = info.interaction;
        // Idempotent: a message already sent (or failed, or moved on by a callback) is not sent again.
        if interaction.status != DeliveryStatus::Queued {
            return JobOutcome::Done(Some(
                serde_json::json!({"skipped": interaction.status.as_str()}),
            ));
        }
        let Some(to) = info.recipient else {
            let title = format!("the client has no identity on {}", interaction.channel);
            let error = serde_json::json!({"code": "no_channel_identity", "title": title});
            return self.fail(company, id, error, title).await;
        };
        let target = match self.target(company).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                let error =
                    serde_json::json!({"code": "no_integration", "title": "no n8n integration"});
                return self
                    .fail(company, id, error, "no n8n integration".into())
                    .await;
            }
            Err(e) => {
                return self
                    .retry_or_fail(&job, id, format!("integration: {e}"), None)
                    .await;
            }
        };
        let message = OutboundMessage {
            interaction_id: id,
            company_id: company,
            conversation_id: interaction.conversation_id,
            channel: interaction.channel.as_str().to_owned(),
            account_id: self.account_id(company, interaction.channel).await,
            to,
            text: interaction.text.unwrap_or_default(),
            callback_url: self.callback_url(),
        };
        match self.dispatcher.dispatch(target, message).await {
            DispatchResult::Sent {
                provider_message_id,
            } => self.record_sent(&job, id, provider_message_id).await,
            DispatchResult::Rejected { status, error } => {
                let detail = serde_json::json!({"code": status, "title": error});
                self.fail(company, id, detail, error).await
            }
            DispatchResult::Retryable {
                error,
                retry_after_secs,
            } => self.retry_or_fail(&job, id, error, retry_after_secs).await,
        }
    }
}
