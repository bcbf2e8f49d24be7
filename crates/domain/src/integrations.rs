//! Channel integrations: per-clinic accounts (WhatsApp number, Instagram account, n8n relay,
//! OpenAI key) with their secrets, which are stored encrypted and never returned.

use crate::{CompanyId, IntegrationId};
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
}
