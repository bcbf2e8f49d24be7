//! The inbound use cases: relay deliveries, Meta deliveries, Meta's subscription handshake.

use super::relay::{MAX_BATCH, RelayMessage, normalize};
use super::{FieldIssue, Inbound, meta_instagram, meta_whatsapp};
use domain::inbound::{InboundMessage, Ingested, StatusApplied, StatusReport};
use domain::integrations::{IntegrationStatus, Provider};
use domain::ports::inbound::SignatureFailure;
use domain::{Channel, CompanyId};
use serde_json::Value;
use std::time::Instant;

/// Why a delivery was refused. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The body is not JSON (or not the provider's envelope).
    #[error("malformed delivery: {0}")]
    Malformed(String),
    /// Missing, wrong, stale or foreign signature, or an unknown/inactive account (one answer
    /// for all, so nothing is revealed).
    #[error("unauthorized delivery: {0}")]
    Unauthorized(SignatureFailure),
    /// Authentic, but some fields are not acceptable.
    #[error("invalid delivery")]
    Invalid(Vec<FieldIssue>),
    /// Anything else (the store failed).
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Where one relayed message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayResult {
    /// The relay's `message_id`.
    pub message_id: String,
    /// The stored (or already stored) message.
    pub ingested: Ingested,
}

/// A relay delivery whose signature checked out.
#[derive(Debug)]
pub struct AuthenticatedRelay {
    /// The clinic it belongs to.
    pub company: CompanyId,
    /// The account it was addressed to.
    pub account_id: String,
    provider: Provider,
    value: Value,
}

/// What a Meta delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaOutcome {
    /// Messages stored now.
    pub stored: usize,
    /// Messages that had already been stored.
    pub duplicates: usize,
    /// Status reports that moved a message forward.
    pub statuses_applied: usize,
    /// Status reports ignored (late, repeated, unknown message).
    pub statuses_ignored: usize,
    /// Messages marked unsent.
    pub unsent: usize,
    /// Events skipped (not messages, unroutable or unauthenticated accounts).
    pub skipped: usize,
}

fn channel_of(provider: Provider) -> Channel {
    match provider {
        Provider::Instagram => Channel::Instagram,
        _ => Channel::Whatsapp,
    }
}

fn unauthorized(f: SignatureFailure) -> InboundError {
    // Stale stays distinguishable (the clock of the sender is off); everything else is one answer.
    match f {
        SignatureFailure::Stale => InboundError::Unauthorized(SignatureFailure::Stale),
        _ => InboundError::Unauthorized(SignatureFailure::Invalid),
    }
}

