//! The inbound use cases: relay deliveries, delivery statuses, Meta's subscription handshake (Meta
//! deliveries are in `meta.rs`), and the routing both kinds of delivery share.

use super::relay::{MAX_BATCH, RelayMessage, normalize};
use super::{FieldIssue, Inbound};
use domain::inbound::{InboundMessage, Ingested, StatusApplied, StatusReport};
use domain::integrations::{Provider, RouteCandidate, is_routable_account_id};
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
    /// More entries or accounts than one delivery may name (refused before any lookup).
    #[error("{detail}")]
    TooLarge {
        /// `too_many_entries` or `too_many_accounts`.
        code: &'static str,
        /// The limit, in words.
        detail: String,
    },
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
    /// The integration that verified it, when the delivery is to be recorded on it (its first
    /// proof, or a re-seal under the current master key).
    record: Option<RouteCandidate>,
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
    /// Messages and statuses refused because an id cannot be stored (too long, spaces or
    /// control characters); the rest of the delivery is stored.
    pub invalid: usize,
}

pub(super) fn channel_of(provider: Provider) -> Channel {
    match provider {
        Provider::Instagram => Channel::Instagram,
        _ => Channel::Whatsapp,
    }
}

pub(super) fn unauthorized(f: SignatureFailure) -> InboundError {
    // Stale stays distinguishable (the clock of the sender is off); everything else is one answer.
    match f {
        SignatureFailure::Stale => InboundError::Unauthorized(SignatureFailure::Stale),
        _ => InboundError::Unauthorized(SignatureFailure::Invalid),
    }
}

impl Inbound {
    /// A delivery from the n8n relay: authenticates it with the `webhook_secret` of an
    /// integration holding its account id (or the legacy environment secret when none verifies
    /// it), validates every message,
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
    /// the signature (so callers can rate-limit per account only authentic traffic). Costs one
    /// lookup at most (none for an account id remembered as unknown) and one HMAC per integration
    /// holding the account id (usually one, at most 10). The delivery belongs to the integration whose own
    /// `webhook_secret` verifies it (proven ones are tried first); when none does, the legacy
    /// secret (if configured) may still claim it for the default clinic.
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
            .filter(|a| is_routable_account_id(a))
            .map(str::to_owned)
        else {
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        };
        if signature.is_none() {
            // Nothing to verify: refused before any lookup.
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        }
        let now = self.clock.now().timestamp();
        let verify = |secret: String| {
            self.verifier.verify_atende(
                vec![secret],
                signature.clone(),
                &body,
                now,
                self.tolerance_secs,
            )
        };
        for candidate in self.candidates(provider, vec![account_id.clone()]).await? {
            let Some(secret) = candidate.integration.secrets.webhook_secret.clone() else {
                continue;
            };
            match verify(secret) {
                Ok(()) => {
                    return Ok(AuthenticatedRelay {
                        company: candidate.integration.company_id,
                        account_id,
                        provider,
                        value,
                        record: candidate.needs_record().then_some(candidate),
                    });
                }
                // Not this integration's: another clinic holding the same account id may own it.
                Err(SignatureFailure::Invalid) => {}
                // Stale only after a valid MAC; missing or malformed fails for every secret.
                Err(f) => return Err(unauthorized(f)),
            }
        }
        let Some(legacy) = &self.legacy else {
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        };
        verify(legacy.secret.clone()).map_err(unauthorized)?;
        tracing::warn!(company_id = %legacy.company, provider = provider.as_str(),
            "relay delivery authenticated with the legacy ATENDE_WEBHOOK_SECRET");
        Ok(AuthenticatedRelay {
            company: legacy.company,
            account_id,
            provider,
            value,
            record: None,
        })
    }

    /// The active integrations that may own each of `accounts`, in one lookup; accounts that
    /// cannot be account ids or are remembered as routing nowhere are not looked up, and those
    /// found routing nowhere are remembered briefly.
    pub(super) async fn candidates(
        &self,
        provider: Provider,
        accounts: Vec<String>,
    ) -> anyhow::Result<Vec<RouteCandidate>> {
        let now = self.clock.now();
        let wanted: Vec<String> = accounts
            .into_iter()
            .filter(|a| is_routable_account_id(a) && !self.unknown.is_unknown(provider, a, now))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.directory.routes(provider, wanted.clone()).await?;
        for account in &wanted {
            if !found.iter().any(|c| &c.integration.account_id == account) {
                self.unknown.remember(provider, account, now);
            }
        }
        Ok(found)
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
        if let Some(candidate) = delivery.record {
            self.directory.record_delivery(candidate).await?;
        }
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

    pub(super) async fn ingest_logged(
        &self,
        company: CompanyId,
        m: InboundMessage,
    ) -> anyhow::Result<Ingested> {
        let started = Instant::now();
        let channel = m.channel;
        let now = self.clock.now();
        let m = m.sanitized(now);
        let result = self.store.ingest(company, m, now).await;
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
        let report = report.clamped(self.clock.now());
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
