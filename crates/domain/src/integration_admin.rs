//! The admin side of channel integrations: what the Integrations API creates, lists and changes.
//! Secrets go in and never come out; a record only says which secrets are set.

use crate::integrations::{IntegrationSecrets, IntegrationStatus, Provider};
use crate::{CompanyId, IntegrationId};
use chrono::{DateTime, Utc};
use std::fmt;

/// The names of the secrets an integration may hold, in API order.
pub const SECRET_NAMES: [&str; 5] = [
    "webhook_secret",
    "app_secret",
    "verify_token",
    "outbound_secret",
    "api_key",
];

impl IntegrationStatus {
    /// The stored name (`active`, `inactive`).
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// An integration as the admin API shows it: never a secret, only the names of those set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationRecord {
    /// Its id.
    pub id: IntegrationId,
    /// The clinic it belongs to.
    pub company_id: CompanyId,
    /// What it connects to (immutable).
    pub provider: Provider,
    /// The account id (immutable).
    pub account_id: String,
    /// Non-secret configuration.
    pub config: serde_json::Value,
    /// The names of the secrets that are set (see [`SECRET_NAMES`]).
    pub secret_names: Vec<String>,
    /// Active or inactive.
    pub status: IntegrationStatus,
    /// When a delivery signed with this integration's own secret first reached it; `None` while
    /// it is pending (see docs/integrations.md, "Who owns an account id").
    pub verified_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl IntegrationRecord {
    /// Whether the secret `name` is set.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.secret_names.iter().any(|n| n == name)
    }
}

/// An integration to store; its secrets are encrypted by the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    /// Its id (UUID v7, chosen by the use case: it is bound into the ciphertext).
    pub id: IntegrationId,
    /// What it connects to.
    pub provider: Provider,
    /// The account id.
    pub account_id: String,
    /// Non-secret configuration (a JSON object).
    pub config: serde_json::Value,
    /// The secrets, in clear until the repository seals them.
    pub secrets: IntegrationSecrets,
    /// Initial status.
    pub status: IntegrationStatus,
}

/// What a `PATCH` does to one secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum SecretChange {
    /// The key was absent: keep the stored value.
    #[default]
    Keep,
    /// Replace (rotate) it.
    Set(String),
    /// `null`: remove it.
    Remove,
}

impl fmt::Debug for SecretChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keep => "Keep",
            Self::Set(_) => "Set([REDACTED])",
            Self::Remove => "Remove",
        })
    }
}

impl SecretChange {
    fn apply(&self, current: &mut Option<String>) {
        match self {
            Self::Keep => {}
            Self::Set(value) => *current = Some(value.clone()),
            Self::Remove => *current = None,
        }
    }

    /// The new value, when this change sets one.
    #[must_use]
    pub fn new_value(&self) -> Option<&str> {
        match self {
            Self::Set(value) => Some(value),
            Self::Keep | Self::Remove => None,
        }
    }
}

/// Changes to an integration's secrets; `Debug` never prints a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretsPatch {
    /// `webhook_secret`.
    pub webhook_secret: SecretChange,
    /// `app_secret`.
    pub app_secret: SecretChange,
    /// `verify_token`.
    pub verify_token: SecretChange,
    /// `outbound_secret`.
    pub outbound_secret: SecretChange,
    /// `api_key`.
    pub api_key: SecretChange,
}

impl SecretsPatch {
    /// The changes with their API names, in [`SECRET_NAMES`] order.
    #[must_use]
    pub fn changes(&self) -> [(&'static str, &SecretChange); 5] {
        [
            ("webhook_secret", &self.webhook_secret),
            ("app_secret", &self.app_secret),
            ("verify_token", &self.verify_token),
            ("outbound_secret", &self.outbound_secret),
            ("api_key", &self.api_key),
        ]
    }

    /// Whether nothing changes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes()
            .iter()
            .all(|(_, c)| **c == SecretChange::Keep)
    }

    /// `secrets` with the changes applied: set keys replace, removed keys go, the rest stay.
    #[must_use]
    pub fn apply(&self, mut secrets: IntegrationSecrets) -> IntegrationSecrets {
        self.webhook_secret.apply(&mut secrets.webhook_secret);
        self.app_secret.apply(&mut secrets.app_secret);
        self.verify_token.apply(&mut secrets.verify_token);
        self.outbound_secret.apply(&mut secrets.outbound_secret);
        self.api_key.apply(&mut secrets.api_key);
        secrets
    }
}

/// A change to an integration; `None` / [`SecretChange::Keep`] leave a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationPatch {
    /// The new configuration (replaces the whole object).
    pub config: Option<serde_json::Value>,
    /// Secret changes.
    pub secrets: SecretsPatch,
    /// The new status.
    pub status: Option<IntegrationStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_sets_removes_and_keeps() {
        let stored = IntegrationSecrets {
            webhook_secret: Some("old-webhook".into()),
            app_secret: Some("old-app".into()),
            api_key: Some("old-key".into()),
            ..Default::default()
        };
        let patch = SecretsPatch {
            webhook_secret: SecretChange::Set("new-webhook".into()),
            app_secret: SecretChange::Remove,
            verify_token: SecretChange::Set("verify-me".into()),
            ..Default::default()
        };
        let out = patch.apply(stored);
        assert_eq!(out.webhook_secret.as_deref(), Some("new-webhook"));
        assert_eq!(out.app_secret, None);
        assert_eq!(out.verify_token.as_deref(), Some("verify-me"));
        assert_eq!(out.api_key.as_deref(), Some("old-key"));
        assert_eq!(out.outbound_secret, None);
        assert!(!patch.is_empty());
        assert!(SecretsPatch::default().is_empty());
    }

    #[test]
    fn debug_of_a_patch_hides_values() {
        let patch = SecretsPatch {
            api_key: SecretChange::Set("sk-very-secret".into()),
            ..Default::default()
        };
        assert!(!format!("{patch:?}").contains("very-secret"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [IntegrationStatus::Active, IntegrationStatus::Inactive] {
            assert_eq!(IntegrationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(IntegrationStatus::parse("paused"), None);
    }
}