impl Inbound {
    /// A delivery from the n8n relay: authenticates it with the account's `webhook_secret`
    /// (or the legacy environment secret when no integration matches), validates every message,
    /// then stores each in its own transaction. Returns the clinic and one result per message, in
    /// order, after everything is committed.
    ///
    /// # Errors
    /// [`InboundError`]; nothing is stored unless every message is valid.
    pub async fn receive_relay(
        &self,
        provider: Provider,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> Result<(CompanyId, Vec<RelayResult>), InboundError> {
        let authenticated = self.authenticate_relay(provider, signature, body).await?;
        let company = authenticated.company;
        Ok((company, self.store_relay(authenticated).await?))
    }

    /// The first half of [`Inbound::receive_relay`]: routes the delivery to its clinic and checks
    /// the signature (so callers can rate-limit per account only authentic traffic).
    ///
    /// # Errors
    /// [`InboundError::Malformed`] or [`InboundError::Unauthorized`].
    pub async fn authenticate_relay(
        &self,
        provider: Provider,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> Result<AuthenticatedRelay, InboundError> {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| InboundError::Malformed("the body is not JSON".into()))?;
        let Some(account_id) = value
            .get("account_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        };
        let (company, secret) = match self.directory.route(provider, account_id.clone()).await? {
            Some(i) if i.provider == provider && i.status == IntegrationStatus::Active => {
                match i.secrets.webhook_secret {
                    Some(s) => (i.company_id, s),
                    None => return Err(InboundError::Unauthorized(SignatureFailure::Invalid)),
                }
            }
            Some(_) => return Err(InboundError::Unauthorized(SignatureFailure::Invalid)),
            None => match &self.legacy {
                Some(legacy) => {
                    tracing::warn!(company_id = %legacy.company, provider = provider.as_str(),
                        "relay delivery authenticated with the legacy ATENDE_WEBHOOK_SECRET");
                    (legacy.company, legacy.secret.clone())
                }
                None => return Err(InboundError::Unauthorized(SignatureFailure::Invalid)),
            },
        };
        let now = self.clock.now().timestamp();
        self.verifier
            .verify_atende(vec![secret], signature, &body, now, self.tolerance_secs)
            .map_err(unauthorized)?;
        Ok(AuthenticatedRelay {
            company,
            account_id,
            provider,
            value,
        })
    }

    /// The second half of [`Inbound::receive_relay`]: validates every message, then stores each
    /// in its own transaction.
    ///
    /// # Errors
    /// [`InboundError::Invalid`] (nothing stored) or [`InboundError::Unknown`].
    pub async fn store_relay(
        &self,
        delivery: AuthenticatedRelay,
    ) -> Result<Vec<RelayResult>, InboundError> {
        let messages = relay_messages(channel_of(delivery.provider), delivery.value)?;
        let mut results = Vec::with_capacity(messages.len());
        for m in messages {
            let message_id = m.provider_message_id.clone();
            let ingested = self.ingest_logged(delivery.company, m).await?;
            results.push(RelayResult {
                message_id,
                ingested,
            });
        }
        Ok(results)
    }

    async fn ingest_logged(
        &self,
        company: CompanyId,
        m: InboundMessage,
    ) -> anyhow::Result<Ingested> {
        let started = Instant::now();
        let channel = m.channel;
        let result = self.store.ingest(company, m).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(i) => tracing::info!(
                company_id = %company, conversation_id = %i.conversation_id, interaction_id = %i.interaction_id,
                duplicate = i.duplicate, channel = channel.as_str(), outcome = "stored", latency_ms, "inbound message"
            ),
            Err(e) => {
                tracing::error!(company_id = %company, channel = channel.as_str(), outcome = "error",
                latency_ms, error = %e, "inbound message not stored")
            }
        }
        result
    }

    /// A delivery straight from Meta (`X-Hub-Signature-256`). Routed per account
    /// (`phone_number_id` for WhatsApp, the entry id for Instagram); the signature must verify
    /// with the `app_secret` of every account whose events are processed, and with the first
    /// routable one or the whole delivery is refused. Accounts without an active integration are
    /// skipped and logged.
    ///
    /// # Errors
    /// [`InboundError`].
    pub async fn receive_meta(
        &self,
        provider: Provider,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> Result<MetaOutcome, InboundError> {
        let malformed = || InboundError::Malformed("not a Meta webhook delivery".into());
        let batches: Vec<MetaBatch> = match provider {
            Provider::Whatsapp => {
                let env: meta_whatsapp::Envelope =
                    serde_json::from_slice(&body).map_err(|_| malformed())?;
                if env.object != "whatsapp_business_account" {
                    return Err(malformed());
                }
                meta_whatsapp::parse(env)
                    .into_iter()
                    .map(|b| MetaBatch {
                        account_id: b.account_id,
                        messages: b.messages,
                        statuses: b.statuses,
                        unsent: Vec::new(),
                        skipped: b.skipped,
                    })
                    .collect()
            }
            Provider::Instagram => {
                let env: meta_instagram::Envelope =
                    serde_json::from_slice(&body).map_err(|_| malformed())?;
                if env.object != "instagram" {
                    return Err(malformed());
                }
                meta_instagram::parse(env)
                    .into_iter()
                    .map(|b| MetaBatch {
                        account_id: b.account_id,
                        messages: b.messages,
                        statuses: Vec::new(),
                        unsent: b.unsent,
                        skipped: b.skipped,
                    })
                    .collect()
            }
            Provider::N8n | Provider::Openai => return Err(malformed()),
        };
        let mut outcome = MetaOutcome::default();
        let mut authenticated_once = false;
        let mut accepted = Vec::new();
        for batch in batches {
            let routed = self
                .directory
                .route(provider, batch.account_id.clone())
                .await?;
            let Some(integration) =
                routed.filter(|i| i.provider == provider && i.status == IntegrationStatus::Active)
            else {
                tracing::warn!(
                    provider = provider.as_str(),
                    "meta delivery for an account without an active integration skipped"
                );
                outcome.skipped += batch.messages.len() + batch.statuses.len() + batch.unsent.len();
                continue;
            };
            let verified = match integration.secrets.app_secret.clone() {
                Some(secret) => self.verifier.verify_meta(secret, signature.clone(), &body),
                None => Err(SignatureFailure::Invalid),
            };
            match verified {
                Ok(()) => {
                    authenticated_once = true;
                    accepted.push((integration.company_id, batch));
                }
                Err(f) if !authenticated_once => return Err(unauthorized(f)),
                Err(_) => {
                    tracing::warn!(company_id = %integration.company_id, "meta delivery entries not signed with this account's app secret skipped");
                    outcome.skipped +=
                        batch.messages.len() + batch.statuses.len() + batch.unsent.len();
                }
            }
        }
        if !authenticated_once {
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        }
        let channel = channel_of(provider);
        for (company, batch) in accepted {
            outcome.skipped += batch.skipped;
            for m in batch.messages {
                let i = self.ingest_logged(company, m).await?;
                if i.duplicate {
                    outcome.duplicates += 1;
                } else {
                    outcome.stored += 1;
                }
            }
            for report in batch.statuses {
                match self.apply_status(company, report).await? {
                    StatusApplied::Advanced(_) => outcome.statuses_applied += 1,
                    StatusApplied::Ignored(_) | StatusApplied::NotFound => {
                        outcome.statuses_ignored += 1
                    }
                }
            }
            for (mid, at) in batch.unsent {
                if self.store.mark_unsent(company, channel, mid, at).await? {
                    outcome.unsent += 1;
                }
            }
        }
        Ok(outcome)
    }

    /// Applies a delivery status (from Meta's `statuses[]` or n8n's callback): statuses only move
    /// forward; unknown messages are reported, not errors.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn apply_status(
        &self,
        company: CompanyId,
        report: StatusReport,
    ) -> anyhow::Result<StatusApplied> {
        let status = report.status;
        let applied = self.store.apply_status(company, report).await?;
        match applied {
            StatusApplied::Advanced(id) => {
                tracing::info!(company_id = %company, interaction_id = %id, status = status.as_str(), outcome = "advanced", "delivery status");
            }
            StatusApplied::Ignored(id) => {
                tracing::info!(company_id = %company, interaction_id = %id, status = status.as_str(), outcome = "ignored", "delivery status");
            }
            StatusApplied::NotFound => {
                tracing::info!(company_id = %company, status = status.as_str(), outcome = "unmatched", "delivery status");
            }
        }
        Ok(applied)
    }

    /// Meta's GET handshake: the challenge when `mode` is `subscribe` and `token` is the
    /// `verify_token` of an active integration of `provider`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn verify_subscription(
        &self,
        provider: Provider,
        mode: Option<String>,
        token: Option<String>,
        challenge: Option<String>,
    ) -> anyhow::Result<Option<String>> {
        let (Some(mode), Some(token), Some(challenge)) = (mode, token, challenge) else {
            return Ok(None);
        };
        if mode != "subscribe" || token.is_empty() {
            return Ok(None);
        }
        Ok(self
            .directory
            .by_verify_token(provider, token)
            .await?
            .map(|_| challenge))
    }
}

