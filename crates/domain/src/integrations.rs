//! Channel integrations: per-clinic accounts (WhatsApp number, Instagram account, n8n relay,
//! OpenAI key) with their secrets, which are stored encrypted and never returned.

use crate::{CompanyId, IntegrationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an integration connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// WhatsApp Cloud API; `account_id` is the `phone_number_id`.
    Whatsapp,
    /// Instagram messaging; `account_id` is the Instagram account id.
    Instagram,
    /// The n8n relay; `account_id` is a name chosen by the clinic.
    N8n,
    /// An OpenAI-compatible model for the analyst agent; `account_id` is a name.
    Openai,
}

impl Provider {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Instagram => "instagram",
            Self::N8n => "n8n",
            Self::Openai => "openai",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "whatsapp" => Self::Whatsapp,
            "instagram" => Self::Instagram,
            "n8n" => Self::N8n,
            "openai" => Self::Openai,
            _ => return None,
        })
    }
}

/// Whether an integration is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    /// Routes traffic.
    Active,
    /// Kept, but deliveries for it are refused like an unknown account.
    Inactive,
}

/// The secrets of an integration, decrypted. `Debug` never prints them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationSecrets {
    /// Verifies Atende-signed deliveries from n8n (inbound messages, status callbacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Meta's app secret: verifies `X-Hub-Signature-256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<String>,
    /// Meta's GET handshake token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// Signs Atende's calls to the n8n outbound webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_secret: Option<String>,
    /// The OpenAI-compatible API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

impl fmt::Debug for IntegrationSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrationSecrets")
            .field("set", &self.names())
            .finish()
    }
}

impl IntegrationSecrets {
    /// The names of the secrets that are set (`webhook_secret`, …), for `has_*` flags.
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("webhook_secret", self.webhook_secret.is_some()),
            ("app_secret", self.app_secret.is_some()),
            ("verify_token", self.verify_token.is_some()),
            ("outbound_secret", self.outbound_secret.is_some()),
            ("api_key", self.api_key.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, set)| set.then_some(n))
        .collect()
    }
}

/// An integration resolved for traffic (webhook routing, outbound dispatch, analysis), with its
/// secrets decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIntegration {
    /// Its id.
    pub id: IntegrationId,
    /// The clinic it belongs to.
    pub company_id: CompanyId,
    /// What it connects to.
    pub provider: Provider,
    /// The account id.
    pub account_id: String,
    /// Active or inactive.
    pub status: IntegrationStatus,
    /// Non-secret configuration (`outbound_url` for n8n, `base_url`/`model` for OpenAI, …).
    pub config: serde_json::Value,
    /// The decrypted secrets.
    pub secrets: IntegrationSecrets,
}

/// Most candidates the directory returns for one account id: the verified ones (earliest proof
/// first), then the newest pending ones. Only clinics can register an account id, one
/// integration each, so this bounds the work a squatted account id can cause, not its owner.
pub const MAX_ROUTE_CANDIDATES: usize = 10;

/// Most account ids one directory lookup names (a Meta delivery's distinct accounts are capped
/// at this before anything is looked up).
pub const MAX_ROUTE_ACCOUNTS: usize = 50;

/// An active integration a delivery for its account id may belong to, resolved before the
/// delivery is authenticated. Several clinics may hold the same account id (so none can block
/// another): a delivery belongs to the integration whose own secret verifies its signature
/// (docs/integrations.md, "Who owns an account id").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteCandidate {
    /// The integration, decrypted (always active).
    pub integration: ResolvedIntegration,
    /// When a delivery signed with this integration's own secret first reached it; `None`
    /// while it is pending.
    pub verified_at: Option<DateTime<Utc>>,
    /// Its secrets are still sealed under the previous master key (re-sealed once a delivery
    /// authenticated with them).
    pub sealed_with_previous_key: bool,
}

impl RouteCandidate {
    /// Whether an authenticated delivery should be recorded on this integration (its first
    /// proof, or a re-seal under the current master key).
    #[must_use]
    pub fn needs_record(&self) -> bool {
        self.verified_at.is_none() || self.sealed_with_previous_key
    }
}

/// Whether `account_id` could be an integration's account id (1 to 200 characters, not blank, no
/// control characters). Anything else routes nowhere and is never looked up.
#[must_use]
pub fn is_routable_account_id(account_id: &str) -> bool {
    let chars = account_id.chars().count();
    (1..=200).contains(&chars)
        && !account_id.trim().is_empty()
        && !account_id.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_a_secret() {
        let s = IntegrationSecrets {
            webhook_secret: Some("whsec_super_secret".into()),
            ..Default::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("super_secret"));
        assert!(shown.contains("webhook_secret"));
    }

    #[test]
    fn routable_account_ids() {
        assert!(is_routable_account_id("109876543210987"));
        assert!(is_routable_account_id("relay de teste"));
        for bad in ["", "   ", "a\u{0}b", "tab\there"] {
            assert!(!is_routable_account_id(bad), "{bad:?}");
        }
        assert!(!is_routable_account_id(&"1".repeat(201)));
    }
}
