//! Deliveries straight from Meta (`X-Hub-Signature-256`), in two halves so the caller can spend
//! per-account rate budgets only on authenticated traffic: [`Inbound::authenticate_meta`] (caps,
//! one lookup, the signature) and [`Inbound::store_meta`].
//!
//! What an unauthenticated delivery may cost, whatever it names: JSON parsing of at most 256 KiB,
//! the caps below, ONE directory lookup (none when every account is remembered as routing
//! nowhere), and at most [`MAX_SECRETS_BEFORE_AUTH`] HMACs.

use super::receive::{InboundError, MetaOutcome, channel_of};
use super::{Inbound, meta_instagram, meta_whatsapp};
use domain::CompanyId;
use domain::inbound::{InboundMessage, StatusApplied, StatusReport};
use domain::integrations::{MAX_ROUTE_ACCOUNTS, Provider, RouteCandidate};
use domain::ports::inbound::SignatureFailure;
use std::collections::HashMap;

/// Most entries (`entry[]`) one Meta delivery may carry (Meta batches at most 1,000).
pub const MAX_META_ENTRIES: usize = 1000;
/// Most distinct accounts (`phone_number_id`s, Instagram ids) one Meta delivery may name.
pub const MAX_META_ACCOUNTS: usize = MAX_ROUTE_ACCOUNTS;
/// Most distinct app secrets tried before a delivery is authenticated (usually one: the first
/// account's).
pub const MAX_SECRETS_BEFORE_AUTH: usize = 4;

/// What one account received in a Meta delivery.
#[derive(Debug)]
pub(super) struct MetaBatch {
    account_id: String,
    messages: Vec<InboundMessage>,
    statuses: Vec<StatusReport>,
    unsent: Vec<(String, chrono::DateTime<chrono::Utc>)>,
    skipped: usize,
    invalid: usize,
}

impl MetaBatch {
    fn events(&self) -> usize {
        self.messages.len() + self.statuses.len() + self.unsent.len() + self.skipped + self.invalid
    }
}

/// A Meta delivery whose signature checked out: the accounts whose events it may carry, each
/// with the integration (of some clinic) whose `app_secret` verifies it.
#[derive(Debug)]
pub struct AuthenticatedMeta {
    provider: Provider,
    accepted: Vec<(RouteCandidate, MetaBatch)>,
    skipped: usize,
}

impl AuthenticatedMeta {
    /// The clinics and account ids whose events are accepted (for per-account rate limits).
    #[must_use]
    pub fn accounts(&self) -> Vec<(CompanyId, String)> {
        self.accepted
            .iter()
            .map(|(c, _)| (c.integration.company_id, c.integration.account_id.clone()))
            .collect()
    }
}

fn parse(provider: Provider, body: &[u8]) -> Result<Vec<MetaBatch>, InboundError> {
    let malformed = || InboundError::Malformed("not a Meta webhook delivery".into());
    let too_many_entries = |n: usize| {
        (n > MAX_META_ENTRIES).then(|| InboundError::TooLarge {
            code: "too_many_entries",
            detail: format!("a delivery may carry at most {MAX_META_ENTRIES} entries"),
        })
    };
    let batches: Vec<MetaBatch> = match provider {
        Provider::Whatsapp => {
            let env: meta_whatsapp::Envelope =
                serde_json::from_slice(body).map_err(|_| malformed())?;
            if env.object != "whatsapp_business_account" {
                return Err(malformed());
            }
            if let Some(e) = too_many_entries(env.entry.len()) {
                return Err(e);
            }
            meta_whatsapp::parse(env)
                .into_iter()
                .map(|b| MetaBatch {
                    account_id: b.account_id,
                    messages: b.messages,
                    statuses: b.statuses,
                    unsent: Vec::new(),
                    skipped: b.skipped,
                    invalid: b.invalid,
                })
                .collect()
        }
        Provider::Instagram => {
            let env: meta_instagram::Envelope =
                serde_json::from_slice(body).map_err(|_| malformed())?;
            if env.object != "instagram" {
                return Err(malformed());
            }
            if let Some(e) = too_many_entries(env.entry.len()) {
                return Err(e);
            }
            meta_instagram::parse(env)
                .into_iter()
                .map(|b| MetaBatch {
                    account_id: b.account_id,
                    messages: b.messages,
                    statuses: Vec::new(),
                    unsent: b.unsent,
                    skipped: b.skipped,
                    invalid: b.invalid,
                })
                .collect()
        }
        Provider::N8n | Provider::Openai => return Err(malformed()),
    };
    if batches.len() > MAX_META_ACCOUNTS {
        return Err(InboundError::TooLarge {
            code: "too_many_accounts",
            detail: format!("a delivery may name at most {MAX_META_ACCOUNTS} accounts"),
        });
    }
    Ok(batches)
}