struct MetaBatch {
    account_id: String,
    messages: Vec<InboundMessage>,
    statuses: Vec<StatusReport>,
    unsent: Vec<(String, chrono::DateTime<chrono::Utc>)>,
    skipped: usize,
}

/// The messages of an authenticated relay delivery, all validated (or every problem named).
fn relay_messages(channel: Channel, mut value: Value) -> Result<Vec<InboundMessage>, InboundError> {
    let invalid =
        |field: &str, message: String| InboundError::Invalid(vec![FieldIssue::new(field, message)]);
    let raw: Vec<(String, RelayMessage)> = if let Some(list) = value.get_mut("messages") {
        let list = list.take();
        let Value::Array(items) = list else {
            return Err(invalid("messages", "must be an array".into()));
        };
        if items.is_empty() || items.len() > MAX_BATCH {
            return Err(invalid(
                "messages",
                format!("must have 1 to {MAX_BATCH} messages"),
            ));
        }
        if let Some(obj) = value.as_object()
            && let Some(extra) = obj.keys().find(|k| *k != "account_id" && *k != "messages")
        {
            return Err(invalid(extra, "unknown field".into()));
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let path = format!("messages[{i}].");
            let m: RelayMessage = serde_json::from_value(item)
                .map_err(|e| invalid(&format!("messages[{i}]"), e.to_string()))?;
            out.push((path, m));
        }
        out
    } else {
        if let Some(obj) = value.as_object_mut() {
            obj.remove("account_id");
        }
        let m: RelayMessage =
            serde_json::from_value(value).map_err(|e| invalid("", e.to_string()))?;
        vec![(String::new(), m)]
    };
    let mut issues = Vec::new();
    let mut messages = Vec::with_capacity(raw.len());
    for (path, m) in raw {
        match normalize(channel, m, &path) {
            Ok(n) => messages.push(n),
            Err(mut e) => issues.append(&mut e),
        }
    }
    if issues.is_empty() {
        Ok(messages)
    } else {
        Err(InboundError::Invalid(issues))
    }
}