impl Inbound {
    /// A delivery straight from Meta: [`Inbound::authenticate_meta`], then
    /// [`Inbound::store_meta`].
    ///
    /// # Errors
    /// [`InboundError`].
    pub async fn receive_meta(
        &self,
        provider: Provider,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> Result<MetaOutcome, InboundError> {
        let delivery = self.authenticate_meta(provider, signature, body).await?;
        self.store_meta(delivery).await
    }

    /// The first half of [`Inbound::receive_meta`]. Parses the envelope (WhatsApp: every entry
    /// and change, routed by `value.metadata.phone_number_id`; Instagram: by `entry[].id`) and
    /// refuses more than [`MAX_META_ENTRIES`] entries or [`MAX_META_ACCOUNTS`] accounts; looks
    /// every account up at once; checks the signature against the `app_secret`s of the
    /// integrations holding the first routable accounts (at most [`MAX_SECRETS_BEFORE_AUTH`]
    /// secrets) and refuses the whole delivery unless one verifies. Then each account's events go
    /// to the first of its integrations (verified ones first) whose own `app_secret` verifies the
    /// delivery, so one clinic's secret never delivers into another clinic; accounts without one
    /// are skipped (one log line per delivery).
    ///
    /// # Errors
    /// [`InboundError::Malformed`], [`InboundError::TooLarge`], [`InboundError::Unauthorized`],
    /// or [`InboundError::Unknown`] when the lookup fails.
    pub async fn authenticate_meta(
        &self,
        provider: Provider,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> Result<AuthenticatedMeta, InboundError> {
        let batches = parse(provider, &body)?;
        let Some(signature) = signature else {
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        };
        let accounts = batches.iter().map(|b| b.account_id.clone()).collect();
        let candidates = self.candidates(provider, accounts).await?;
        let verify = |secret: &str| {
            self.verifier
                .verify_meta(secret.to_owned(), Some(signature.clone()), &body)
                .is_ok()
        };
        // Before authentication: as few HMACs as possible, in delivery order.
        let mut verdicts: HashMap<String, bool> = HashMap::new();
        for candidate in &candidates {
            let Some(secret) = candidate.integration.secrets.app_secret.as_deref() else {
                continue;
            };
            if verdicts.contains_key(secret) {
                continue;
            }
            if verdicts.len() >= MAX_SECRETS_BEFORE_AUTH {
                break;
            }
            let ok = verify(secret);
            verdicts.insert(secret.to_owned(), ok);
            if ok {
                break;
            }
        }
        if !verdicts.values().any(|ok| *ok) {
            // One line per refused delivery (the request line says 401 too), never one per account.
            tracing::info!(
                provider = provider.as_str(),
                accounts = batches.len(),
                routable = candidates.len(),
                "meta delivery refused: no integration's app secret verifies it"
            );
            return Err(InboundError::Unauthorized(SignatureFailure::Invalid));
        }
        // Authenticated: each account goes to its own verifying integration, if any.
        let (mut accepted, mut skipped, mut unrouted) = (Vec::new(), 0, 0);
        for batch in batches {
            let mut owner = None;
            for candidate in candidates
                .iter()
                .filter(|c| c.integration.account_id == batch.account_id)
            {
                let Some(secret) = candidate.integration.secrets.app_secret.as_deref() else {
                    continue;
                };
                let ok = match verdicts.get(secret) {
                    Some(ok) => *ok,
                    None => {
                        let ok = verify(secret);
                        verdicts.insert(secret.to_owned(), ok);
                        ok
                    }
                };
                if ok {
                    owner = Some(candidate.clone());
                    break;
                }
            }
            match owner {
                Some(candidate) => accepted.push((candidate, batch)),
                None => {
                    skipped += batch.events();
                    unrouted += 1;
                }
            }
        }
        if unrouted > 0 {
            tracing::warn!(
                provider = provider.as_str(),
                accounts = unrouted,
                "meta delivery entries for accounts without an integration this signature verifies skipped"
            );
        }
        Ok(AuthenticatedMeta {
            provider,
            accepted,
            skipped,
        })
    }

    /// The second half of [`Inbound::receive_meta`]: records the delivery on integrations seeing
    /// their first proof, then stores every message (one transaction each), applies statuses and
    /// marks unsent messages.
    ///
    /// # Errors
    /// [`InboundError::Unknown`] when the store fails.
    pub async fn store_meta(
        &self,
        delivery: AuthenticatedMeta,
    ) -> Result<MetaOutcome, InboundError> {
        let channel = channel_of(delivery.provider);
        let mut outcome = MetaOutcome {
            skipped: delivery.skipped,
            ..MetaOutcome::default()
        };
        for (candidate, batch) in delivery.accepted {
            let company = candidate.integration.company_id;
            if candidate.needs_record() {
                self.directory.record_delivery(candidate).await?;
            }
            outcome.skipped += batch.skipped;
            outcome.invalid += batch.invalid;
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
                        outcome.statuses_ignored += 1;
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
}
